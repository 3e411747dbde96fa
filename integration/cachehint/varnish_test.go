package cachehint_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/sessions"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/cachehint/varnish"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/ruletest"
	"github.com/fullsession/fullsession/internal/testkit/varnishtest"
)

// origin is the test application behind Varnish. It counts the requests
// that reach it, per path.
type origin struct {
	mu    sync.Mutex
	count map[string]int
	conf  ruletest.Conflicts
}

func (o *origin) hit(r *http.Request) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.count[r.URL.Path]++
	return o.count[r.URL.Path]
}

func (o *origin) seen(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.count[path]
}

// router is the application, mounted under prefix, with cachehint and
// clientsession in the documented order.
func (o *origin) router(t *testing.T, prefix string) http.Handler {
	r := newRouter(t, cachehint.Options{TagHeaders: []cachehint.TagHeader{cachehint.XKey}, OnConflict: o.conf.Record})
	public := cachehint.Public(testPolicy)
	r.With(public).Get(prefix+"/properties/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		cachehint.Tag(r, prefix[1:]+"-property-"+id)
		if id == "1" || id == "2" {
			cachehint.Tag(r, prefix[1:]+"-list")
		}
		n := o.hit(r)
		io.WriteString(w, "property "+id+" version "+itoa(n))
	})
	// Many tags: more than one xkey header line.
	r.With(public).Get(prefix+"/many-tags", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		for i := 0; i < manyTags; i++ {
			cachehint.Tag(r, manyTag(prefix, i))
		}
		io.WriteString(w, "many")
	})
	// A public route whose handler reads the session anyway: the gate
	// must downgrade it.
	r.With(public).Get(prefix+"/greet", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		cachehint.Tag(r, prefix[1:]+"-greet")
		name, _, _ := clientsession.Get[string](clientsession.From(r), "user")
		io.WriteString(w, "hello "+name)
	})
	// Issue 18 item 6: a public route whose handler reads the cookie
	// itself, and one that reads the session after its first flush.
	r.With(public).Get(prefix+"/cookie-greet", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		name := ""
		if c, err := r.Cookie("session.user"); err == nil {
			name = c.Value
		}
		io.WriteString(w, "hello "+name)
	})
	// The same with gorilla/sessions, whose cookie is named with the
	// session prefix so that the VCL forwards it.
	r.With(cachehint.Private()).Get(prefix+"/gorilla-login", func(w http.ResponseWriter, r *http.Request) {
		s, _ := gorillaStore.Get(r, "session.g")
		s.Values["user"] = r.URL.Query().Get("name")
		if err := s.Save(r, w); err != nil {
			t.Error(err)
		}
	})
	r.With(public).Get(prefix+"/gorilla-greet", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		s, _ := gorillaStore.Get(r, "session.g")
		name, _ := s.Values["user"].(string)
		io.WriteString(w, "hello "+name)
	})
	r.With(public).Get(prefix+"/late-greet", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		io.WriteString(w, "<p>")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
		name, _, _ := clientsession.Get[string](clientsession.From(r), "user")
		io.WriteString(w, "hello "+name)
	})
	r.With(cachehint.Private()).Get(prefix+"/login", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		if err := clientsession.From(r).Set("user", r.URL.Query().Get("name")); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "welcome")
	})
	// A handler that asks for public caching and sets a cookie of its own.
	r.Get(prefix+"/rogue-cookie", func(w http.ResponseWriter, r *http.Request) {
		n := o.hit(r)
		w.Header().Set("Cache-Control", "public, max-age=600")
		http.SetCookie(w, &http.Cookie{Name: "session.rogue", Value: "v" + itoa(n)})
		io.WriteString(w, "rogue")
	})
	return r
}

var gorillaStore = sessions.NewCookieStore(gorillaKey)

const manyTags = 300

func manyTag(prefix string, i int) string {
	return prefix[1:] + "-many-tag-with-a-long-name-" + itoa(i)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// startStack starts the origin and a real varnishd with the shipped VCL in
// front of it.
func startStack(t *testing.T) (*varnishtest.Varnish, *origin) {
	o := &origin{count: map[string]int{}}
	mux := http.NewServeMux()
	mux.Handle("/a/", o.router(t, "/a"))
	// Routes without cachehint, to test the VCL on its own.
	mux.HandleFunc("/nogate/set-cookie", func(w http.ResponseWriter, r *http.Request) {
		n := o.hit(r)
		w.Header().Set("Cache-Control", "public, max-age=600")
		http.SetCookie(w, &http.Cookie{Name: "session.x", Value: "v" + itoa(n)})
	})
	mux.HandleFunc("/nogate/private", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		w.Header().Set("Cache-Control", "private, max-age=600")
		w.Header().Set("Surrogate-Control", "max-age=600")
	})
	mux.HandleFunc("/nogate/heuristic", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
	})
	mux.HandleFunc("/nogate/echo-cookies", func(w http.ResponseWriter, r *http.Request) {
		o.hit(r)
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, strings.Join(r.Header.Values("Cookie"), "\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	v := varnishtest.Start(t, varnishtest.Options{VCL: varnish.DefaultVCL, Backend: srv.Listener.Addr().String()})
	return v, o
}

type result struct {
	status int
	header http.Header
	body   string
}

var client = &http.Client{Timeout: 10 * time.Second}

func get(t *testing.T, url, cookie string) result {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

// login returns the Cookie header of a client that logged in as name,
// with a tracking cookie that the VCL must drop.
func login(t *testing.T, v *varnishtest.Varnish, prefix, name string) string {
	t.Helper()
	res := get(t, v.URL+prefix+"/login?name="+name, "")
	var cookies []string
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) != 1 || !strings.HasPrefix(cookies[0], "session.user=") {
		t.Fatalf("login %s: cookies %q", name, cookies)
	}
	return cookies[0] + "; _ga=GA1.2." + name + "; theme=dark"
}

func TestVarnish(t *testing.T) {
	v, o := startStack(t)
	for _, prefix := range []string{"/a"} {
		t.Run("cachehint outside clientsession", func(t *testing.T) {
			alice := login(t, v, prefix, "alice")
			bob := login(t, v, prefix, "bob")
			t.Run("public page is a HIT for the second client and carries nothing of the first", func(t *testing.T) {
				url := v.URL + prefix + "/properties/7"
				first := get(t, url, alice)
				if first.header.Get("X-Cache") != "MISS" || o.seen(prefix+"/properties/7") != 1 {
					t.Fatalf("first: X-Cache %q, origin saw %d", first.header.Get("X-Cache"), o.seen(prefix+"/properties/7"))
				}
				for i, c := range []string{bob, ""} {
					second := get(t, url, c)
					if second.header.Get("X-Cache") != "HIT" {
						t.Errorf("client %d: X-Cache %q, want HIT", i, second.header.Get("X-Cache"))
					}
					if second.body != first.body {
						t.Errorf("client %d: body %q, want %q", i, second.body, first.body)
					}
					if sc := second.header.Values("Set-Cookie"); len(sc) != 0 {
						t.Errorf("client %d: Set-Cookie %q on a cached page", i, sc)
					}
					if hasVary(second.header, "Cookie") {
						t.Errorf("client %d: Vary %q", i, second.header.Values("Vary"))
					}
					all := second.body
					for k, vs := range second.header {
						all += k + ":" + strings.Join(vs, ",") + "\n"
					}
					aliceValue := strings.TrimPrefix(strings.Split(alice, ";")[0], "session.user=")
					if strings.Contains(all, "alice") || strings.Contains(all, aliceValue) {
						t.Errorf("client %d: response carries alice's data:\n%s", i, all)
					}
				}
				if n := o.seen(prefix + "/properties/7"); n != 1 {
					t.Errorf("origin saw %d requests, want 1", n)
				}
				if got := first.header.Get("Cache-Control"); got != testPublicCC {
					t.Errorf("Cache-Control %q", got)
				}
				if first.header.Get("Xkey") != "" {
					t.Error("xkey header reached the client")
				}
			})
			t.Run("session-read response is never a HIT for another client", func(t *testing.T) {
				url := v.URL + prefix + "/greet"
				for i := 0; i < 3; i++ {
					for _, c := range []struct{ cookie, name string }{{alice, "alice"}, {bob, "bob"}, {"", ""}} {
						res := get(t, url, c.cookie)
						if res.header.Get("X-Cache") == "HIT" {
							t.Errorf("%q: X-Cache HIT on a session-read response", c.name)
						}
						if res.body != "hello "+c.name {
							t.Errorf("%q got %q", c.name, res.body)
						}
						if got := res.header.Get("Cache-Control"); got != "private, no-cache" {
							t.Errorf("Cache-Control %q", got)
						}
						// The VCL stores its hit-for-miss marker without Vary,
						// but the client must still get it back.
						if !hasVary(res.header, "Cookie") || res.header.Get("X-Cachehint-Vary") != "" {
							t.Errorf("%q: Vary %q, X-Cachehint-Vary %q", c.name, res.header.Values("Vary"), res.header.Get("X-Cachehint-Vary"))
						}
					}
				}
				if n := o.seen(prefix + "/greet"); n != 9 {
					t.Errorf("origin saw %d of 9 requests", n)
				}
				if got := o.conf.Get(); len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), prefix+"/greet") {
					t.Errorf("conflicts %q lack %s/greet", got, prefix)
				}
			})
			t.Run("public page cannot carry the first visitor's cookies to the next", func(t *testing.T) {
				// Issue 18 item 6: on a miss the VCL forwards alice's
				// cookies; whatever the handler does with them must not
				// reach bob from the cache.
				gorillaLogin := func(name string) string {
					res := get(t, v.URL+prefix+"/gorilla-login?name="+name, "")
					c := (&http.Response{Header: res.header}).Cookies()
					if len(c) != 1 {
						t.Fatalf("gorilla login: cookies %v", c)
					}
					return c[0].Name + "=" + c[0].Value
				}
				galice, gbob := alice+"; "+gorillaLogin("alice"), bob+"; "+gorillaLogin("bob")
				for _, path := range []string{"/cookie-greet", "/gorilla-greet", "/late-greet"} {
					url := v.URL + prefix + path
					first := get(t, url, galice)
					second := get(t, url, gbob)
					third := get(t, url, "")
					for i, res := range []result{second, third} {
						if strings.Contains(res.body, "alice") {
							t.Errorf("%s: client %d got %q (X-Cache %s): alice's page served from the cache", path, i+2, res.body, res.header.Get("X-Cache"))
						}
					}
					want := "hello "
					if path == "/late-greet" {
						want = "<p>hello " // a read after the shared flush is absent
					}
					if first.body != want {
						t.Errorf("%s: the handler saw the session: %q", path, first.body)
					}
				}
			})
			t.Run("Set-Cookie responses are never stored", func(t *testing.T) {
				before := o.seen(prefix + "/login")
				res := get(t, v.URL+prefix+"/login?name=carol", "")
				res2 := get(t, v.URL+prefix+"/login?name=carol", "")
				if o.seen(prefix+"/login") != before+2 {
					t.Errorf("origin saw %d of 2 logins", o.seen(prefix+"/login")-before)
				}
				for _, r := range []result{res, res2} {
					if r.header.Get("X-Cache") == "HIT" || r.header.Get("Cache-Control") != "private, no-store" {
						t.Errorf("login: X-Cache %q, Cache-Control %q", r.header.Get("X-Cache"), r.header.Get("Cache-Control"))
					}
				}
				for i := 1; i <= 2; i++ {
					r := get(t, v.URL+prefix+"/rogue-cookie", "")
					if r.header.Get("X-Cache") == "HIT" || r.header.Get("Cache-Control") != "private, no-store" {
						t.Errorf("rogue cookie: X-Cache %q, Cache-Control %q", r.header.Get("X-Cache"), r.header.Get("Cache-Control"))
					}
					if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "=v"+itoa(i)) {
						t.Errorf("request %d got Set-Cookie %q: replayed from another response", i, sc)
					}
				}
			})
			t.Run("purge by tag evicts exactly the tagged pages", func(t *testing.T) {
				tag := prefix[1:]
				pages := []string{"/properties/1", "/properties/2", "/properties/3"}
				state := func() map[string]string {
					m := map[string]string{}
					for _, p := range pages {
						m[p] = get(t, v.URL+prefix+p, bob).header.Get("X-Cache")
					}
					return m
				}
				state() // warm
				if s := state(); s["/properties/1"] != "HIT" || s["/properties/2"] != "HIT" || s["/properties/3"] != "HIT" {
					t.Fatalf("warm cache: %v", s)
				}
				ctx := context.Background()
				xk := &cachehint.VarnishPurger{URL: v.PurgeURL}
				ban := &cachehint.VarnishPurger{URL: v.PurgeURL, Ban: true}
				steps := []struct {
					purger cachehint.Purger
					tags   []string
					want   map[string]string
				}{
					{xk, []string{tag + "-property-1"}, map[string]string{"/properties/1": "MISS", "/properties/2": "HIT", "/properties/3": "HIT"}},
					{xk, []string{tag + "-list"}, map[string]string{"/properties/1": "MISS", "/properties/2": "MISS", "/properties/3": "HIT"}},
					{xk, []string{"no-such-tag"}, map[string]string{"/properties/1": "HIT", "/properties/2": "HIT", "/properties/3": "HIT"}},
					{ban, []string{tag + "-property-3"}, map[string]string{"/properties/1": "HIT", "/properties/2": "HIT", "/properties/3": "MISS"}},
					{ban, []string{tag + "-list"}, map[string]string{"/properties/1": "MISS", "/properties/2": "MISS", "/properties/3": "HIT"}},
					// A tag that is a prefix of another must not match it.
					{ban, []string{tag + "-property"}, map[string]string{"/properties/1": "HIT", "/properties/2": "HIT", "/properties/3": "HIT"}},
				}
				for i, s := range steps {
					before := map[string]int{}
					for _, p := range pages {
						before[p] = o.seen(prefix + p)
					}
					if err := s.purger.Purge(ctx, s.tags...); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					got := state()
					for _, p := range pages {
						if got[p] != s.want[p] {
							t.Errorf("step %d (purge %v): %s is %s, want %s", i, s.tags, p, got[p], s.want[p])
						}
						wantFetch := map[string]int{"MISS": 1, "HIT": 0}[s.want[p]]
						if d := o.seen(prefix+p) - before[p]; d != wantFetch {
							t.Errorf("step %d: origin fetched %s %d times, want %d", i, p, d, wantFetch)
						}
					}
				}
			})
		})
	}
	t.Run("purge finds tags on every xkey line", func(t *testing.T) {
		url := v.URL + "/a/many-tags"
		first := get(t, url, "")
		if lines := first.header.Values("Xkey"); len(lines) != 0 {
			t.Errorf("xkey reached the client: %d lines", len(lines))
		}
		for i, p := range []*cachehint.VarnishPurger{{URL: v.PurgeURL}, {URL: v.PurgeURL, Ban: true}} {
			if r := get(t, url, ""); r.header.Get("X-Cache") != "HIT" {
				t.Fatalf("round %d: not cached: %q", i, r.header.Get("X-Cache"))
			}
			if err := p.Purge(context.Background(), manyTag("/a", manyTags-1-i)); err != nil {
				t.Fatal(err)
			}
			if r := get(t, url, ""); r.header.Get("X-Cache") != "MISS" {
				t.Errorf("round %d (Ban=%v): X-Cache %q after purging a tag from the last line", i, p.Ban, r.header.Get("X-Cache"))
			}
		}
	})
	t.Run("VCL trusts Set-Cookie, private and missing freshness on its own", func(t *testing.T) {
		for _, path := range []string{"/nogate/set-cookie", "/nogate/private", "/nogate/heuristic"} {
			for i := 0; i < 2; i++ {
				if r := get(t, v.URL+path, ""); r.header.Get("X-Cache") == "HIT" {
					t.Errorf("%s: HIT", path)
				}
			}
			if n := o.seen(path); n != 2 {
				t.Errorf("%s: origin saw %d of 2", path, n)
			}
		}
	})
	t.Run("VCL keeps only session cookies, intact", func(t *testing.T) {
		signed := `s1.1767225600.Ab-_x9.%7B%22a%22%3A1%7D`
		r := get(t, v.URL+"/nogate/echo-cookies", `_ga=GA1.2.3; session.user=%22alice%22; theme=dark; __Host-session.sig=`+signed+`; xsession.no=1; __Host-other=1`)
		req := &http.Request{Header: http.Header{"Cookie": strings.Split(r.body, "\n")}}
		got := map[string]string{}
		for _, c := range req.Cookies() {
			got[c.Name] = c.Value
		}
		want := map[string]string{"session.user": "%22alice%22", "__Host-session.sig": signed}
		if len(got) != len(want) || got["session.user"] != want["session.user"] || got["__Host-session.sig"] != want["__Host-session.sig"] {
			t.Errorf("origin got cookies %q (header %q), want %q", got, r.body, want)
		}
		if r := get(t, v.URL+"/nogate/echo-cookies", "_ga=1; theme=dark"); r.body != "" {
			t.Errorf("origin got Cookie %q, want none", r.body)
		}
	})
	t.Run("purges only from localhost", func(t *testing.T) {
		// 127.0.0.2 is loopback too, but not in the VCL's ACL.
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
		other := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
		for _, p := range []*cachehint.VarnishPurger{{URL: v.PurgeURL, Client: other}, {URL: v.PurgeURL, Client: other, Ban: true}} {
			err := p.Purge(context.Background(), "a-list")
			if err == nil || !strings.Contains(err.Error(), "403") {
				t.Errorf("purge from 127.0.0.2 (Ban=%v): err = %v, want 403", p.Ban, err)
			}
		}
	})
}
