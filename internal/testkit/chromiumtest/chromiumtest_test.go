package chromiumtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/fullsession/fullsession/internal/testkit/chromiumtest"
)

func TestAllocatorStartsHeadlessChromium(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	browser, stop := chromedp.NewContext(chromiumtest.Allocator(t, ctx))
	defer stop()
	sum, err := chromedp.Run(browser, chromedp.Evaluate[int](`20 + 22`))
	if err != nil {
		t.Fatal(err)
	}
	if sum != 42 {
		t.Fatalf("page evaluated 20 + 22 to %d", sum)
	}
}
