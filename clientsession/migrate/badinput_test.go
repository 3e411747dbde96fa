// badinput_test.go is the bad-input matrix for the old cookie: whatever it
// holds, the request succeeds, nothing bad migrates, and the old cookie is
// removed.
package migrate_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/clientsession/migrate"
)

// gorillaCookie has gorilla write a session with values into store and
// returns its "name=value".
func gorillaCookie(t *testing.T, store sessions.Store, values map[any]any) string {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	s, _ := store.New(r, "app")
	for k, v := range values {
		s.Values[k] = v
	}
	if err := s.Save(r, w); err != nil {
		t.Fatal(err)
	}
	c := w.Result().Cookies()[0]
	return c.Name + "=" + c.Value
}

// run sends one request with cookie through h and returns the response,
// the body and what OnResult said.
func run(t *testing.T, h http.Handler, rs *results, cookie string) (*http.Response, string, migrate.Result) {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result(), w.Body.String(), rs.next(t)
}

// expires reports whether resp removes the cookie called name.
func expires(resp *http.Response, name string) bool {
	for _, c := range resp.Cookies() {
		if c.Name == name && c.MaxAge < 0 {
			return true
		}
	}
	return false
}

func capture() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func TestGorillaBadOldCookie(t *testing.T) {
	store := sessions.NewCookieStore(oldHashKey)
	valid := gorillaCookie(t, store, map[any]any{"user_id": 42})
	other := gorillaCookie(t, sessions.NewCookieStore([]byte("another-key-0123456789abcdef0123")), map[any]any{"user_id": 1})
	short := sessions.NewCookieStore(oldHashKey)
	short.MaxAge(1)
	expired := gorillaCookie(t, short, map[any]any{"user_id": 42})
	fsDir := t.TempDir()
	fsStore := sessions.NewFilesystemStore(fsDir, oldHashKey)
	fsGone := gorillaCookie(t, fsStore, map[any]any{"user_id": 42})
	removeAll(t, fsDir)
	time.Sleep(2100 * time.Millisecond) // let securecookie's 1 s max age pass

	tamper := func(c string) string { // flip one character of the value
		b := []byte(c)
		i := len(b) - 5
		b[i] ^= 1
		return string(b)
	}
	cases := []struct {
		name, cookie string
		store        sessions.Store
	}{
		{"garbage", "app=not-a-gorilla-cookie", store},
		{"tampered", tamper(valid), store},
		{"wrong key", other, store},
		{"expired", expired, short},
		{"huge", "app=" + strings.Repeat("A", 8000), store},
		{"quotes and commas", `app="a,b;c"`, store},
		{"control bytes", "app=\x01\x02", store},
		{"file gone", fsGone, fsStore},
		{"bad base64", "app=!!!!", store},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t)
			rs := newResults()
			log, buf := capture()
			mp := mapping(m, rs.hook)
			mp.Logger = log
			h := m.Middleware(migrate.FromGorilla(tc.store, "app", mp)(newApp()))
			resp, body, res := run(t, h, rs, tc.cookie)
			if resp.StatusCode != 200 || body != "id=0 name= cart=[]/" {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
			if !res.Undecodable || len(res.Migrated) != 0 || res.Err != nil {
				t.Fatalf("result %+v", res)
			}
			if !expires(resp, "app") {
				t.Fatalf("old cookie not removed: %v", resp.Header.Values("Set-Cookie"))
			}
			if buf.Len() != 0 {
				t.Fatalf("an attacker-controlled cookie was logged: %s", buf)
			}
		})
	}
}

// Values that do not fit are dropped one by one; the rest migrate.
func TestGorillaValuesThatDoNotFit(t *testing.T) {
	store := sessions.NewFilesystemStore(t.TempDir(), oldHashKey)
	store.MaxLength(0) // a site that kept large values
	cookie := gorillaCookie(t, store, map[any]any{
		"user_id": 42,
		"name":    strings.Repeat("x", 5000), // over 4096: dropped
		"cart":    "not a Cart",              // convert fails: dropped
		7:         "non-string key",          // unmapped
	})
	m := newManager(t)
	rs := newResults()
	log, buf := capture()
	mp := mapping(m, rs.hook)
	mp.Logger = log
	h := m.Middleware(migrate.FromGorilla(store, "app", mp)(newApp()))
	resp, body, res := run(t, h, rs, cookie)
	if resp.StatusCode != 200 || body != "id=42 name= cart=[]/" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if strings.Join(res.Migrated, ",") != "_auth_user_id" || res.Unmapped != 1 || len(res.Dropped) != 2 {
		t.Fatalf("result %+v", res)
	}
	reasons := map[string]string{}
	for _, d := range res.Dropped {
		reasons[d.Key] = d.Reason
	}
	if reasons["name"] != "too large" || !strings.HasPrefix(reasons["cart"], "convert: ") {
		t.Fatalf("dropped %+v", res.Dropped)
	}
	logs := buf.String()
	if !strings.Contains(logs, "key=name") || !strings.Contains(logs, "key=cart") || strings.Contains(logs, "xxxx") {
		t.Fatalf("the log must name each dropped key and never its value:\n%s", logs)
	}
	if !expires(resp, "app") {
		t.Fatal("old cookie not removed")
	}
}

func TestSCSBadOldCookie(t *testing.T) {
	ms := memstore.New()
	sm := scs.New()
	sm.Store = ms
	enc := func(deadline time.Time, v map[string]any) []byte {
		b, err := sm.Codec.Encode(deadline, v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	later := time.Now().Add(time.Hour)
	ms.Commit("junk", []byte("\x00not gob"), later)
	ms.Commit("past", enc(time.Now().Add(-time.Minute), map[string]any{"user_id": 42}), later)
	cases := map[string]string{
		"unknown token":    "session=0123456789abcdef",
		"undecodable data": "session=junk",
		"deadline passed":  "session=past",
		"huge":             "session=" + strings.Repeat("A", 8000),
		"odd bytes":        "session=%00%zz\"",
	}
	for name, cookie := range cases {
		t.Run(name, func(t *testing.T) {
			m := newManager(t)
			rs := newResults()
			log, buf := capture()
			mp := mapping(m, rs.hook)
			mp.Logger = log
			h := m.Middleware(migrate.FromSCS(sm, mp)(newApp()))
			resp, body, res := run(t, h, rs, cookie)
			if resp.StatusCode != 200 || body != "id=0 name= cart=[]/" {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
			if !res.Undecodable || len(res.Migrated) != 0 || res.Err != nil {
				t.Fatalf("result %+v", res)
			}
			if !expires(resp, "session") {
				t.Fatal("old cookie not removed")
			}
			if buf.Len() != 0 {
				t.Fatalf("logged: %s", buf)
			}
		})
	}
}

// A request that already carries the new keys only removes the old cookie;
// with KeepOld it is left alone entirely (rolling deploys).
func TestAlreadyMigratedAndKeepOld(t *testing.T) {
	store := sessions.NewCookieStore(oldHashKey)
	old := gorillaCookie(t, store, map[any]any{"user_id": 42, "name": "Ann"})
	for _, keep := range []bool{false, true} {
		m := newManager(t)
		rs := newResults()
		mp := mapping(m, rs.hook)
		mp.KeepOld = keep
		h := m.Middleware(migrate.FromGorilla(store, "app", mp)(newApp()))
		resp, body, res := run(t, h, rs, old)
		if body != "id=42 name=Ann cart=[]/" || expires(resp, "app") == keep {
			t.Fatalf("keep=%v first: %q %v", keep, body, resp.Header.Values("Set-Cookie"))
		}
		// The next request carries both the old cookie and the new keys.
		cookie := old
		for _, c := range resp.Cookies() {
			if strings.HasPrefix(c.Name, "session.") {
				cookie += "; " + c.Name + "=" + c.Value
			}
		}
		resp, body, res = run(t, h, rs, cookie)
		if !res.Already || body != "id=42 name=Ann cart=[]/" || expires(resp, "app") == keep {
			t.Fatalf("keep=%v second: %+v %q", keep, res, body)
		}
	}
}

func TestMappingIsCheckedAtConstruction(t *testing.T) {
	m := newManager(t)
	store := sessions.NewCookieStore(oldHashKey)
	for name, mp := range map[string]migrate.Mapping{
		"Private into a Public key":  {Manager: m, Keys: map[string]migrate.Key{"user_id": {To: "uid", Protection: clientsession.Private}}},
		"Protection without Manager": {Keys: map[string]migrate.Key{"user_id": {To: "_uid", Protection: clientsession.Private}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			migrate.FromGorilla(store, "app", mp)
		})
	}
}
