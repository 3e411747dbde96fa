// chromium.go drives Debian's headless Chromium through chromedp (the
// Chrome DevTools Protocol): one browser per test binary, one browser
// context per profile.

package browsertest

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/fullsession/fullsession/internal/testkit/chromiumtest"
)

const chromiumPath = chromiumtest.Path

type chromium struct {
	browser context.Context
	version string
}

func startChromium() (Engine, func(), error) {
	dir, err := os.MkdirTemp("", "browsertest-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromiumtest.Options(dir),
		// httptest's TLS servers, as Firefox and WebKit run with acceptInsecureCerts.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.Flag("host-resolver-rules", "MAP "+InsecureHost+" 127.0.0.1, "+chromiumtest.HostResolverRules))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	stop := func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, struct{}{})
	if err != nil {
		stop()
		return nil, nil, err
	}
	return &chromium{browser: ctx, version: v.Product}, stop, nil
}

func (c *chromium) Name() string    { return "chromium" }
func (c *chromium) Version() string { return c.version }

func (c *chromium) NewProfile(ctx context.Context) (Profile, error) {
	pctx, cancel := chromedp.NewContext(c.browser, chromedp.WithNewBrowserContext())
	// The first run creates the tab, which lives as long as the context of
	// that run: pctx itself, not one derived from ctx.
	if err := chromedp.Do(pctx); err != nil {
		cancel()
		return nil, err
	}
	return &chromiumProfile{ctx: pctx, cancel: cancel}, nil
}

// run calls f on the chromedp context cdp, ending early when ctx ends.
func run(ctx, cdp context.Context, f func(context.Context, ...chromedp.Action[chromedp.Void]) error, steps ...chromedp.Action[chromedp.Void]) error {
	cctx, cancel := context.WithCancel(cdp)
	defer cancel()
	if d, ok := ctx.Deadline(); ok {
		var c2 context.CancelFunc
		cctx, c2 = context.WithDeadline(cctx, d)
		defer c2()
	}
	defer context.AfterFunc(ctx, cancel)()
	return f(cctx, steps...)
}

type chromiumProfile struct {
	ctx    context.Context // the profile's first tab
	cancel context.CancelFunc
	mu     sync.Mutex
	used   bool // the first tab was handed out
	tabs   []context.CancelFunc
}

func (p *chromiumProfile) NewTab(ctx context.Context) (Tab, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.used {
		p.used = true
		return &chromiumTab{ctx: p.ctx}, nil
	}
	tctx, cancel := chromedp.NewContext(p.ctx) // inherits the browser context
	if err := chromedp.Do(tctx); err != nil {
		cancel()
		return nil, err
	}
	p.tabs = append(p.tabs, cancel)
	return &chromiumTab{ctx: tctx}, nil
}

func (p *chromiumProfile) Cookies(ctx context.Context) ([]Cookie, error) {
	cctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	r, err := chromedp.CallBrowser(cctx, storage.GetCookies,
		storage.GetCookiesParams{BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID})
	if err != nil {
		return nil, err
	}
	out := make([]Cookie, 0, len(r.Cookies))
	for _, c := range r.Cookies {
		k := Cookie{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: string(c.SameSite), Partitioned: c.PartitionKey != nil}
		if !c.Session && c.Expires > 0 {
			k.Expires = time.Unix(0, int64(c.Expires*1e9))
		}
		out = append(out, k)
	}
	return out, nil
}

func (p *chromiumProfile) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.tabs {
		c()
	}
	p.cancel() // disposes of the browser context
	return nil
}

type chromiumTab struct{ ctx context.Context }

func (t *chromiumTab) Navigate(ctx context.Context, url string) error {
	return run(ctx, t.ctx, chromedp.Do, chromedp.Navigate(url))
}

func (t *chromiumTab) Eval(ctx context.Context, body string) (json.RawMessage, error) {
	var out string
	err := run(ctx, t.ctx, func(c context.Context, _ ...chromedp.Action[chromedp.Void]) error {
		var err error
		out, err = chromedp.Run(c, chromedp.Evaluate[string](wrap(body), chromedp.EvalAwaitPromise))
		return err
	})
	return json.RawMessage(out), err
}
