package jsclient_test

// Real-browser tests in Chromium, Firefox and WebKit (internal/testkit/browsertest)
// against an httptest server that uses the real clientsession middleware.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/internal/testkit/browsertest"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/jsclient"
)

// values holds what must survive Go -> JS and JS -> Go: the characters that
// broke the 2009 middleware, accents, emoji, nesting and a 3 KB string.
var values = map[string]any{
	"space":     "Ann Lee",
	"ascii":     printableASCII(),
	"comma":     "Lee, Ann, Jr",
	"quote":     `say "hi"`,
	"semicolon": "a;b; c",
	"backslash": `C:\dir\ \"x\"`,
	"percent":   "100% %41 %zz",
	"plus":      "1+1 = 2 + ",
	"accents":   "Renée Müller à Orléans, ça va",
	"emoji":     "🏠 maison 👍🏽 🇫🇷",
	"nested": map[string]any{
		"a": map[string]any{"b": []any{1.0, "x y", map[string]any{"c": nil}}},
		"d": true, "e": -1.5, "f": "é;\"\\,%+",
	},
	// 3072 characters, about 3.8 KB once encoded: under the 4096-byte cap.
	"big": strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789 ,é", 79)[:3072],
}

// printableASCII returns the characters from space to tilde.
func printableASCII() string {
	b := make([]byte, 0, 95)
	for c := byte(' '); c <= '~'; c++ {
		b = append(b, c)
	}
	return string(b)
}

// keysOf returns the keys of values.
func keysOf() []string {
	ks := make([]string, 0, len(values))
	for k := range values {
		ks = append(ks, k)
	}
	return ks
}

// newSite starts the test server: the module, a page that imports it, and
// endpoints through which the test reads and writes the session from Go.
func newSite(t *testing.T) (*httptest.Server, *clientsession.Manager) {
	t.Helper()
	return newSiteWith(t, clientsession.Options{
		Insecure:     true, // plain http://, and insecure.test is no secure context
		MaxTotalSize: 30000,
		Protection:   map[string]clientsession.Protection{"sig": clientsession.Signed},
		OnInvalid:    func(*http.Request, string, error) {},
	})
}

// newSiteWith is newSite with the Manager built from o.
func newSiteWith(t *testing.T, o clientsession.Options) (*httptest.Server, *clientsession.Manager) {
	t.Helper()
	m := newManager(t, o)
	js := jsclient.New(m, jsclient.Options{})
	script := js.URL()
	mux := http.NewServeMux()
	mux.Handle(js.Path(), js)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>t</title><script type="module">
import session from %q
window.session = session
window.ready = true
</script>`, script)
	})
	// POST /go/set stores each member of a JSON object.
	mux.HandleFunc("POST /go/set", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		s := clientsession.From(r)
		for k, v := range in {
			if err := s.Set(k, v); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		w.WriteHeader(204)
	})
	// GET /go/get?key=a&key=b returns {"a": value, ...} for the keys found.
	mux.HandleFunc("GET /go/get", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]any{}
		for _, k := range r.URL.Query()["key"] {
			var v any
			found, err := clientsession.From(r).Get(k, &v)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			if found {
				out[k] = v
			}
		}
		json.NewEncoder(w).Encode(out)
	})
	// A Secure cookie needs HTTPS in WebKit, which drops it on
	// http://127.0.0.1; every engine accepts httptest's certificate.
	srv := httptest.NewUnstartedServer(m.Middleware(mux))
	if o.Insecure {
		srv.Start()
	} else {
		srv.StartTLS()
	}
	t.Cleanup(srv.Close)
	return srv, m
}

// openTab opens url in a new tab of p and waits for the module to load.
func openTab(t *testing.T, p browsertest.Profile, url string) browsertest.Tab {
	t.Helper()
	tb := browsertest.NewTab(t, p)
	browsertest.Navigate(t, tb, url)
	browsertest.WaitFor(t, tb, "window.ready === true", "the module to load from "+url)
	return tb
}

// freshTab opens url in a new tab of a fresh profile (its own cookie jar).
func freshTab(t *testing.T, e browsertest.Engine, url string) browsertest.Tab {
	t.Helper()
	return openTab(t, browsertest.NewProfile(t, e), url)
}

// eval runs body (the body of an async function) in tb and decodes its
// result into out, unless out is nil.
func eval(t *testing.T, tb browsertest.Tab, body string, out any) {
	t.Helper()
	browsertest.Eval(t, tb, body, out)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameJSON reports whether a and b are equal as JSON values.
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	var x, y any
	json.Unmarshal([]byte(mustJSON(t, a)), &x)
	json.Unmarshal([]byte(mustJSON(t, b)), &y)
	return reflect.DeepEqual(x, y)
}

// rawCookies is a function body giving the session cookies as document.cookie shows them.
const rawCookies = `return Object.fromEntries(document.cookie.split('; ').filter(p => p.startsWith('session.'))
  .map(p => [p.slice(8, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))`

// TestBrowser runs the suite in each engine (browsertest.Each): Chromium,
// Firefox and WebKit.
func TestBrowser(t *testing.T) {
	srv, m := newSite(t)
	secure := srv.URL + "/"
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	insecure := "http://" + browsertest.InsecureHost + ":" + port + "/"

	browsertest.Each(t, func(t *testing.T, e browsertest.Engine) {
		t.Run("GoToJS", func(t *testing.T) {
			tb := freshTab(t, e, secure)
			var status int
			eval(t, tb, `return fetch('/go/set', {method: 'POST', body: JSON.stringify(`+mustJSON(t, values)+`)}).then(r => r.status)`, &status)
			if status != 204 {
				t.Fatalf("POST /go/set: %d", status)
			}
			var got map[string]any
			eval(t, tb, `return Object.fromEntries(session.keys().map(k => [k, session.get(k)]))`, &got)
			for k, want := range values {
				if !sameJSON(t, got[k], want) {
					t.Errorf("JS read %s = %#v, want %#v", k, got[k], want)
				}
			}
			if len(got) != len(values) {
				t.Errorf("session.keys() gave %d keys, want %d", len(got), len(values))
			}

			// Writing the same values back from JS gives the same bytes: the two
			// encoders agree (Go sorts object keys, and JSON.parse keeps that order).
			var goRaw, jsRaw map[string]string
			eval(t, tb, rawCookies, &goRaw)
			eval(t, tb, `for (const k of session.keys()) session.set(k, session.get(k))`, nil)
			eval(t, tb, rawCookies, &jsRaw)
			for k := range values {
				if goRaw[k] == "" || goRaw[k] != jsRaw[k] {
					t.Errorf("%s: Go wrote %q, JS wrote %q", k, goRaw[k], jsRaw[k])
				}
			}
		})

		t.Run("JSToGo", func(t *testing.T) {
			tb := freshTab(t, e, secure)
			eval(t, tb, `const v = `+mustJSON(t, values)+`; for (const k in v) session.set(k, v[k])`, nil)
			q := "?key=" + strings.Join(keysOf(), "&key=")
			var got map[string]any
			eval(t, tb, `return fetch('/go/get`+q+`').then(r => r.json())`, &got)
			for k, want := range values {
				if !sameJSON(t, got[k], want) {
					t.Errorf("Go read %s = %#v, want %#v", k, got[k], want)
				}
			}

			// A value the server would refuse is refused in the page too.
			var refused string
			eval(t, tb, `try { session.set('huge', 'x'.repeat(5000)); return 'no error' } catch (e) { return e.name }`, &refused)
			if refused != "RangeError" {
				t.Errorf("set of a 5 KB value: %s, want RangeError", refused)
			}
			eval(t, tb, `return fetch('/go/get?key=huge').then(r => r.json())`, &got)
			if _, ok := got["huge"]; ok {
				t.Errorf("the refused value reached the server")
			}
			// Values that are not JSON, and bad keys or options, are TypeErrors.
			var names []string
			eval(t, tb, `return [() => session.set('fn', () => 1), () => session.set('u', undefined),
				() => session.set('bad key', 1), () => session.set('n', 1, {maxAge: 'soon'}),
				() => session.onChange('not a function')].map(f => { try { f(); return 'no error' } catch (e) { return e.name } })`, &names)
			if !reflect.DeepEqual(names, []string{"TypeError", "TypeError", "TypeError", "TypeError", "TypeError"}) {
				t.Errorf("bad calls threw %v, want TypeErrors", names)
			}
		})

		t.Run("PrivateInvisible", func(t *testing.T) {
			tb := freshTab(t, e, secure)
			var status int
			eval(t, tb, `return fetch('/go/set', {method: 'POST', body: '{"_secret": "hidden value", "shown": 1}'}).then(r => r.status)`, &status)
			var seen struct {
				Cookie string
				Get    any
				Keys   []string
				Set    string
			}
			eval(t, tb, `return {cookie: document.cookie, get: session.get('_secret') === undefined ? 'undefined' : 'defined',
				keys: session.keys(), set: (() => { try { session.set('_secret', 1); return 'no error' } catch (e) { return e.name } })()}`, &seen)
			if strings.Contains(seen.Cookie, "_secret") || !strings.Contains(seen.Cookie, "session.shown=1") {
				t.Errorf("document.cookie = %q", seen.Cookie)
			}
			if seen.Get != "undefined" || seen.Set != "TypeError" || !reflect.DeepEqual(seen.Keys, []string{"shown"}) {
				t.Errorf("get %v, set %s, keys %v", seen.Get, seen.Set, seen.Keys)
			}
			var got map[string]any
			eval(t, tb, `return fetch('/go/get?key=_secret').then(r => r.json())`, &got)
			if got["_secret"] != "hidden value" {
				t.Errorf("the server lost the Private value: %v", got)
			}
		})

		t.Run("SignedOverwritten", func(t *testing.T) {
			tb := freshTab(t, e, secure)
			var status int
			eval(t, tb, `return fetch('/go/set', {method: 'POST', body: '{"sig": {"role": "admin"}}'}).then(r => r.status)`, &status)
			var role, setErr string
			eval(t, tb, `return session.get('sig').role`, &role)
			eval(t, tb, `try { session.set('sig', {role: 'root'}); return 'no error' } catch (e) { return e.name }`, &setErr)
			if role != "admin" || setErr != "TypeError" {
				t.Fatalf("JS read role %q; set gave %s", role, setErr)
			}
			var got map[string]any
			eval(t, tb, `return fetch('/go/get?key=sig').then(r => r.json())`, &got)
			if !sameJSON(t, got["sig"], map[string]any{"role": "admin"}) {
				t.Fatalf("server read %v before the overwrite", got)
			}

			// A script keeps the expiry and MAC but swaps the payload; then one
			// writes a plain Public value. The server reads both as absent.
			for _, forge := range []string{
				`const v = document.cookie.match(/session\.sig=([^;]*)/)[1];
				 document.cookie = 'session.sig=' + v.split('.').slice(0, 3).join('.') + '.{%22role%22:%22root%22}; Path=/'`,
				`document.cookie = 'session.sig=' + encodeURIComponent('{"role":"root"}') + '; Path=/'`,
			} {
				eval(t, tb, forge, nil)
				got = nil
				eval(t, tb, `return fetch('/go/get?key=sig').then(r => r.json())`, &got)
				if _, ok := got["sig"]; ok {
					t.Errorf("after %s\nthe server read sig = %v", forge, got["sig"])
				}
			}
		})

		// onChange across two tabs of one profile: with the Cookie Store API
		// where the engine has it, with the fallback (BroadcastChannel and
		// polling) forced on by hiding the API in a secure context, and in an
		// insecure context, where the API does not exist.
		for _, mode := range []struct {
			name, url   string
			secure      bool
			cookieStore bool // the page hides cookieStore when false
		}{
			{"OnChangeCookieStore", secure, true, true},
			{"OnChangeFallbackForced", secure, true, false},
			{"OnChangeInsecureContext", insecure, false, false},
		} {
			t.Run(mode.name, func(t *testing.T) {
				p := browsertest.NewProfile(t, e)
				one := openTab(t, p, mode.url)
				two := openTab(t, p, mode.url) // same profile, second tab
				var env struct{ Secure, Store bool }
				eval(t, one, `return {secure: isSecureContext, store: 'cookieStore' in window}`, &env)
				if env.Secure != mode.secure || env.Store != mode.secure {
					t.Fatalf("%s: isSecureContext %v, cookieStore %v", mode.url, env.Secure, env.Store)
				}
				if !mode.cookieStore {
					for _, tb := range []browsertest.Tab{one, two} {
						eval(t, tb, `Object.defineProperty(window, 'cookieStore', {value: undefined})`, nil)
					}
				}
				eval(t, one, `window.events = []; window.off = session.onChange(c => events.push(c))`, nil)

				eval(t, two, `session.set('color', {name: 'blue sky'})`, nil)
				browsertest.WaitFor(t, one, `events.some(e => e.key === 'color' && e.value.name === 'blue sky')`, "the other tab's set")

				eval(t, one, `session.set('size', 'L')`, nil)
				browsertest.WaitFor(t, one, `events.some(e => e.key === 'size' && e.value === 'L')`, "this tab's set")

				eval(t, two, `return fetch('/go/set', {method: 'POST', body: '{"cart": [1, 2]}'}).then(r => r.status)`, nil)
				browsertest.WaitFor(t, one, `events.some(e => e.key === 'cart' && e.value.length === 2)`, "a response's Set-Cookie")

				eval(t, two, `session.remove('color')`, nil)
				browsertest.WaitFor(t, one, `events.some(e => e.key === 'color' && e.value === undefined)`, "the other tab's remove")

				var before, after int
				eval(t, one, `off(); return events.length`, &before)
				eval(t, two, `session.set('size', 'XL')`, nil)
				time.Sleep(1500 * time.Millisecond) // longer than the fallback poll
				eval(t, one, `return events.length`, &after)
				if after != before {
					t.Errorf("%d events after unsubscribing", after-before)
				}
			})
		}

		// A flash message set by a response shows once: pop reads and removes
		// it, and it is gone after a reload and in a second tab (issue 14).
		t.Run("PopFlash", func(t *testing.T) {
			p := browsertest.NewProfile(t, e)
			one := openTab(t, p, secure)
			var status int
			eval(t, one, `return fetch('/go/set', {method: 'POST', body: '{"flash": "Welcome back, Ann"}'}).then(r => r.status)`, &status)
			var first, again string
			eval(t, one, `return session.pop('flash') ?? 'absent'`, &first)
			eval(t, one, `return session.pop('flash') ?? 'absent'`, &again)
			if first != "Welcome back, Ann" || again != "absent" {
				t.Fatalf("pop gave %q, then %q", first, again)
			}
			browsertest.Navigate(t, one, secure) // a reload
			browsertest.WaitFor(t, one, "window.ready === true", "the reload")
			two := openTab(t, p, secure)
			var reloaded, other string
			eval(t, one, `return session.get('flash') ?? 'absent'`, &reloaded)
			eval(t, two, `return session.pop('flash') ?? 'absent'`, &other)
			var got map[string]any
			eval(t, two, `return fetch('/go/get?key=flash').then(r => r.json())`, &got)
			if reloaded != "absent" || other != "absent" || len(got) != 0 {
				t.Errorf("after pop: reload %q, second tab %q, server %v", reloaded, other, got)
			}
		})

		// {session: true} makes a browser-session cookie; the default has an expiry.
		t.Run("SessionCookie", func(t *testing.T) {
			p := browsertest.NewProfile(t, e)
			tb := openTab(t, p, secure)
			eval(t, tb, `session.set('tab', 1, {session: true}); session.set('kept', 2)`, nil)
			cookies := browsertest.Cookies(t, p)
			byName := map[string]browsertest.Cookie{}
			for _, c := range cookies {
				byName[c.Name] = c
			}
			tab, okTab := byName["session.tab"]
			kept, okKept := byName["session.kept"]
			if !okTab || !okKept {
				t.Fatalf("cookies %v", cookies)
			}
			if !tab.Expires.IsZero() || kept.Expires.Before(time.Now().Add(13*24*time.Hour)) {
				t.Errorf("session.tab expires %v (want a session cookie); session.kept expires %v", tab.Expires, kept.Expires)
			}
		})

		t.Run("ModuleHeaders", func(t *testing.T) {
			tb := freshTab(t, e, secure)
			js := jsclient.New(m, jsclient.Options{}) // the same settings give the same module as newSite's
			script := js.URL()

			// The first view fetched the module in one request, gzipped: one
			// file with nothing to import, and the bytes on the wire within the
			// 2 KB the README claims.
			var first []struct {
				Path             string
				Encoded, Decoded int
			}
			eval(t, tb, `return performance.getEntriesByType('resource').filter(e => e.initiatorType !== 'fetch')
				.map(e => ({path: new URL(e.name).pathname, encoded: e.encodedBodySize, decoded: e.decodedBodySize}))`, &first)
			var module []string
			for _, e := range first {
				if strings.HasPrefix(e.Path, js.Path()) {
					module = append(module, e.Path)
					if e.Encoded <= 0 || e.Encoded >= e.Decoded || e.Encoded > 2048 {
						t.Errorf("%s: %d B on the wire for %d B of module; want gzip, at most 2048 B", e.Path, e.Encoded, e.Decoded)
					}
					t.Logf("first view: %s, %d B gzip, %d B decoded", e.Path, e.Encoded, e.Decoded)
				}
			}
			if len(module) != 1 || module[0] != script {
				t.Errorf("first view fetched %v under %s, want only %s", module, js.Path(), script)
			}

			var h struct {
				Status        int
				Type, Cache   string
				ETag, Nosniff string
				Encoding      string
				Vary          string
				Again         int
			}
			eval(t, tb, `const r = await fetch(`+fmt.Sprintf("%q", script)+`, {cache: 'no-store'})
				const again = await fetch(`+fmt.Sprintf("%q", script)+`, {cache: 'no-store', headers: {'If-None-Match': r.headers.get('etag')}})
				return {status: r.status, type: r.headers.get('content-type'), cache: r.headers.get('cache-control'),
					etag: r.headers.get('etag'), nosniff: r.headers.get('x-content-type-options'),
					encoding: r.headers.get('content-encoding'), vary: r.headers.get('vary'), again: again.status}`, &h)
			if h.Status != 200 || h.Type != "text/javascript; charset=utf-8" || h.Cache != "public, max-age=31536000, immutable" ||
				h.ETag == "" || h.Nosniff != "nosniff" || h.Encoding != "gzip" || h.Vary != "Accept-Encoding" || h.Again != 304 {
				t.Errorf("module response: %+v", h)
			}

			// The module in the page is the one from URL, with m's settings.
			var config map[string]any
			eval(t, tb, `return session.config`, &config)
			if !sameJSON(t, config, m.ClientConfig()) {
				t.Errorf("session.config = %v, want %v", config, m.ClientConfig())
			}
		})
	})
}

// TestBrowserAttributesMatchGo checks that a cookie written by the module
// carries the name and attributes of the one the Manager writes for the
// same settings, as the browser stores them: with the default Options
// (Secure, SameSite=Lax, 14 days, the default prefix) and with stricter
// ones. Secure settings are served over HTTPS (newSiteWith).
func TestBrowserAttributesMatchGo(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, e browsertest.Engine) {
		for _, o := range []clientsession.Options{
			{},
			{Prefix: "__Host-s.", SameSite: http.SameSiteStrictMode, MaxAge: 3600e9},
			{Prefix: "__Secure-app.", Path: "/", SameSite: http.SameSiteNoneMode},
			{Insecure: true, Prefix: "dev."},
			{Prefix: "part.", Partitioned: true, SameSite: http.SameSiteNoneMode},
		} {
			srv, m := newSiteWith(t, o)
			cfg := m.ClientConfig()
			t.Run(cfg.Prefix, func(t *testing.T) {
				p := browsertest.NewProfile(t, e)
				tb := openTab(t, p, srv.URL+"/")
				var status int
				eval(t, tb, `return fetch('/go/set', {method: 'POST', body: '{"fromgo": 1}'}).then(r => r.status)`, &status)
				eval(t, tb, `session.set('fromjs', 1)`, nil)
				byName := map[string]browsertest.Cookie{}
				for _, c := range browsertest.Cookies(t, p) {
					byName[c.Name] = c
				}
				g, okG := byName[cfg.Prefix+"fromgo"]
				j, okJ := byName[cfg.Prefix+"fromjs"]
				if status != 204 || !okG || !okJ {
					t.Fatalf("POST /go/set %d; cookies stored: %v", status, slices.Collect(maps.Keys(byName)))
				}
				type attrs struct {
					Path, Domain     string
					Secure, HTTPOnly bool
					SameSite         string
					Session          bool
					Partitioned      bool
				}
				of := func(c browsertest.Cookie) attrs {
					return attrs{c.Path, c.Domain, c.Secure, c.HTTPOnly, c.SameSite, c.Expires.IsZero(), c.Partitioned}
				}
				if of(g) != of(j) {
					t.Errorf("Go stored %+v\nJS stored %+v", of(g), of(j))
				}
				if d := g.Expires.Sub(j.Expires); d < -5*time.Second || d > 5*time.Second {
					t.Errorf("expiries differ by %v: Go %v, JS %v", d, g.Expires, j.Expires)
				}
				if g.Secure != cfg.Secure {
					t.Errorf("Secure %v, want %v", g.Secure, cfg.Secure)
				}
				// Only Chromium reports a partition key (browsertest.Cookie).
				if e.Name() == "chromium" && g.Partitioned != cfg.Partitioned {
					t.Errorf("Partitioned %v, want %v", g.Partitioned, cfg.Partitioned)
				}
			})
		}
	})
}
