// Package browsertest drives the three browser engines that matter —
// Chromium, Firefox (Gecko) and WebKit (Safari's engine) — through one small
// interface, so that a browser test is written once and runs in all three.
//
//	func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
//
//	func TestCookies(t *testing.T) {
//		browsertest.Each(t, func(t *testing.T, e browsertest.Engine) {
//			p := browsertest.NewProfile(t, e) // a fresh cookie jar, closed with the test
//			tab := browsertest.NewTab(t, p)
//			browsertest.Navigate(t, tab, srv.URL)
//			var n int
//			browsertest.Eval(t, tab, `return document.cookie.length`, &n)
//		})
//	}
//
// Each engine is started once per test binary, the first time a test asks
// for it, and stopped by Main (or Stop). Its protocol is the engine's own:
//
//   - Chromium: the Chrome DevTools Protocol through chromedp, with the
//     flags of chromiumtest. A profile is a browser context.
//   - Firefox: WebDriver BiDi, which Firefox speaks itself over a websocket
//     (no geckodriver), through the minimal client in bidi.go. A profile is
//     a user context.
//   - WebKit: W3C WebDriver over HTTP to WebKitWebDriver, driving Epiphany
//     under Xvfb and a private D-Bus, through the minimal client in
//     webdriver.go. A profile is a WebDriver session; WebKitWebDriver allows
//     one session at a time, so a second concurrent profile starts a second
//     driver (kept for reuse).
//
// No maintained Go client covers these: tebeka/selenium is unmaintained,
// go-rod speaks CDP only, and playwright-go needs Playwright's own patched
// browser builds.
//
// Every engine stays on loopback: Chromium with its background services
// off, Firefox with MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 and a user.js that
// points remote settings at a data: URL, WebKit with a proxy that forwards
// to 127.0.0.1 only. InsecureHost resolves to 127.0.0.1 in every engine and
// is not a secure context there.
//
// Under CI=true an engine that is not installed, or does not start, fails
// the test; elsewhere a missing engine skips it. BROWSERS=chromium,firefox
// limits Each to some engines, outside CI only.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// InsecureHost is a host name that every engine started here resolves to
// 127.0.0.1. Unlike 127.0.0.1 and localhost it is not a secure context, so
// pages served from it lack the Cookie Store API: use it as
// "http://" + InsecureHost + ":" + port.
const InsecureHost = "insecure.test"

// Names lists the engines in the order Each runs them.
var Names = []string{"chromium", "firefox", "webkit"}

// Engine is one running browser engine.
type Engine interface {
	// Name is "chromium", "firefox" or "webkit".
	Name() string
	// Version is the browser's product and version, as the engine reports it.
	Version() string
	// NewProfile opens a fresh profile: its own cookie jar and storage,
	// shared by its tabs and by no other profile.
	NewProfile(ctx context.Context) (Profile, error)
}

// Profile is one fresh profile of an engine.
type Profile interface {
	// NewTab opens a tab in the profile, showing about:blank.
	NewTab(ctx context.Context) (Tab, error)
	// Cookies returns the cookies the engine holds for the profile,
	// HttpOnly ones included. WebKit's WebDriver returns only those of the
	// site shown in the most recently used tab.
	Cookies(ctx context.Context) ([]Cookie, error)
	// Close closes the profile's tabs and discards its data.
	Close() error
}

// Tab is one tab of a profile. A Tab's methods may be called from one
// goroutine at a time.
type Tab interface {
	// Navigate loads url and returns once its load event fired.
	Navigate(ctx context.Context, url string) error
	// Eval runs body as the body of an async function in the page. Its
	// return value (awaited) is encoded by the page's JSON.stringify and
	// returned; undefined gives "null". A thrown exception is an error.
	Eval(ctx context.Context, body string) (json.RawMessage, error)
}

// Cookie is a cookie as an engine holds it.
type Cookie struct {
	Name, Value, Domain, Path string
	Secure, HTTPOnly          bool
	SameSite                  string    // "Strict", "Lax", "None", or "" when the engine does not say
	Expires                   time.Time // zero for a session cookie
	Partitioned               bool      // CHIPS; reported by Chromium only
}

// wrap turns a function body into an expression that evaluates to the JSON
// text of its result.
func wrap(body string) string {
	return "(async () => {\n" + body + "\n})().then(v => JSON.stringify(v === undefined ? null : v))"
}

// starters maps an engine name to the binary it needs and its start.
var starters = map[string]struct {
	binary string
	start  func() (Engine, func(), error)
}{
	"chromium": {chromiumPath, startChromium},
	"firefox":  {firefoxPath, startFirefox},
	"webkit":   {webkitDriverPath, startWebKit},
}

var (
	mu      sync.Mutex
	started = map[string]*startOnce{}
)

type startOnce struct {
	once sync.Once
	e    Engine
	stop func()
	err  error
}

// Start starts the named engine, or returns the one already started by this
// test binary.
func Start(name string) (Engine, error) {
	s, ok := starters[name]
	if !ok {
		return nil, fmt.Errorf("browsertest: unknown engine %q (want one of %v)", name, Names)
	}
	mu.Lock()
	o := started[name]
	if o == nil {
		o = &startOnce{}
		started[name] = o
	}
	mu.Unlock()
	o.once.Do(func() {
		if _, err := exec.LookPath(s.binary); err != nil {
			o.err = fmt.Errorf("%w: %s: %v (go_test.sh installs it: %s)", ErrMissing, name, err, packages[name])
			return
		}
		t0 := time.Now()
		o.e, o.stop, o.err = s.start()
		if o.err == nil && os.Getenv("BROWSERTEST_VERBOSE") != "" {
			fmt.Fprintf(os.Stderr, "browsertest: %s (%s) started in %v\n", name, o.e.Version(), time.Since(t0).Round(time.Millisecond))
		}
	})
	return o.e, o.err
}

// ErrMissing is wrapped by Start's error when the engine is not installed.
var ErrMissing = errors.New("browsertest: engine not installed")

// packages says which Debian packages provide each engine.
var packages = map[string]string{
	"chromium": "apt-get install chromium",
	"firefox":  "apt-get install firefox-esr",
	"webkit":   "apt-get install webkit2gtk-driver epiphany-browser xvfb dbus",
}

// Stop stops every engine this binary started. Main calls it.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	for name, o := range started {
		if o.stop != nil {
			o.stop()
		}
		delete(started, name)
	}
}

// Main runs the tests and then stops the engines they started. Use it as
// os.Exit(browsertest.Main(m)) in TestMain.
func Main(m *testing.M) int {
	defer Stop()
	return m.Run()
}

// Get returns the named engine, started once per test binary. A missing
// engine fails the test under CI=true and skips it elsewhere; an engine
// that does not start fails it.
func Get(t testing.TB, name string) Engine {
	t.Helper()
	e, err := Start(name)
	if err != nil {
		if os.Getenv("CI") != "true" && errors.Is(err, ErrMissing) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return e
}

// Each runs f as a subtest per engine, named after it.
func Each(t *testing.T, f func(t *testing.T, e Engine)) {
	t.Helper()
	for _, name := range selected() {
		t.Run(name, func(t *testing.T) { f(t, Get(t, name)) })
	}
}

// selected returns Names, limited by BROWSERS outside CI.
func selected() []string {
	want := os.Getenv("BROWSERS")
	if want == "" || os.Getenv("CI") == "true" {
		return Names
	}
	var out []string
	for _, n := range Names {
		for _, w := range strings.Split(want, ",") {
			if strings.TrimSpace(w) == n {
				out = append(out, n)
			}
		}
	}
	return out
}

// NewProfile opens a fresh profile of e, closed when the test ends.
func NewProfile(t testing.TB, e Engine) Profile {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := e.NewProfile(ctx)
	if err != nil {
		t.Fatalf("%s: new profile: %v", e.Name(), err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// NewTab opens a tab in p.
func NewTab(t testing.TB, p Profile) Tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tab, err := p.NewTab(ctx)
	if err != nil {
		t.Fatalf("new tab: %v", err)
	}
	return tab
}

// Navigate loads url in tab, failing the test on error.
func Navigate(t testing.TB, tab Tab, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tab.Navigate(ctx, url); err != nil {
		t.Fatalf("navigating to %s: %v", url, err)
	}
}

// Eval runs body in tab (see Tab.Eval) and decodes its result into out,
// unless out is nil, failing the test on error.
func Eval(t testing.TB, tab Tab, body string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	raw, err := tab.Eval(ctx, body)
	if err != nil {
		t.Fatalf("evaluating %s: %v", body, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("evaluating %s: result %s: %v", body, raw, err)
		}
	}
}

// WaitTimeout is how long WaitFor waits. It bounds a hang, not a speed: on
// a loaded 2-core CI machine a WebKit page's timers (the jsclient 1 s poll
// fallback, century.js's renew check) and each WebDriver round trip run
// several times slower, and 10 s ran out there while the condition was
// still on its way to becoming true.
const WaitTimeout = 30 * time.Second

// WaitFor evaluates the JavaScript expression expr in tab every 20 ms until
// it is truthy, and fails the test after WaitTimeout. It polls on a timer
// from the test: a background tab runs no animation frames.
func WaitFor(t testing.TB, tab Tab, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		var ok bool
		Eval(t, tab, "return !!("+expr+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var where string
			Eval(t, tab, `return location.href + ' "' + document.title + '": ' + (document.body ? document.body.innerText : '').slice(0, 200)`, &where)
			t.Fatalf("waiting for %s: %s stayed false for %s on %s", what, expr, WaitTimeout, where)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Cookies returns the cookies p holds, failing the test on error.
func Cookies(t testing.TB, p Profile) []Cookie {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cs, err := p.Cookies(ctx)
	if err != nil {
		t.Fatalf("reading cookies: %v", err)
	}
	return cs
}
