// browsertest_test.go checks each engine through the kit: profiles are
// fresh and isolated, tabs of a profile share cookies, Cookies sees
// HttpOnly cookies, InsecureHost is reachable and not a secure context, and
// a page exception is an error.
package browsertest_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/internal/testkit/browsertest"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

func server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "h=only%20server; Path=/; HttpOnly; Max-Age=600")
		w.Header().Add("Set-Cookie", "v=a b,c; Path=/")
		fmt.Fprint(w, "<!doctype html><title>set</title>")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html><title>page</title><p>%s", r.Host)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestEngines(t *testing.T) {
	srv := server(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	browsertest.Each(t, func(t *testing.T, e browsertest.Engine) {
		t.Logf("%s: %s", e.Name(), e.Version())
		if e.Version() == "" {
			t.Error("no version")
		}
		p := browsertest.NewProfile(t, e)
		tab := browsertest.NewTab(t, p)
		browsertest.Navigate(t, tab, srv.URL+"/set")

		var seen struct {
			Cookie string
			Sum    int
			Secure bool
		}
		browsertest.Eval(t, tab, `await new Promise(r => setTimeout(r, 1))
			return {cookie: document.cookie, sum: 20 + 22, secure: isSecureContext}`, &seen)
		if seen.Cookie != "v=a b,c" || seen.Sum != 42 || !seen.Secure {
			t.Errorf("page saw %+v", seen)
		}

		cs := browsertest.Cookies(t, p)
		byName := map[string]browsertest.Cookie{}
		for _, c := range cs {
			byName[c.Name] = c
		}
		if h := byName["h"]; h.Value != "only%20server" || !h.HTTPOnly || h.Expires.IsZero() || h.Path != "/" {
			t.Errorf("HttpOnly cookie as held: %+v", h)
		}
		if v := byName["v"]; v.Value != "a b,c" || v.HTTPOnly || !v.Expires.IsZero() {
			t.Errorf("session cookie as held: %+v", v)
		}

		// A second tab of the profile shares its cookies.
		two := browsertest.NewTab(t, p)
		browsertest.Navigate(t, two, srv.URL+"/")
		var cookie string
		browsertest.Eval(t, two, `return document.cookie`, &cookie)
		if cookie != "v=a b,c" {
			t.Errorf("second tab: document.cookie = %q", cookie)
		}
		browsertest.Eval(t, tab, `document.cookie = 'w=1; Path=/'`, nil)
		browsertest.WaitFor(t, two, `document.cookie.includes('w=1')`, "the first tab's cookie")

		// Another profile starts empty.
		other := browsertest.NewTab(t, browsertest.NewProfile(t, e))
		browsertest.Navigate(t, other, srv.URL+"/")
		browsertest.Eval(t, other, `return document.cookie`, &cookie)
		if cookie != "" {
			t.Errorf("a fresh profile sees %q", cookie)
		}

		// InsecureHost reaches the server and is not a secure context.
		browsertest.Navigate(t, other, "http://"+browsertest.InsecureHost+":"+port+"/")
		var page struct {
			Text   string
			Secure bool
			Store  bool
		}
		browsertest.Eval(t, other, `return {text: document.body.textContent, secure: isSecureContext, store: 'cookieStore' in window}`, &page)
		if page.Text != browsertest.InsecureHost+":"+port || page.Secure || page.Store {
			t.Errorf("%s: %+v", browsertest.InsecureHost, page)
		}

		// httptest's TLS certificate is accepted, and Secure cookies work there.
		tls := httptest.NewTLSServer(srv.Config.Handler)
		defer tls.Close()
		browsertest.Navigate(t, other, tls.URL+"/")
		browsertest.Eval(t, other, `document.cookie = 's=1; Secure; Path=/'; return document.body.textContent + ' ' + document.cookie`, &cookie)
		if cookie != tls.Listener.Addr().String()+" s=1" {
			t.Errorf("%s: %q", tls.URL, cookie)
		}

		// Exceptions are errors that say what was thrown.
		_, err := tab.Eval(context.Background(), `throw new RangeError('boom')`)
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("a throw gave %v", err)
		}
		var undef any = 1
		browsertest.Eval(t, tab, `return undefined`, &undef)
		if undef != nil {
			t.Errorf("undefined gave %v", undef)
		}
	})
}
