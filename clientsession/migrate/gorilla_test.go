// gorilla_test.go migrates sessions written by gorilla/sessions itself,
// from a CookieStore and from a FilesystemStore, through a real server.
package migrate_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/fullsession/fullsession/clientsession/migrate"
)

// oldGorillaApp is the site before the switch: /login fills the session.
func oldGorillaApp(store sessions.Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.Get(r, "app")
		s.Values["user_id"] = 42
		s.Values["name"] = "Ann"
		s.Values["cart"] = Cart{Items: []int{7, 9}, Note: "a b,c;d"}
		s.Values["theme"] = "dark" // not in the mapping: dropped, counted
		if err := s.Save(r, w); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	return mux
}

var oldHashKey = []byte("old-hash-key-0123456789abcdef012")

// gorillaStores makes each store under test; dir is the FilesystemStore's
// directory ("" for the CookieStore).
func gorillaStores() map[string]func(t *testing.T) (sessions.Store, string) {
	return map[string]func(t *testing.T) (sessions.Store, string){
		"CookieStore": func(*testing.T) (sessions.Store, string) { return sessions.NewCookieStore(oldHashKey), "" },
		"FilesystemStore": func(t *testing.T) (sessions.Store, string) {
			dir := t.TempDir()
			return sessions.NewFilesystemStore(dir, oldHashKey), dir
		},
	}
}

func TestFromGorillaKeepsTheUserLoggedIn(t *testing.T) {
	for name, mk := range gorillaStores() {
		t.Run(name, func(t *testing.T) {
			store, dir := mk(t)
			site := newSite(t, oldGorillaApp(store))
			b := newBrowser(t)
			b.get(site.URL + "/login")
			if _, ok := b.names(site.URL)["app"]; !ok {
				t.Fatal("gorilla did not set its cookie")
			}
			if dir != "" && len(sessionFiles(dir)) != 1 {
				t.Fatalf("want 1 session file, got %v", sessionFiles(dir))
			}

			m := newManager(t)
			rs := newResults()
			site.deploy(m.Middleware(migrate.FromGorilla(store, "app", mapping(m, rs.hook))(newApp())))

			want := "id=42 name=Ann cart=[7 9]/a b,c;d"
			if got := b.get(site.URL + "/"); got != want {
				t.Fatalf("first request after the switch: %q, want %q", got, want)
			}
			res := rs.next(t)
			if strings.Join(res.Migrated, ",") != "_auth_user_id,cart,user" || res.Unmapped != 1 || len(res.Dropped) != 0 {
				t.Fatalf("result %+v", res)
			}
			jar := b.names(site.URL)
			if _, ok := jar["app"]; ok {
				t.Fatal("the old cookie is still in the jar")
			}
			for _, k := range []string{"session._auth_user_id", "session.user", "session.cart"} {
				if _, ok := jar[k]; !ok {
					t.Fatalf("jar lacks %s: %v", k, jar)
				}
			}
			if dir != "" && len(sessionFiles(dir)) != 0 {
				t.Fatalf("the session file is still there: %v", sessionFiles(dir))
			}
			// Later requests see only clientsession cookies, and stay logged in.
			if got := b.get(site.URL + "/"); got != want {
				t.Fatalf("second request: %q", got)
			}
			rs.none(t)
		})
	}
}

// sessionFiles lists the session_<id> files a FilesystemStore wrote in dir.
func sessionFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "session_*"))
	return m
}

// Parallel first requests (a page and its assets) with the same old cookie
// must all see the session and all write it, although the first destroyed
// the FilesystemStore's file.
func TestFromGorillaParallelRequests(t *testing.T) {
	store, _ := gorillaStores()["FilesystemStore"](t)
	site := newSite(t, oldGorillaApp(store))
	b := newBrowser(t)
	b.get(site.URL + "/login")
	var cookie string
	for n, v := range b.names(site.URL) {
		cookie = n + "=" + v
	}
	m := newManager(t)
	site.deploy(m.Middleware(migrate.FromGorilla(store, "app", mapping(m, nil))(newApp())))

	const n = 8
	var wg sync.WaitGroup
	bodies := make([]string, n)
	setCookies := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", site.URL+"/", nil)
			req.Header.Set("Cookie", cookie)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var buf [256]byte
			k, _ := resp.Body.Read(buf[:])
			bodies[i] = string(buf[:k])
			for _, sc := range resp.Header.Values("Set-Cookie") {
				if strings.HasPrefix(sc, "session.") {
					setCookies[i]++
				}
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if bodies[i] != "id=42 name=Ann cart=[7 9]/a b,c;d" || setCookies[i] != 3 {
			t.Errorf("request %d: body %q, %d session cookies set", i, bodies[i], setCookies[i])
		}
	}
}
