// helpers_test.go holds the fixtures of the migration tests: a site that is
// switched from its old session library to clientsession mid-test, and a
// browser-like client with a cookie jar.
package migrate_test

import (
	"encoding/gob"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/clientsession/migrate"
)

// Cart is what the old site kept in its session under gob.
type Cart struct {
	Items []int
	Note  string
}

func init() { gob.Register(Cart{}) }

var testKey = []byte("0123456789abcdef0123456789abcdef")

func newManager(t testing.TB) *clientsession.Manager {
	t.Helper()
	m, err := clientsession.New(clientsession.Options{
		Keys:       [][]byte{testKey},
		Insecure:   true,
		Protection: map[string]clientsession.Protection{"user": clientsession.Signed},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mapping is the site's mapping: user_id becomes the Private subject,
// name the Signed user, cart a Public key through a converter.
func mapping(m *clientsession.Manager, onResult func(*http.Request, migrate.Result)) migrate.Mapping {
	return migrate.Mapping{
		Manager: m,
		Keys: map[string]migrate.Key{
			"user_id": {To: "_auth_user_id", Protection: clientsession.Private},
			"name":    {To: "user", Protection: clientsession.Signed},
			"cart": {To: "cart", Convert: func(old any) (any, error) {
				c, ok := old.(Cart)
				if !ok {
					return nil, fmt.Errorf("cart is a %T", old)
				}
				return map[string]any{"items": c.Items, "note": c.Note}, nil
			}},
		},
		OnResult: onResult,
	}
}

// newApp is the site after the switch: it reports what it sees.
func newApp() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		id, _, _ := clientsession.Get[int](s, "_auth_user_id")
		name, _, _ := clientsession.Get[string](s, "user")
		var cart struct {
			Items []int  `json:"items"`
			Note  string `json:"note"`
		}
		s.Get("cart", &cart)
		fmt.Fprintf(w, "id=%d name=%s cart=%v/%s", id, name, cart.Items, cart.Note)
	})
}

// site is one httptest.Server whose handler is swapped at the deploy.
type site struct {
	*httptest.Server
	h atomic.Pointer[http.Handler]
}

func newSite(t *testing.T, h http.Handler) *site {
	s := &site{}
	s.h.Store(&h)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*s.h.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) deploy(h http.Handler) { s.h.Store(&h) }

// browser is an http.Client with a cookie jar.
type browser struct {
	t *testing.T
	*http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, Client: &http.Client{Jar: jar}}
}

func (b *browser) get(u string) string {
	b.t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b.t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	var buf [512]byte
	n, _ := resp.Body.Read(buf[:])
	return string(buf[:n])
}

// names returns the names of the cookies the jar holds for u.
func (b *browser) names(u string) map[string]string {
	pu, _ := url.Parse(u)
	out := map[string]string{}
	for _, c := range b.Jar.Cookies(pu) {
		out[c.Name] = c.Value
	}
	return out
}

// results collects what OnResult was told.
type results struct{ ch chan migrate.Result }

func newResults() *results { return &results{ch: make(chan migrate.Result, 64)} }

func (rs *results) hook(_ *http.Request, r migrate.Result) { rs.ch <- r }

func (rs *results) next(t *testing.T) migrate.Result {
	t.Helper()
	select {
	case r := <-rs.ch:
		return r
	default:
		t.Fatal("OnResult was not called")
		return migrate.Result{}
	}
}

func (rs *results) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-rs.ch:
		t.Fatalf("OnResult called unexpectedly: %+v", r)
	default:
	}
}

func removeAll(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.Remove(filepath.Join(dir, e.Name()))
	}
}
