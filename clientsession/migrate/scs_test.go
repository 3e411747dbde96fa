// scs_test.go migrates sessions written by scs itself into a real
// redis-server (and into its memory store), through a real server.
package migrate_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/redis/go-redis/v9"

	"github.com/fullsession/fullsession/clientsession/migrate"
	"github.com/fullsession/fullsession/internal/testkit/redisproc"
)

// startRedis starts a throw-away redis-server. Under CI=true a missing
// redis-server fails the test.
func startRedis(t *testing.T) *redis.Client {
	t.Helper()
	srv, err := redisproc.Start(t.TempDir())
	if errors.Is(err, redisproc.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip("redis-server not installed (apt-get install redis-server)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

// oldSCSApp is the site before the switch, with scs's own middleware.
func oldSCSApp(sm *scs.SessionManager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "user_id", 42)
		sm.Put(r.Context(), "name", "Ann")
		sm.Put(r.Context(), "cart", Cart{Items: []int{7, 9}, Note: "a b,c;d"})
		sm.Put(r.Context(), "flash", "hi") // unmapped
	})
	return sm.LoadAndSave(mux)
}

func TestFromSCSDestroysTheServerSideEntry(t *testing.T) {
	rc := startRedis(t)
	sm := scs.New()
	sm.Store = goredisstore.New(rc)
	sm.Cookie.Secure = false
	site := newSite(t, oldSCSApp(sm))
	b := newBrowser(t)
	b.get(site.URL + "/login")
	token := b.names(site.URL)["session"]
	if token == "" {
		t.Fatal("scs did not set its cookie")
	}
	ctx := context.Background()
	if n, _ := rc.Exists(ctx, "scs:session:"+token).Result(); n != 1 {
		t.Fatalf("scs entry not in redis before the switch")
	}

	m := newManager(t)
	rs := newResults()
	mp := mapping(m, rs.hook)
	mp.Grace = 100 * time.Millisecond
	site.deploy(m.Middleware(migrate.FromSCS(sm, mp)(newApp())))
	want := "id=42 name=Ann cart=[7 9]/a b,c;d"
	if got := b.get(site.URL + "/"); got != want {
		t.Fatalf("after the switch: %q, want %q", got, want)
	}
	if res := rs.next(t); strings.Join(res.Migrated, ",") != "_auth_user_id,cart,user" || res.Unmapped != 1 {
		t.Fatalf("result %+v", res)
	}
	if n, _ := rc.Exists(ctx, "scs:session:"+token).Result(); n != 0 {
		t.Fatal("the scs entry is still in redis: the token could be replayed")
	}
	if _, ok := b.names(site.URL)["session"]; ok {
		t.Fatal("the scs cookie is still in the jar")
	}
	if got := b.get(site.URL + "/"); got != want {
		t.Fatalf("later request: %q", got)
	}
	rs.none(t)

	// The old token replayed (a copy taken before the switch) migrates
	// nothing once the grace window for parallel requests is over.
	time.Sleep(150 * time.Millisecond)
	req, _ := http.NewRequest("GET", site.URL+"/", nil)
	req.Header.Set("Cookie", "session="+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if res := rs.next(t); !res.Undecodable || len(res.Migrated) != 0 {
		t.Fatalf("replayed token: %+v", res)
	}
}

// A store that fails (Redis down) leaves everything in place: no 500, the
// old cookie kept, and the migration succeeds once the store is back.
func TestFromSCSStoreDownKeepsTheOldSession(t *testing.T) {
	st := &flaky{Store: memstore.New()}
	sm := scs.New()
	sm.Store = st
	sm.Cookie.Secure = false
	site := newSite(t, oldSCSApp(sm))
	b := newBrowser(t)
	b.get(site.URL + "/login")

	m := newManager(t)
	rs := newResults()
	site.deploy(m.Middleware(migrate.FromSCS(sm, mapping(m, rs.hook))(newApp())))
	st.down = true
	if got := b.get(site.URL + "/"); got != "id=0 name= cart=[]/" {
		t.Fatalf("with the store down: %q", got)
	}
	if res := rs.next(t); res.Err == nil || len(res.Migrated) != 0 {
		t.Fatalf("result %+v", res)
	}
	if _, ok := b.names(site.URL)["session"]; !ok {
		t.Fatal("the old cookie was removed while its store was down")
	}
	st.down = false
	if got := b.get(site.URL + "/"); got != "id=42 name=Ann cart=[7 9]/a b,c;d" {
		t.Fatalf("store back: %q", got)
	}
	if res := rs.next(t); res.Err != nil || len(res.Migrated) != 3 {
		t.Fatalf("result %+v", res)
	}
}

// flaky is an scs store that can be made to fail.
type flaky struct {
	scs.Store
	down bool
}

var errDown = errors.New("store down")

func (f *flaky) Find(token string) ([]byte, bool, error) {
	if f.down {
		return nil, false, errDown
	}
	return f.Store.Find(token)
}

func (f *flaky) Delete(token string) error {
	if f.down {
		return errDown
	}
	return f.Store.Delete(token)
}

func (f *flaky) Commit(token string, b []byte, expiry time.Time) error {
	return f.Store.Commit(token, b, expiry)
}
