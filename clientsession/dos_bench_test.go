// dos_bench_test.go holds the DoS budget of issue 15 item 5: a Cookie
// header near net/http's 1 MB limit full of session-prefixed junk, read by
// a handler that reads every key, next to a normal request; and deeply
// nested JSON in a Public cookie. They exist so that a change that makes a
// bad case superlinear shows in the figures.
package clientsession_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// BenchmarkDoSJunkCookies: the handler lists the keys and reads each one,
// the worst a handler can do; the normal request reads its six keys the
// same way. Metric: the ratio of the medians, measured alternately.
func BenchmarkDoSJunkCookies(b *testing.B) {
	m, _ := newManager(b, clientsession.Options{OnInvalid: func(*http.Request, string, error) {}})
	six := sixKeys(b, m)
	p := m.CookieName("")
	junk := map[string]func(i int) string{
		"bad-escapes": func(i int) string { return p + "k" + strconv.Itoa(i) + "=%ZZ" + strings.Repeat("x", 40) },
		"forged-signed": func(i int) string {
			return p + "user=s2.1.1.1." + strings.Repeat("A", 22) + "." + strings.Repeat("B", 43) + ".1"
		},
		"forged-sealed": func(i int) string { return p + "_k" + strconv.Itoa(i) + "=Ag" + strings.Repeat("A", 150) },
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		for _, k := range s.Keys() {
			var v any
			s.Get(k, &v)
		}
	}))
	request := func(cookie string) *http.Request {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookie)
		return req
	}
	normal := request(six)
	for _, name := range []string{"bad-escapes", "forged-signed", "forged-sealed"} {
		// Junk first, so that it wins over the good duplicates.
		var sb strings.Builder
		for i := 0; sb.Len() < 1<<20-len(six)-64; i++ {
			sb.WriteString(junk[name](i))
			sb.WriteString("; ")
		}
		sb.WriteString(six)
		flood := request(sb.String())
		b.Run(name+"-vs-normal", func(b *testing.B) {
			median := alternate(b, h, normal, flood)
			b.ReportMetric(float64(median.Microseconds()), "flood-µs")
			b.ReportMetric(float64(sb.Len()), "cookie-bytes")
		})
	}
}

// BenchmarkDeepPublicJSON: 4 KB of "[" (unbalanced, and balanced nesting)
// in a Public cookie. Target: at most 50 µs per Get.
func BenchmarkDeepPublicJSON(b *testing.B) {
	m, _ := newManager(b, clientsession.Options{OnInvalid: func(*http.Request, string, error) {}})
	name := m.CookieName("deep")
	room := clientsession.MaxCookieSize - len(name)
	cases := map[string]string{
		"open-brackets": strings.Repeat("[", room),
		"balanced":      strings.Repeat("[", room/2) + strings.Repeat("]", room/2),
	}
	for _, c := range []string{"open-brackets", "balanced"} {
		b.Run(c, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", name+"="+cases[c])
			var inner time.Duration
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := clientsession.From(r)
				var v any
				t0 := time.Now()
				s.Get("deep", &v)
				inner += time.Since(t0)
			}))
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
				n++
			}
			b.ReportMetric(float64(inner.Nanoseconds())/float64(n)/1e3, "µs/Get")
		})
	}
}
