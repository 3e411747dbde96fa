// manager_test.go runs clientsession.Manager with two Revokers, as two
// servers behind a load balancer would, against a real redis-server.

package redisrevoke_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/clientsession/redisrevoke"
)

// server returns a handler like one server of a fleet: /login?id=42 signs
// in user 42, / prints the signed-in user or "anonymous".
func server(t *testing.T, rv clientsession.Revoker) http.Handler {
	t.Helper()
	m, err := clientsession.New(clientsession.Options{
		Keys:    [][]byte{[]byte("a test secret of at least 32 bytes")},
		MaxAge:  time.Hour,
		Revoker: rv,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set(clientsession.DefaultSubjectKey, r.URL.Query().Get("id"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		id, ok, _ := clientsession.Get[string](clientsession.From(r), clientsession.DefaultSubjectKey)
		if !ok {
			id = "anonymous"
		}
		w.Write([]byte(id))
	})
	return m.Middleware(mux)
}

func get(h http.Handler, path, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestWithManager(t *testing.T) {
	s := startRedis(t)
	ra, _ := newRevoker(t, s.Addr(), redisrevoke.Options{MaxAge: time.Hour})
	rb, rbLogs := newRevoker(t, s.Addr(), redisrevoke.Options{MaxAge: time.Hour})
	// clientsession's default OnInvalid logs through slog.Default.
	csLogs := new(logBuf)
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(csLogs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	a, b := server(t, ra), server(t, rb)

	var cookies []string
	for _, c := range get(a, "/login?id=42", "").Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	cookie := strings.Join(cookies, "; ")
	if got := get(b, "/", cookie).Body.String(); got != "42" {
		t.Fatalf("server b before logout: %q, want 42", got)
	}
	// Logout on server a. The revocation is a second after the login, so
	// that the test holds with second-precision issue times too.
	if err := ra.Revoke(ctx, "42", time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "server b rejects the copied cookie", func() bool {
		return get(b, "/", cookie).Body.String() == "anonymous"
	})

	// During an outage the user reads as signed out (fail closed) on every
	// server, and is signed in again when Redis returns.
	before := len(csLogs.lines())
	s.Stop()
	eventually(t, 2*time.Second, "outage seen", func() bool {
		_, err := rb.NotBefore(ctx, "7")
		return err != nil
	})
	var fresh []string // user 7 never logged out
	for _, c := range get(b, "/login?id=7", "").Result().Cookies() {
		fresh = append(fresh, c.Name+"="+c.Value)
	}
	if got := get(b, "/", strings.Join(fresh, "; ")).Body.String(); got != "anonymous" {
		t.Errorf("during the outage a never-revoked user reads as %q, want anonymous (fail closed)", got)
	}
	for range 100 {
		get(b, "/", strings.Join(fresh, "; "))
	}
	if n := len(csLogs.lines()) - before; n != 0 {
		t.Errorf("clientsession logged %d lines for requests during the outage, want 0:\n%s", n, strings.Join(csLogs.lines(), "\n"))
	}
	if n := len(rbLogs.lines()); n != 1 {
		t.Errorf("the Revoker logged %d lines during the outage, want 1:\n%s", n, strings.Join(rbLogs.lines(), "\n"))
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "signed in again after the outage", func() bool {
		return get(b, "/", strings.Join(fresh, "; ")).Body.String() == "7"
	})
}
