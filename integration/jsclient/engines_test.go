// engines_test.go probes the cookie behaviours in which Chromium, Firefox
// and WebKit may differ, logs what each engine does (the table in
// jsclient/README.md comes from this log), and fails only where the
// module relies on a behaviour.
package jsclient_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/internal/testkit/browsertest"
)

// probeSite serves an empty page at any path, /set?c=<Set-Cookie> which
// sends that header verbatim, and /echo which returns the Cookie header.
func probeSite(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		for _, c := range r.URL.Query()["c"] {
			w.Header().Add("Set-Cookie", c)
		}
		w.WriteHeader(204)
	})
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Header.Get("Cookie")))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!doctype html><title>probe</title>")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestEngineDifferences(t *testing.T) {
	srv := probeSite(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	browsertest.Each(t, func(t *testing.T, e browsertest.Engine) {
		p := browsertest.NewProfile(t, e)
		tb := browsertest.NewTab(t, p)
		report := func(what string, v any) { t.Logf("%-8s %-44s %v", e.Name(), what, v) }

		// Order: creation order, an update, and a longer path.
		browsertest.Navigate(t, tb, srv.URL+"/p/q")
		var order string
		browsertest.Eval(t, tb, `for (const c of ['a=1; Path=/', 'b=1; Path=/', 'c=1; Path=/', 'a=2; Path=/', 'b=deep; Path=/p'])
			document.cookie = c
			return document.cookie`, &order)
		report("order (a,b,c; a updated; b on /p)", order)
		if !strings.HasPrefix(order, "b=deep; ") {
			t.Errorf("the cookie with the longer path is not first: %q (the module reads the first of a name)", order)
		}
		browsertest.Eval(t, tb, `for (const n of ['a', 'b', 'c']) document.cookie = n + '=; Path=/; Max-Age=0'
			document.cookie = 'b=; Path=/p; Max-Age=0'`, nil)

		// Max-Age: 0 and negative delete; far futures are capped.
		browsertest.Navigate(t, tb, srv.URL+"/")
		var gone string
		browsertest.Eval(t, tb, `document.cookie = 'z=1; Path=/'; document.cookie = 'z=; Path=/; Max-Age=0'
			document.cookie = 'n=1; Path=/'; document.cookie = 'n=1; Path=/; Max-Age=-1'
			document.cookie = 'far=1; Path=/; Max-Age=' + 10 * 365 * 86400
			document.cookie = 'frac=1; Path=/; Max-Age=1.5'
			return document.cookie`, &gone)
		if strings.Contains(gone, "z=") || strings.Contains(gone, "n=") {
			t.Errorf("Max-Age=0 or -1 did not delete: %q (remove relies on it)", gone)
		}
		for _, c := range browsertest.Cookies(t, p) {
			switch c.Name {
			case "far":
				report("Max-Age of 10 years kept for (days)", int(time.Until(c.Expires).Hours()/24+0.5))
			case "frac":
				if c.Expires.IsZero() {
					report("Max-Age=1.5", "ignored: a session cookie")
				} else {
					report("Max-Age=1.5 expires in", time.Until(c.Expires).Round(time.Second))
				}
			}
		}
		browsertest.Eval(t, tb, `for (const n of ['far', 'frac']) document.cookie = n + '=; Path=/; Max-Age=0'`, nil)

		// Size: name + value of 4096 bytes (the module's cap) and 4097,
		// written by the page and by a response.
		var sizes map[string]bool
		browsertest.Eval(t, tb, `const out = {}
			for (const n of [4096, 4097]) {
				const v = 'x'.repeat(n - 2)
				document.cookie = 'd' + n % 10 + '=' + v + '; Path=/'
				out['document.cookie ' + n] = document.cookie.includes('d' + n % 10 + '=' + v)
				document.cookie = 'd' + n % 10 + '=; Path=/; Max-Age=0'
				await fetch('/set?c=' + encodeURIComponent('h' + n % 10 + '=' + v + '; Path=/'))
				out['Set-Cookie ' + n] = document.cookie.includes('h' + n % 10 + '=' + v)
				document.cookie = 'h' + n % 10 + '=; Path=/; Max-Age=0'
			}
			return out`, &sizes)
		report("name+value of 4096 / 4097 bytes kept", sizes)
		if !sizes["document.cookie 4096"] || !sizes["Set-Cookie 4096"] {
			t.Errorf("a 4096-byte cookie was dropped: %v (the module allows 4096)", sizes)
		}

		// Defaults, Secure and SameSite=None on http://127.0.0.1 and
		// http://localhost (both potentially trustworthy).
		for _, host := range []string{"127.0.0.1", "localhost"} {
			browsertest.Navigate(t, tb, "http://"+host+":"+port+"/")
			var kept map[string]bool
			browsertest.Eval(t, tb, `const out = {}
				document.cookie = 'plain=1; Path=/'
				document.cookie = 'sec=1; Path=/; Secure'
				document.cookie = 'none=1; Path=/; SameSite=None'
				document.cookie = 'nonesec=1; Path=/; SameSite=None; Secure'
				await fetch('/set?c=' + encodeURIComponent('hsec=1; Path=/; Secure'))
				for (const n of ['plain', 'sec', 'none', 'nonesec', 'hsec']) out[n] = document.cookie.split('; ').includes(n + '=1')
				const sent = await fetch('/echo').then(r => r.text())
				out['sec sent'] = sent.split('; ').includes('sec=1')
				return out`, &kept)
			report("http://"+host+": kept (Secure, SameSite=None)", kept)
			for _, c := range browsertest.Cookies(t, p) {
				if c.Name == "plain" {
					report("http://"+host+": SameSite of a cookie without one", c.SameSite)
				}
			}
			browsertest.Eval(t, tb, `for (const n of ['plain', 'sec', 'none', 'nonesec', 'hsec']) {
				document.cookie = n + '=; Path=/; Max-Age=0'; document.cookie = n + '=; Path=/; Max-Age=0; Secure' }`, nil)
		}

		// Cookie Store change events: for a document.cookie write in the
		// same page, for a response's Set-Cookie, and for a deletion.
		browsertest.Navigate(t, tb, srv.URL+"/")
		var events map[string]any
		browsertest.Eval(t, tb, `if (!window.cookieStore) return {cookieStore: false}
			const seen = []
			cookieStore.addEventListener('change', (e) => {
				for (const c of e.changed) seen.push('changed ' + c.name + '=' + c.value)
				for (const c of e.deleted) seen.push('deleted ' + c.name)
			})
			const settle = () => new Promise((r) => setTimeout(r, 300))
			document.cookie = 'ev=0; Path=/'; await settle() // at once after addEventListener
			document.cookie = 'ev=1; Path=/'; await settle()
			await fetch('/set?c=' + encodeURIComponent('ev=2; Path=/')); await settle()
			document.cookie = 'ev=2; Path=/'; await settle() // the same value again
			await fetch('/set?c=' + encodeURIComponent('ev=3; Path=/')); await settle()
			document.cookie = 'ev=; Path=/; Max-Age=0'; await settle()
			return {cookieStore: true, events: seen}`, &events)
		report("cookieStore events (set 0 at once, set 1, response 2, set 2 again, response 3, delete)", events)

		// Cookie Store in an insecure context.
		browsertest.Navigate(t, tb, "http://"+browsertest.InsecureHost+":"+port+"/")
		var insecure string
		browsertest.Eval(t, tb, `return typeof cookieStore`, &insecure)
		report("typeof cookieStore on "+browsertest.InsecureHost, insecure)
		if insecure != "undefined" {
			t.Errorf("cookieStore exists in an insecure context: the module's fallback would not be tested")
		}
		report("version", strconv.Quote(e.Version()))
	})
}
