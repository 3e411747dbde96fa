package bench_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/bench/internal/harness"
	"github.com/fullsession/fullsession/bench/internal/jar"
	"github.com/fullsession/fullsession/internal/testkit/redisproc"
)

// redis is started on first use, so that a plain "go test" without -bench
// starts it only for TestHarnesses, and stopped by TestMain.
var redis struct {
	once sync.Once
	dir  string
	srv  *redisproc.Server
	err  error
}

func redisAddr() (string, error) {
	redis.once.Do(func() {
		redis.dir, redis.err = os.MkdirTemp("", "bench-redis")
		if redis.err == nil {
			redis.srv, redis.err = redisproc.Start(redis.dir)
		}
	})
	if redis.err != nil {
		return "", redis.err
	}
	return redis.srv.Addr(), nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if redis.srv != nil {
		redis.srv.Close()
	}
	if redis.dir != "" {
		os.RemoveAll(redis.dir)
	}
	os.Exit(code)
}

// stores returns the four stores. Without redis-server it fails under
// CI=true and otherwise leaves scs-redis out, with a message.
func stores(tb testing.TB) []harness.Store {
	tb.Helper()
	addr, err := redisAddr()
	switch {
	case errors.Is(err, redisproc.ErrNotInstalled) && os.Getenv("CI") != "true":
		tb.Logf("scs-redis left out: %v", err)
		addr = ""
	case err != nil:
		tb.Fatal(err)
	}
	all, err := harness.Stores(addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for _, s := range all {
			s.Close()
		}
	})
	return all
}

// recorder is a reusable ResponseWriter, so that the measurement does not
// pay for httptest.ResponseRecorder's buffers.
type recorder struct {
	h    http.Header
	code int
}

func newRecorder() *recorder { return &recorder{h: make(http.Header)} }

func (w *recorder) Header() http.Header { return w.h }
func (w *recorder) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}
func (w *recorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *recorder) reset() { clear(w.h); w.code = 0 }
func (w *recorder) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// setCookieBytes is the size of the Set-Cookie header values of a response.
func setCookieBytes(h http.Header) int {
	n := 0
	for _, v := range h.Values("Set-Cookie") {
		n += len(v)
	}
	return n
}

// pages are the handlers measured, for one store.
type pages struct {
	login, read, write, untouched http.Handler
	got                           struct {
		user  harness.User
		uid   int
		found bool
	}
}

func newPages(st harness.Store, s harness.Session) *pages {
	p := &pages{}
	fail := func(w http.ResponseWriter, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	p.login = st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := st.Login(w, r, s); err != nil {
			fail(w, err)
		}
	}))
	p.read = st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, uid, found, err := st.ReadUser(w, r)
		if err != nil {
			fail(w, err)
			return
		}
		p.got.user, p.got.uid, p.got.found = u, uid, found
	}))
	p.write = st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := st.SetLang(w, r, "en"); err != nil {
			fail(w, err)
		}
	}))
	p.untouched = st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	return p
}

// loggedIn runs the login page once through the library and returns the
// Cookie header a browser would send afterwards.
func loggedIn(tb testing.TB, p *pages) string {
	tb.Helper()
	var j jar.Jar
	w := newRecorder()
	p.login.ServeHTTP(w, newRequest(""))
	if w.status() != http.StatusOK {
		tb.Fatalf("login: status %d", w.status())
	}
	j.Update(w.h)
	return j.Header()
}

func newRequest(cookie string) *http.Request {
	r, err := http.NewRequest("GET", "http://127.0.0.1/", nil)
	if err != nil {
		panic(err)
	}
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r
}

// BenchmarkSession measures req=read|write|cold|untouched for every
// library; see the package documentation. lib=none is the harness alone
// (harness.None): its allocations are the harness's own, counted in every
// library's figure.
func BenchmarkSession(b *testing.B) {
	all := append(stores(b), harness.None{})
	for _, req := range []string{"read", "write", "cold", "untouched"} {
		for _, st := range all {
			b.Run(fmt.Sprintf("req=%s/lib=%s", req, st.Name()), func(b *testing.B) {
				p := newPages(st, harness.Fixture())
				cookie, h := "", p.read
				if req != "cold" {
					cookie = loggedIn(b, p)
				}
				switch req {
				case "write":
					h = p.write
				case "untouched":
					h = p.untouched
				}
				run(b, h, newRequest(cookie))
			})
		}
	}
}

// run serves tmpl through h b.N times. Each iteration copies the request,
// because some libraries (gorilla's registry) cache state in it: that copy
// is the one allocation lib=none shows.
func run(b *testing.B, h http.Handler, tmpl *http.Request) {
	w := newRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		r := new(http.Request)
		*r = *tmpl
		h.ServeHTTP(w, r)
		if w.code >= 400 {
			b.Fatalf("status %d", w.code)
		}
	}
	b.ReportMetric(float64(len(tmpl.Header.Get("Cookie"))), "cookie-B/op")
	b.ReportMetric(float64(setCookieBytes(w.h)), "setcookie-B/op")
}

// TestHarnesses checks that every library, driven as the benchmarks drive
// it, really stores and reads the fixed session: a benchmark of a harness
// that reads nothing would measure nothing.
func TestHarnesses(t *testing.T) {
	want := harness.Fixture()
	for _, st := range stores(t) {
		t.Run(st.Name(), func(t *testing.T) {
			p := newPages(st, want)
			cookie := loggedIn(t, p)
			if cookie == "" {
				t.Fatal("login set no cookie")
			}

			w := newRecorder()
			p.read.ServeHTTP(w, newRequest(cookie))
			if !p.got.found || p.got.user != want.User || p.got.uid != want.AuthUserID {
				t.Fatalf("read got %+v, want user %+v uid %d", p.got, want.User, want.AuthUserID)
			}
			if n := setCookieBytes(w.h); n != 0 {
				t.Errorf("read sent %d bytes of Set-Cookie", n)
			}

			w.reset()
			p.write.ServeHTTP(w, newRequest(cookie))
			if setCookieBytes(w.h) == 0 {
				t.Fatal("write sent no Set-Cookie")
			}
			var j jar.Jar
			for _, kv := range strings.Split(cookie, "; ") {
				name, value, _ := strings.Cut(kv, "=")
				j.Set(name, value)
			}
			j.Update(w.h)
			got := load(t, st, j.Header())
			want2 := want
			want2.Lang = "en"
			if !got.Equal(want2) {
				t.Fatalf("after write got %+v, want %+v", got, want2)
			}

			w.reset()
			p.got.found = true
			p.read.ServeHTTP(w, newRequest(""))
			if w.status() != http.StatusOK || p.got.found {
				t.Fatalf("cold read: status %d, found %v", w.status(), p.got.found)
			}
			if n := setCookieBytes(w.h); n != 0 {
				t.Fatalf("cold read sent %d bytes of Set-Cookie", n)
			}
		})
	}
}

// load reads all six keys of the session carried by cookie.
func load(t *testing.T, st harness.Store, cookie string) harness.Session {
	t.Helper()
	var got harness.Session
	var found bool
	var err error
	h := st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, found, err = st.Load(w, r)
	}))
	h.ServeHTTP(newRecorder(), newRequest(cookie))
	if err != nil || !found {
		t.Fatalf("Load: found %v, err %v", found, err)
	}
	return got
}

// BenchmarkVersus measures the ratios the targets are stated in (issue 13)
// with the two sides interleaved: each iteration serves the same request
// once through each side, in alternating order, and times each. The
// metric is the ratio of the medians, which a shared machine's load swings
// and preemption spikes move much less than they move two separate
// benchmarks' means:
//
//   - req=read|write/a=gorilla/b=clientsession: gorilla's time over
//     clientsession's ("speed-up");
//   - req=read/a=clientsession-revoker/b=clientsession: the time with a
//     Revoker over the time without ("ratio").
func BenchmarkVersus(b *testing.B) {
	byName := map[string]harness.Store{}
	for _, st := range stores(b) {
		byName[st.Name()] = st
	}
	for _, c := range []struct{ req, a, bb, metric string }{
		{"read", "gorilla", "clientsession", "speed-up"},
		{"write", "gorilla", "clientsession", "speed-up"},
		{"read", "clientsession-revoker", "clientsession", "ratio"},
	} {
		b.Run(fmt.Sprintf("req=%s/a=%s/b=%s", c.req, c.a, c.bb), func(b *testing.B) {
			var hs [2]http.Handler
			var tmpl [2]*http.Request
			for i, name := range []string{c.a, c.bb} {
				p := newPages(byName[name], harness.Fixture())
				hs[i] = p.read
				if c.req == "write" {
					hs[i] = p.write
				}
				tmpl[i] = newRequest(loggedIn(b, p))
			}
			w := newRecorder()
			var ts [2][]time.Duration
			serve := func(i int) {
				w.reset()
				r := new(http.Request)
				*r = *tmpl[i]
				t0 := time.Now()
				hs[i].ServeHTTP(w, r)
				ts[i] = append(ts[i], time.Since(t0))
				if w.code >= 400 {
					b.Fatalf("%s: status %d", []string{c.a, c.bb}[i], w.code)
				}
			}
			n := 0
			for b.Loop() {
				serve(n & 1)
				serve(1 - n&1)
				n++
			}
			med := func(d []time.Duration) float64 {
				slices.Sort(d)
				return float64(d[len(d)/2])
			}
			ma, mb := med(ts[0]), med(ts[1])
			b.ReportMetric(ma/mb, c.metric)
			b.ReportMetric(ma, "a-median-ns")
			b.ReportMetric(mb, "b-median-ns")
		})
	}
}
