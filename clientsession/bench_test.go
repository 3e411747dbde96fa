package clientsession_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// sixKeys is the bench issue's session: user, selection, lang,
// last_search, _auth_user_id, _csrf.
func sixKeys(b *testing.B, m *clientsession.Manager) string {
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		s.Set("user", user{"Lee", "Ann"})
		s.Set("selection", []int{101, 2045, 33, 4120, 57, 68001, 7, 812, 93, 10010, 11, 1200, 13, 1414, 15, 16016, 17, 1818, 19, 20020})
		s.Set("lang", "fr")
		s.Set("last_search", map[string]any{"city": "Lyon", "max_price": 350000})
		s.Set("_auth_user_id", "u-000042")
		s.Set("_csrf", "k3Jd9sLm2QpXz8vB4nR7tY1wE6uI0oPa")
	})
	return cookieHeader(rec)
}

// BenchmarkReadTwoOfSix measures the middleware plus reading a Signed and a
// Private key from a six-key session.
func BenchmarkReadTwoOfSix(b *testing.B) {
	m, _ := newManager(b, clientsession.Options{})
	cookie := sixKeys(b, m)
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		var u user
		var id string
		if ok, _ := s.Get("user", &u); !ok {
			b.Fatal("user not found")
		}
		if ok, _ := s.Get("_auth_user_id", &id); !ok {
			b.Fatal("_auth_user_id not found")
		}
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookie)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
	b.ReportMetric(float64(len(cookie)), "cookie-bytes")
}

// BenchmarkWriteOne measures changing the Public "lang" key.
func BenchmarkWriteOne(b *testing.B) {
	m, _ := newManager(b, clientsession.Options{})
	cookie := sixKeys(b, m)
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("lang", "en")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookie)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// discard is a ResponseWriter that keeps headers and drops the body.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// floodHeader returns a Cookie header of about 1 MB (net/http's default
// MaxHeaderBytes) made by repeating pair(i), after the six-key session.
func floodHeader(session string, pair func(i int) string) string {
	var b strings.Builder
	b.WriteString(session)
	for i := 0; b.Len() < 1<<20; i++ {
		b.WriteString("; ")
		b.WriteString(pair(i))
	}
	return b.String()
}

// BenchmarkCookieFlood compares a normal request (read two keys of six)
// with the same request carrying 1 MB of extra cookies (issue 18 item 11;
// target: at most 20 times the normal cost).
func BenchmarkCookieFlood(b *testing.B) {
	m, _ := newManager(b, clientsession.Options{OnInvalid: func(*http.Request, string, error) {}})
	six := sixKeys(b, m)
	cases := []struct{ name, cookie string }{
		{"normal", six},
		{"session-keys", floodHeader(six, func(i int) string { return "session.k" + strconv.Itoa(i) + "=" + strconv.Itoa(i) })},
		{"other-names", floodHeader(six, func(i int) string { return "o" + strconv.Itoa(i) + "=" + strconv.Itoa(i) })},
		{"prefix-in-one-value", six + "; x=" + strings.Repeat("session.", 1<<17)},
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		var u user
		var id string
		if ok, _ := s.Get("user", &u); !ok {
			b.Fatal("user not found")
		}
		if ok, _ := s.Get("_auth_user_id", &id); !ok {
			b.Fatal("_auth_user_id not found")
		}
	}))
	request := func(cookie string) *http.Request {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookie)
		return req
	}
	normal := request(six)
	for _, c := range cases[1:] {
		// Each flood request alternates with a normal one, so that the
		// machine's load weighs on both alike; the metric is the ratio of
		// their medians, which preemption spikes do not move.
		b.Run(c.name+"-vs-normal", func(b *testing.B) {
			alternate(b, h, normal, request(c.cookie))
		})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := request(c.cookie)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(len(c.cookie)), "cookie-bytes")
		})
	}
}

// alternate serves normal and flood in turn, timing each, and reports the
// ratio of their medians as "flood/normal", which load on a shared machine
// weighs on alike. It returns the flood's median.
func alternate(b *testing.B, h http.Handler, normal, flood *http.Request) time.Duration {
	w := &discard{h: http.Header{}}
	var tn, tf []time.Duration
	for b.Loop() {
		t0 := time.Now()
		clear(w.h)
		h.ServeHTTP(w, normal)
		t1 := time.Now()
		clear(w.h)
		h.ServeHTTP(w, flood)
		tf = append(tf, time.Since(t1))
		tn = append(tn, t1.Sub(t0))
	}
	slices.Sort(tn)
	slices.Sort(tf)
	b.ReportMetric(float64(tf[len(tf)/2])/float64(tn[len(tn)/2]), "flood/normal")
	return tf[len(tf)/2]
}
