// bench_test.go measures what the migrator costs: nothing on requests
// without the old cookie, and the price of a migrating request.
package migrate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"

	"github.com/fullsession/fullsession/clientsession/migrate"
)

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// A request without the old cookie must pay at most one allocation for the
// migrator (it pays none today).
func TestNoOldCookieAllocates(t *testing.T) {
	m := newManager(t)
	mw := migrate.FromGorilla(sessions.NewCookieStore(oldHashKey), "app", mapping(m, nil))(noop)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "session.user=%22x%22; apples=1; application=2; app_=3")
	w := httptest.NewRecorder()
	if n := testing.AllocsPerRun(1000, func() { mw.ServeHTTP(w, req) }); n > 1 {
		t.Fatalf("%v allocations per request without the old cookie, want <= 1", n)
	}
}

func BenchmarkRequest(b *testing.B) {
	m := newManager(b)
	store := sessions.NewCookieStore(oldHashKey)
	gorillaOld := gorillaCookie(&testing.T{}, store, map[any]any{"user_id": 42, "name": "Ann", "cart": Cart{Items: []int{7, 9}}})
	sm := scs.New()
	ms := memstore.New()
	sm.Store = ms
	data, _ := sm.Codec.Encode(time.Now().Add(time.Hour), map[string]any{"user_id": 42, "name": "Ann", "cart": Cart{Items: []int{7, 9}}})

	mp := mapping(m, nil)
	mp.Grace = -1 // measure the migration itself, not the memory of it
	app := newApp()
	plain := m.Middleware(app)
	fromGorilla := m.Middleware(migrate.FromGorilla(store, "app", mp)(app))
	fromSCS := m.Middleware(migrate.FromSCS(sm, mp)(app))
	normal := "session.user=" // a request of a migrated user, no old cookie
	{
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", gorillaOld)
		w := httptest.NewRecorder()
		fromGorilla.ServeHTTP(w, req)
		normal = ""
		for _, c := range w.Result().Cookies() {
			if c.MaxAge >= 0 {
				normal += c.Name + "=" + c.Value + "; "
			}
		}
	}
	cases := []struct {
		name, cookie string
		h            http.Handler
	}{
		{"plain/no-migrator", normal, plain},
		{"plain/gorilla-migrator", normal, fromGorilla},
		{"plain/scs-migrator", normal, fromSCS},
		{"migrating/gorilla-CookieStore", gorillaOld, fromGorilla},
		{"migrating/scs-memstore", "session=tok", fromSCS},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", c.cookie)
			for b.Loop() {
				if c.name == "migrating/scs-memstore" {
					ms.Commit("tok", data, time.Now().Add(time.Hour))
				}
				c.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
