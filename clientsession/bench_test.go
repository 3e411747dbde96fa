package clientsession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

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
