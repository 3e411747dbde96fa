package syncbuf_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

func TestConcurrentWrites(t *testing.T) {
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				fmt.Fprint(&b, "x")
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := b.String(); got != strings.Repeat("x", 800) {
		t.Fatalf("%d bytes, want 800", len(got))
	}
}

func Example() {
	var b syncbuf.Buffer
	fmt.Fprintln(&b, "child output")
	fmt.Print(b.String())
	// Output: child output
}
