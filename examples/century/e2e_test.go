package main

// The end-to-end test: the site behind a real varnishd (Debian varnish +
// varnish-modules, with cachehint's VCL), visited by two browsers with
// separate profiles, logins and selections, in each of Chromium, Firefox
// and WebKit.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/internal/testkit/browsertest"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/cachehint/varnish"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/testkit/varnishtest"

	"github.com/fullsession/fullsession/examples/century/demo"
)

// stack is the site behind Varnish.
type stack struct {
	origin  *httptest.Server
	varnish *varnishtest.Varnish
	store   *Store
	updater *updater
	logs    *syncbuf.Buffer
}

func startStack(t *testing.T) *stack { return startStackIdle(t, 0) }

// startStackIdle is startStack with logins that time out after idle (0: never).
func startStackIdle(t *testing.T, idle time.Duration) *stack {
	t.Helper()
	st := &stack{store: freshStore(t, testCount), logs: &syncbuf.Buffer{}}
	log := slog.New(slog.NewTextHandler(st.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	revoker := clientsession.NewMemoryRevoker(sessionMaxAge)
	sessions, err := newManager([][]byte{testKey}, true, idle, revoker, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	h, err := newSite(siteConfig{
		Store: st.store, Sessions: sessions, Revoker: revoker, Log: log, IdleTimeout: idle,
		TrustedProxies: []string{"127.0.0.1/32"}, Purging: true,
		// A public route that touched the session would panic (a 500 the
		// test sees) instead of being quietly downgraded.
		Strict: true,
	})
	require.NoError(t, err)
	st.origin = httptest.NewServer(h)
	t.Cleanup(st.origin.Close)
	st.varnish = varnishtest.Start(t, varnishtest.Options{
		VCL:     varnish.DefaultVCL,
		Backend: st.origin.Listener.Addr().String(),
	})
	// The updater is driven by the test (rate 0): purges go to Varnish.
	st.updater = newUpdater(st.store, &cachehint.VarnishPurger{URL: st.varnish.PurgeURL}, 0, log)
	return st
}

// seen is one response a browser or client received through Varnish.
type seen struct {
	who, url string
	status   int64
	document bool              // the request accepted text/html: a navigation, not a favicon or a fetch
	headers  map[string]string // lower-case names; repeated headers joined by "\n"
}

func (s seen) get(name string) string { return s.headers[strings.ToLower(name)] }

// checkNeverCachedCookie fails when a response carrying Set-Cookie came
// from the cache: such a response must always be a PASS straight from the
// origin, with Age 0 and one transaction id in X-Varnish.
func checkNeverCachedCookie(t *testing.T, r seen) {
	t.Helper()
	if r.get("Set-Cookie") == "" {
		return
	}
	xv := strings.Fields(r.get("X-Varnish"))
	if r.get("X-Cache") != "PASS" || len(xv) != 1 || (r.get("Age") != "" && r.get("Age") != "0") {
		t.Errorf("%s: %s: a response with Set-Cookie was served from the cache: X-Cache=%q X-Varnish=%q Age=%q",
			r.who, r.url, r.get("X-Cache"), r.get("X-Varnish"), r.get("Age"))
	}
}

// browser is one profile of one engine, visiting the site through a
// recording proxy of its own in front of Varnish, so that every response's
// headers are seen as they reached the browser, whatever the engine.
type browser struct {
	name    string
	base    string // the proxy's URL; the browser's origin
	profile browsertest.Profile
	tab     browsertest.Tab
	mu      sync.Mutex
	resp    []seen
}

// newBrowser opens a fresh profile of e and a proxy for it. The proxy
// passes requests to Varnish unchanged but for Host, Origin and Referer,
// which it sets to Varnish's own (so that both browsers share one cache
// and the origin's cross-origin check sees its own origin), and records
// each response: status and headers, Set-Cookie included.
func newBrowser(t *testing.T, e browsertest.Engine, varnishURL, name string) *browser {
	t.Helper()
	target, err := url.Parse(varnishURL)
	require.NoError(t, err)
	b := &browser{name: name}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
			for _, h := range []string{"Origin", "Referer"} {
				if v := r.In.Header.Get(h); strings.HasPrefix(v, b.base) {
					r.Out.Header.Set(h, varnishURL+strings.TrimPrefix(v, b.base))
				}
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			h := map[string]string{}
			for k, v := range resp.Header {
				h[strings.ToLower(k)] = strings.Join(v, "\n")
			}
			if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, varnishURL) {
				resp.Header.Set("Location", b.base+strings.TrimPrefix(loc, varnishURL))
			}
			b.mu.Lock()
			b.resp = append(b.resp, seen{who: name, url: b.base + resp.Request.URL.RequestURI(), status: int64(resp.StatusCode), headers: h,
				document: strings.Contains(resp.Request.Header.Get("Accept"), "text/html")})
			b.mu.Unlock()
			return nil
		},
	}
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)
	b.base = proxy.URL
	b.profile = browsertest.NewProfile(t, e)
	b.tab = browsertest.NewTab(t, b.profile)
	return b
}

func (b *browser) responses() []seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seen(nil), b.resp...)
}

// lastDocument is the response of the newest navigation. Engines also
// fetch on their own after a page loads (MiniBrowser asks for
// /favicon.ico), so the newest response is not always the page's.
func (b *browser) lastDocument(t *testing.T) seen {
	t.Helper()
	rs := b.responses()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].document {
			return rs[i]
		}
	}
	t.Fatalf("%s: no navigation seen", b.name)
	return seen{}
}

func evaluate[T any](t *testing.T, b *browser, body string) T {
	t.Helper()
	var v T
	browsertest.Eval(t, b.tab, body, &v)
	return v
}

// personalisedJS is true once the page script has filled in the page.
const personalisedJS = `document.documentElement.dataset.personalised === "true"`

// act runs body, which leaves the page (a submit, a reload), and waits
// until a new page is personalised. Evaluations that race the navigation
// fail and are retried.
func (b *browser) act(t *testing.T, body string) {
	t.Helper()
	browsertest.Eval(t, b.tab, `document.documentElement.dataset.old = "1"; `+body, nil)
	b.waitNewPage(t)
}

// waitNewPage waits until a page other than the one marked old has been
// personalised.
func (b *browser) waitNewPage(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		raw, err := b.tab.Eval(ctx, `return !document.documentElement.dataset.old && `+personalisedJS)
		return err == nil && string(raw) == "true"
	}, browsertest.WaitTimeout, 50*time.Millisecond, "%s: no new page", b.name)
}

// open navigates to path and waits until the page script has personalised
// the page. It returns the response the document came with.
func (b *browser) open(t *testing.T, path string) seen {
	t.Helper()
	url := b.base + path
	before := len(b.responses())
	browsertest.Navigate(t, b.tab, url)
	browsertest.WaitFor(t, b.tab, personalisedJS, b.name+": "+path+" personalised")
	var r seen
	rs := b.responses()
	for _, x := range rs[min(before, len(rs)):] {
		if x.url == url {
			r = x
		}
	}
	require.NotEmpty(t, r.url, "%s: no response for %s", b.name, url)
	require.Less(t, r.status, int64(500), "%s: %s", b.name, url)
	return r
}

// pageState is what a visitor sees on a property page.
type pageState struct {
	Hello string `json:"hello"`
	Star  string `json:"star"`
	Price string `json:"price"`
	Text  string `json:"text"`
}

func (b *browser) state(t *testing.T, id int64) pageState {
	t.Helper()
	return evaluate[pageState](t, b, fmt.Sprintf(`
		const hello = document.getElementById("hello");
		const star = document.querySelector('form[data-star="%d"] button');
		return {
			hello: hello && !hello.hidden ? hello.textContent : "",
			star: star ? star.getAttribute("aria-pressed") : "",
			price: document.getElementById("price")?.textContent ?? "",
			text: document.body.innerText,
		};`, id))
}

// login fills in and submits the login form as a visitor would, and waits
// for the search page it lands on.
func (b *browser) login(t *testing.T, user string) {
	t.Helper()
	b.open(t, "/login")
	b.act(t, fmt.Sprintf(`const f = document.getElementById("login-form");
		f.elements.username.value = %q;
		f.elements.password.value = "demo";
		f.requestSubmit();`, user))
	require.True(t, evaluate[bool](t, b, `return !!document.getElementById("search-form")`), "%s: not on the search page", b.name)
}

// flashJS is a function body returning the flash message the page shows, or "".
const flashJS = `const f = document.getElementById("flash"); return f && !f.hidden ? f.textContent : ""`

// flash returns the flash message the open page shows, or "".
func (b *browser) flash(t *testing.T) string {
	t.Helper()
	return evaluate[string](t, b, flashJS)
}

// reload reloads the open page and waits for its script.
func (b *browser) reload(t *testing.T) {
	t.Helper()
	b.act(t, `location.reload()`)
}

// flashInNewTab opens path in a second tab of the same profile (same
// cookies) and returns the flash message it shows.
func (b *browser) flashInNewTab(t *testing.T, path string) string {
	t.Helper()
	tab := browsertest.NewTab(t, b.profile)
	browsertest.Navigate(t, tab, b.base+path)
	browsertest.WaitFor(t, tab, personalisedJS, b.name+": second tab personalised")
	var v string
	browsertest.Eval(t, tab, flashJS, &v)
	return v
}

// postStar submits the star form of property id the way a browser without
// the page script does (a POST to /selection/toggle, which redirects back)
// and waits for the page it lands on.
func (b *browser) postStar(t *testing.T, id int64) {
	t.Helper()
	// form.submit(): no submit event, so the page script does not step in.
	b.act(t, fmt.Sprintf(`document.querySelector('form[data-star="%d"]').submit()`, id))
}

// toggleStar clicks the star of property id (on the open page) and waits
// for it to show want ("true" or "false").
func (b *browser) toggleStar(t *testing.T, id int64, want string) {
	t.Helper()
	sel := fmt.Sprintf(`form[data-star="%d"] button`, id)
	browsertest.Eval(t, b.tab, fmt.Sprintf(`document.querySelector('%s').click()`, sel), nil)
	browsertest.WaitFor(t, b.tab, fmt.Sprintf(`document.querySelector('%s').getAttribute("aria-pressed") === %q`, sel, want),
		b.name+": the star of "+fmt.Sprint(id))
}

// selection returns the ids /selection shows to this browser.
func (b *browser) selection(t *testing.T) []int64 {
	t.Helper()
	r := b.open(t, "/selection")
	assert.Equal(t, "PASS", r.get("X-Cache"), "%s: /selection is private, never cached", b.name)
	return evaluate[[]int64](t, b, `return [...document.querySelectorAll("[data-selected]")].map(e => Number(e.dataset.selected))`)
}

// TestEndToEndThroughVarnish runs the visit in each engine: Chromium,
// Firefox and WebKit (internal/testkit/browsertest).
func TestEndToEndThroughVarnish(t *testing.T) {
	browsertest.Each(t, endToEnd)
}

func endToEnd(t *testing.T, e browsertest.Engine) {
	st := startStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()

	ann := newBrowser(t, e, st.varnish.URL, "ann")
	bruno := newBrowser(t, e, st.varnish.URL, "bruno")
	ann.login(t, "ann")
	bruno.login(t, "bruno")

	// The login left a flash for the page it redirects to, the search page,
	// which is cached (bruno's copy is ann's): the page script pops it and
	// shows it, once. It is gone after a reload and in a second tab.
	assert.Equal(t, "Welcome back, Bruno", bruno.flash(t))
	assert.Equal(t, "HIT", bruno.lastDocument(t).get("X-Cache"), "the flash shows on a page from the cache")
	assert.Equal(t, "Welcome back, Ann", ann.flash(t))
	bruno.reload(t)
	assert.Empty(t, bruno.flash(t), "gone after a reload")
	assert.Empty(t, ann.flashInNewTab(t, "/"), "gone in a second tab")

	// Each builds a different selection with the star (page script only).
	const shared, other = 42, 7
	page := fmt.Sprintf("/properties/%d", shared)
	r := ann.open(t, page)
	assert.Equal(t, "MISS", r.get("X-Cache"), "first view of the page")
	s := ann.state(t, shared)
	assert.Equal(t, "Hello Ann", s.Hello)
	assert.Equal(t, "false", s.Star)
	ann.toggleStar(t, shared, "true")

	bruno.open(t, fmt.Sprintf("/properties/%d", other))
	bruno.toggleStar(t, other, "true")

	// Both open the same page: it comes from the cache, and each sees only
	// their own name and selection.
	r = bruno.open(t, page)
	assert.Equal(t, "HIT", r.get("X-Cache"), "bruno's view is served by Varnish")
	assert.Len(t, strings.Fields(r.get("X-Varnish")), 2, "a hit carries two transaction ids")
	s = bruno.state(t, shared)
	assert.Equal(t, "Hello Bruno", s.Hello)
	assert.Equal(t, "false", s.Star, "42 is not in bruno's selection")
	assert.NotContains(t, s.Text, "Ann")

	r = ann.open(t, page)
	assert.Equal(t, "HIT", r.get("X-Cache"))
	s = ann.state(t, shared)
	assert.Equal(t, "Hello Ann", s.Hello)
	assert.Equal(t, "true", s.Star, "42 is in ann's selection")
	assert.NotContains(t, s.Text, "Bruno")

	assert.Equal(t, []int64{shared}, ann.selection(t))
	assert.Equal(t, []int64{other}, bruno.selection(t))

	// Toggling in one browser changes that browser's selection only.
	bruno.open(t, page)
	bruno.toggleStar(t, shared, "true")
	assert.Equal(t, []int64{other, shared}, bruno.selection(t))
	assert.Equal(t, []int64{shared}, ann.selection(t))
	ann.open(t, page)
	ann.toggleStar(t, shared, "false")
	assert.Empty(t, ann.selection(t))
	assert.Equal(t, []int64{other, shared}, bruno.selection(t))

	// A price update purges the page: the next view shows the new price.
	before, err := st.store.Get(ctx, shared)
	require.NoError(t, err)
	r = ann.open(t, page)
	require.Equal(t, "HIT", r.get("X-Cache"))
	require.Equal(t, euros(before.Price), ann.state(t, shared).Price)
	newPrice := before.Price + 111_000
	_, err = st.updater.Apply(ctx, shared, newPrice, demo.StatusUnderOffer)
	require.NoError(t, err)
	r = ann.open(t, page)
	assert.Equal(t, "MISS", r.get("X-Cache"), "the purge evicted the page")
	assert.Equal(t, euros(newPrice), ann.state(t, shared).Price)
	r = bruno.open(t, page)
	assert.Equal(t, "HIT", r.get("X-Cache"))
	s = bruno.state(t, shared)
	assert.Equal(t, euros(newPrice), s.Price)
	assert.Equal(t, "Hello Bruno", s.Hello)
	assert.Equal(t, "true", s.Star)

	// The no-JS star: the POST removes 42 from bruno's selection and leaves
	// a flash for the cached page it returns to.
	bruno.open(t, page)
	bruno.postStar(t, shared)
	assert.Equal(t, "Removed from your selection", bruno.flash(t))
	landed := bruno.lastDocument(t)
	assert.Equal(t, bruno.base+page, landed.url)
	assert.Equal(t, "HIT", landed.get("X-Cache"), "the flash shows on a page from the cache")
	assert.Equal(t, "false", bruno.state(t, shared).Star)
	bruno.reload(t)
	assert.Empty(t, bruno.flash(t), "gone after a reload")
	assert.Empty(t, bruno.flashInNewTab(t, page), "gone in a second tab")
	assert.Equal(t, []int64{other}, bruno.selection(t))

	// No response carrying Set-Cookie came from the cache, and the check
	// did see cookies being set (the logins) and hits.
	var cookies, hits int
	for _, b := range []*browser{ann, bruno} {
		for _, r := range b.responses() {
			checkNeverCachedCookie(t, r)
			if r.get("Set-Cookie") != "" {
				cookies++
			}
			if r.get("X-Cache") == "HIT" {
				hits++
			}
		}
	}
	assert.GreaterOrEqual(t, cookies, 2, "the logins set cookies")
	assert.Greater(t, hits, 5)
	t.Logf("browsers: %d responses with Set-Cookie (all PASS), %d cache hits", cookies, hits)

	goClientSweep(t, st)

	assert.NotContains(t, st.logs.String(), "downgraded", "no public page touched the session")
	assert.NotContains(t, st.logs.String(), "level=ERROR")
}

// goClientSweep replays logins, toggles and page views with a plain Go
// client through Varnish, checking every response it gets.
func goClientSweep(t *testing.T, st *stack) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := st.varnish.URL
	do := func(method, path string, form url.Values) seen {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, base+path, body)
		require.NoError(t, err)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		h := map[string]string{}
		for k, v := range resp.Header {
			h[strings.ToLower(k)] = strings.Join(v, "\n")
		}
		r := seen{who: "go client", url: path, status: int64(resp.StatusCode), headers: h}
		require.Less(t, r.status, int64(500), path)
		checkNeverCachedCookie(t, r)
		return r
	}
	pages := []string{"/", "/properties/42", "/properties/43", "/pictures/42.svg", "/static/site.css", "/?city=Paris"}
	for _, p := range pages {
		do("GET", p, nil)
	}
	r := do("POST", "/login", url.Values{"username": {"zoe"}, "password": {"demo"}})
	require.Equal(t, http.StatusSeeOther, int(r.status))
	require.NotEmpty(t, r.get("Set-Cookie"))
	for _, p := range pages {
		r := do("GET", p, nil)
		assert.Equal(t, "HIT", r.get("X-Cache"), "%s: cached pages stay cached for logged-in visitors", p)
		assert.Empty(t, r.get("Set-Cookie"), p)
	}
	r = do("POST", "/selection/toggle", url.Values{"id": {"43"}})
	require.Equal(t, http.StatusSeeOther, int(r.status))
	require.NotEmpty(t, r.get("Set-Cookie"))
	for range 2 {
		r = do("GET", "/selection", nil)
		assert.Equal(t, "PASS", r.get("X-Cache"))
		assert.Contains(t, r.get("Cache-Control"), "private")
	}
	// A cross-site POST through Varnish is refused by the origin.
	req, _ := http.NewRequest("POST", base+"/selection/toggle", strings.NewReader("id=44"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Empty(t, resp.Header.Values("Set-Cookie"))
}
