// purgesec_test.go: the shipped VCL's purge protections (issue 18 item 1)
// and its cookie filtering (item 5), against a real varnishd.
package cachehint_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/cachehint/varnish"
	"github.com/fullsession/fullsession/internal/testkit/varnishtest"
)

// tagOrigin serves /t/<name>?tags=a+b as a page cacheable for an hour and
// tagged with the tags, whose body counts its fetches; /echo answers the
// Cookie lines and X-Forwarded-For it received, uncacheable.
type tagOrigin struct {
	mu    sync.Mutex
	count map[string]int
}

func (o *tagOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/echo" {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Got-Forwarded-For", r.Header.Get("X-Forwarded-For"))
		io.WriteString(w, strings.Join(r.Header.Values("Cookie"), "\n"))
		return
	}
	o.mu.Lock()
	o.count[r.URL.Path]++
	n := o.count[r.URL.Path]
	o.mu.Unlock()
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("xkey", r.URL.Query().Get("tags"))
	io.WriteString(w, r.URL.Path+" version "+itoa(n))
}

// startTagStack starts a tagOrigin behind varnishd with the shipped VCL,
// the given environment and a PROXY listener named "proxy".
func startTagStack(t *testing.T, env ...string) *varnishtest.Varnish {
	t.Helper()
	srv := httptest.NewServer(&tagOrigin{count: map[string]int{}})
	t.Cleanup(srv.Close)
	return varnishtest.Start(t, varnishtest.Options{
		VCL: varnish.DefaultVCL, Backend: srv.Listener.Addr().String(), Env: env,
		Listeners: []varnishtest.Listener{{Name: "proxy", Proto: "PROXY"}},
	})
}

// send makes one request with the given method and headers and returns
// the status.
func send(t *testing.T, c *http.Client, method, url string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// bans returns the number of entries in varnishd's ban list.
func bans(t *testing.T, v *varnishtest.Varnish) int {
	t.Helper()
	out, err := v.Adm("ban.list")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && strings.Contains(f[0], ".") {
			n++ // "1764690000.123456     0 -  obj.http.xkey ~ ..."
		}
	}
	return n
}

// xcache returns the X-Cache of a GET through the client listener.
func xcache(t *testing.T, v *varnishtest.Varnish, path string) string {
	t.Helper()
	return get(t, v.URL+path, "").header.Get("X-Cache")
}

const testSecret = "s3cr3t-0123456789abcdef"

func TestVarnishPurgeProtection(t *testing.T) {
	v := startTagStack(t, "CACHEHINT_PURGE_SECRET="+testSecret)
	pages := map[string]string{
		"/t/one":   "/t/one?tags=p-1+list",
		"/t/two":   "/t/two?tags=p-2+list",
		"/t/dot":   "/t/dot?tags=p.3",
		"/t/xdot":  "/t/xdot?tags=pX3",
		"/t/chars": "/t/chars?tags=" + url.QueryEscape("a$^|*+b!#%&'`~_-.9Z"),
	}
	warm := func() {
		t.Helper()
		for _, p := range pages {
			get(t, v.URL+p, "")
			if x := xcache(t, v, p); x != "HIT" {
				t.Fatalf("%s: X-Cache %q after warming", p, x)
			}
		}
	}
	// allHit fails the test when a page was evicted.
	allHit := func(what string) {
		t.Helper()
		for _, p := range pages {
			if x := xcache(t, v, p); x != "HIT" {
				t.Errorf("%s: %s was evicted (X-Cache %q)", what, p, x)
			}
		}
	}
	warm()
	startBans := bans(t, v)

	t.Run("through a same-host reverse proxy, PURGE and BAN are refused", func(t *testing.T) {
		// A TLS terminator without the PROXY protocol: every client is 127.0.0.1.
		target, _ := url.Parse(v.URL)
		proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }})
		defer proxy.Close()
		if got := get(t, proxy.URL+pages["/t/one"], ""); got.header.Get("X-Cache") != "HIT" {
			t.Fatalf("the proxy does not reach Varnish: %d %q", got.status, got.header.Get("X-Cache"))
		}
		for _, h := range [][]string{
			{"PURGE", "xkey-purge", "list"},
			{"BAN", "xkey-ban", ".*"},
			{"BAN", "xkey-ban", "list"},
		} {
			// Even with the secret: the client listener never purges.
			for _, secret := range []string{"", testSecret} {
				if s := send(t, client, h[0], proxy.URL+"/", h[1], h[2], "Purge-Secret", secret); s != http.StatusForbidden {
					t.Errorf("%s %s=%q through the proxy (secret %v): status %d, want 403", h[0], h[1], h[2], secret != "", s)
				}
			}
		}
		// And so do the project's purgers, pointed at the client port.
		for _, p := range []*cachehint.VarnishPurger{{URL: proxy.URL, Secret: testSecret}, {URL: v.URL, Secret: testSecret, Ban: true}} {
			if err := p.Purge(context.Background(), "list"); err == nil || !strings.Contains(err.Error(), "403") {
				t.Errorf("purger on %s: err = %v, want 403", p.URL, err)
			}
		}
		allHit("after refused purges")
		if n := bans(t, v); n != startBans {
			t.Errorf("ban list grew from %d to %d", startBans, n)
		}
	})

	t.Run("the purge listener needs the secret", func(t *testing.T) {
		for _, secret := range []string{"", "wrong", testSecret + "x", strings.ToUpper(testSecret)} {
			for _, h := range [][]string{{"PURGE", "xkey-purge", "list"}, {"BAN", "xkey-ban", "list"}} {
				if s := send(t, client, h[0], v.PurgeURL+"/", h[1], h[2], "Purge-Secret", secret); s != http.StatusForbidden {
					t.Errorf("%s with secret %q: status %d, want 403", h[0], secret, s)
				}
			}
		}
		allHit("after purges with a wrong secret")
	})

	t.Run("injection and malformed tag lists are refused before use", func(t *testing.T) {
		payloads := []string{
			`x) && obj.status == 200 && obj.http.xkey ~ (.*`,
			`.*`,
			`list|p-1`, // valid token, but must not act as a regex alternation
			`list,p-1`,
			`list "p-1"`,
			`(list)`,
			`list\`,
			`list;p-1`,
		}
		for _, p := range payloads {
			sb := send(t, client, "BAN", v.PurgeURL+"/", "xkey-ban", p, "Purge-Secret", testSecret)
			sp := send(t, client, "PURGE", v.PurgeURL+"/", "xkey-purge", p, "Purge-Secret", testSecret)
			// A valid token list is accepted, but matches nothing here.
			if cachehint.ValidTag(p) {
				if sb != 200 || sp != 200 {
					t.Errorf("token %q: BAN %d, PURGE %d, want 200 (matching nothing)", p, sb, sp)
				}
				continue
			}
			if sb != http.StatusBadRequest || sp != http.StatusBadRequest {
				t.Errorf("payload %q: BAN %d, PURGE %d, want 400", p, sb, sp)
			}
		}
		for _, h := range []string{"xkey-purge", "xkey-ban"} {
			m := map[string]string{"xkey-purge": "PURGE", "xkey-ban": "BAN"}[h]
			if s := send(t, client, m, v.PurgeURL+"/", "Purge-Secret", testSecret); s != http.StatusBadRequest {
				t.Errorf("%s without %s: %d, want 400", m, h, s)
			}
		}
		allHit("after injection attempts")
		// "list|p-1" was a valid token, so one ban was added; nothing else.
		if n := bans(t, v); n > startBans+1 {
			t.Errorf("ban list grew from %d to %d", startBans, n)
		}
	})

	t.Run("the project's purges still work, and tags match literally", func(t *testing.T) {
		ctx := context.Background()
		steps := []struct {
			p       *cachehint.VarnishPurger
			tag     string
			evicted []string
		}{
			{&cachehint.VarnishPurger{URL: v.PurgeURL, Secret: testSecret}, "p-1", []string{"/t/one"}},
			{&cachehint.VarnishPurger{URL: v.PurgeURL, Secret: testSecret, Ban: true}, "list", []string{"/t/one", "/t/two"}},
			// "." is literal in BAN: p.3 must not ban pX3.
			{&cachehint.VarnishPurger{URL: v.PurgeURL, Secret: testSecret, Ban: true}, "p.3", []string{"/t/dot"}},
			{&cachehint.VarnishPurger{URL: v.PurgeURL, Secret: testSecret, Ban: true}, "a$^|*+b!#%&'`~_-.9Z", []string{"/t/chars"}},
			{&cachehint.VarnishPurger{URL: v.PurgeURL, Secret: testSecret}, "pX3", []string{"/t/xdot"}},
		}
		for i, s := range steps {
			warm()
			if err := s.p.Purge(ctx, s.tag); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			for path := range pages {
				want := "HIT"
				for _, e := range s.evicted {
					if e == path {
						want = "MISS"
					}
				}
				if x := xcache(t, v, pages[path]); x != want {
					t.Errorf("step %d (Ban=%v, tag %q): %s is %s, want %s", i, s.p.Ban, s.tag, path, x, want)
				}
			}
		}
	})

	t.Run("PROXY listener: real client address, and no purges", func(t *testing.T) {
		do := func(src, req string) *http.Response {
			c, err := net.Dial("tcp", v.Listeners["proxy"])
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			io.WriteString(c, "PROXY TCP4 "+src+" 127.0.0.1 40000 443\r\n"+req)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		resp := do("203.0.113.9", "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
		if got := resp.Header.Get("X-Got-Forwarded-For"); got != "203.0.113.9" {
			t.Errorf("origin got X-Forwarded-For %q, want 203.0.113.9", got)
		}
		// A PROXY header claiming localhost does not make PURGE legitimate.
		resp = do("127.0.0.1", "PURGE / HTTP/1.1\r\nHost: x\r\nxkey-purge: list\r\nPurge-Secret: "+testSecret+"\r\n\r\n")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("PURGE on the PROXY listener: %d, want 403", resp.StatusCode)
		}
	})
}

// TestVarnishPurgeWithoutSecret: with no CACHEHINT_PURGE_SECRET, the purge
// listener alone decides, and a purger without Secret works.
func TestVarnishPurgeWithoutSecret(t *testing.T) {
	v := startTagStack(t)
	get(t, v.URL+"/t/one?tags=p-1", "")
	if x := xcache(t, v, "/t/one?tags=p-1"); x != "HIT" {
		t.Fatalf("X-Cache %q", x)
	}
	if err := (&cachehint.VarnishPurger{URL: v.PurgeURL}).Purge(context.Background(), "p-1"); err != nil {
		t.Fatal(err)
	}
	if x := xcache(t, v, "/t/one?tags=p-1"); x != "MISS" {
		t.Errorf("after purge: X-Cache %q, want MISS", x)
	}
	if err := (&cachehint.VarnishPurger{URL: v.URL}).Purge(context.Background(), "p-1"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("purge on the client listener: %v, want 403", err)
	}
}

// TestVarnishCookieOrder: the VCL keeps the session cookies in order,
// duplicates included, and merges repeated Cookie lines (issue 18 item 5).
func TestVarnishCookieOrder(t *testing.T) {
	v := startTagStack(t)
	echo := func(lines ...string) []string {
		t.Helper()
		req, _ := http.NewRequest("GET", v.URL+"/echo", nil)
		req.Header["Cookie"] = lines // one header line each
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if len(b) == 0 {
			return nil
		}
		return strings.Split(string(b), "\n")
	}
	cases := []struct {
		lines []string
		want  string // the one Cookie line the origin gets; "" for none
	}{
		{[]string{"session.lang=GOOD; session.lang=EVIL"}, "session.lang=GOOD; session.lang=EVIL"},
		{[]string{"_ga=1; session.lang=GOOD; theme=dark; session.lang=EVIL; x=2"}, "session.lang=GOOD; session.lang=EVIL"},
		{[]string{"session.a=1", "_ga=2; session.b=2"}, "session.a=1; session.b=2"},
		{[]string{"_ga=2", "session.lang=GOOD", "session.lang=EVIL"}, "session.lang=GOOD; session.lang=EVIL"},
		{[]string{"__Host-session.u=%22a%22;theme=1;__Secure-session.v=b=c"}, "__Host-session.u=%22a%22;__Secure-session.v=b=c"},
		{[]string{"xsession.a=1; session=2; sessionX.b=3; __Host-other=4"}, ""},
		{[]string{"_ga=1", "theme=dark"}, ""},
	}
	for _, c := range cases {
		got := echo(c.lines...)
		want := []string{c.want}
		if c.want == "" {
			want = nil
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("Cookie lines %q reached the origin as %q, want %q", c.lines, got, want)
		}
	}
	// What the library reads from the first case: GOOD.
	req := &http.Request{Header: http.Header{"Cookie": echo("session.lang=GOOD; session.lang=EVIL")}}
	if c, err := req.Cookie("session.lang"); err != nil || c.Value != "GOOD" {
		t.Errorf("first session.lang at the origin: %v %v, want GOOD", c, err)
	}
}

// TestVarnishTagRegexMatchesValidTag checks the VCL's tag-list regex
// against cachehint.ValidTag, one character at a time, for PURGE and BAN.
func TestVarnishTagRegexMatchesValidTag(t *testing.T) {
	v := startTagStack(t)
	var chars []byte
	for c := 0x21; c <= 0xff; c++ {
		if c != 0x7f {
			chars = append(chars, byte(c))
		}
	}
	for _, c := range chars {
		tag := "a" + string([]byte{c}) + "b"
		want := http.StatusBadRequest
		if cachehint.ValidTag(tag) {
			want = http.StatusOK
		}
		for _, h := range [][2]string{{"PURGE", "xkey-purge"}, {"BAN", "xkey-ban"}} {
			if s := send(t, client, h[0], v.PurgeURL+"/", h[1], tag+" \tok"); s != want {
				t.Errorf("%s %q: status %d, want %d", h[0], tag, s, want)
			}
		}
	}
}
