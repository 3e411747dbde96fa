// junk_test.go tests that junk session cookies never block a Set (issue
// 18 item 7): only valid keys the application uses count toward
// MaxTotalSize, and junk is deleted when room is needed.
package clientsession_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jarAfter applies rec's Set-Cookie headers to the Cookie header jar, as
// a browser would, and returns the new jar and its session total.
func jarAfter(t *testing.T, jar string, setCookies []string) (string, int) {
	t.Helper()
	kept := map[string]string{}
	var order []string
	for _, p := range strings.Split(jar, "; ") {
		name, v, _ := strings.Cut(p, "=")
		kept[name] = v
		order = append(order, name)
	}
	for _, c := range setCookies {
		pair, attrs, _ := strings.Cut(c, ";")
		name, v, _ := strings.Cut(pair, "=")
		if _, ok := kept[name]; !ok {
			order = append(order, name)
		}
		if strings.Contains(attrs, "Max-Age=0") {
			delete(kept, name)
		} else {
			kept[name] = v
		}
	}
	var parts []string
	total := 0
	for _, n := range order {
		if v, ok := kept[n]; ok {
			parts = append(parts, n+"="+v)
			total += len(n) + len(v) + 3
			delete(kept, n)
		}
	}
	return strings.Join(parts, "; "), total
}

func captureLog(t *testing.T) func() []string {
	var buf bytes.Buffer
	var mu sync.Mutex
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if strings.Contains(l, "junk") {
				out = append(out, l)
			}
		}
		return out
	}
}

func TestJunkCookiesNeverBlockASet(t *testing.T) {
	lines := captureLog(t)
	m, _ := newManager(t, clientsession.Options{})
	// A stuffed jar: 30 unknown keys of about 200 bytes (valid Public
	// JSON), planted from a sibling subdomain, and a forged Signed user.
	var parts []string
	for i := range 30 {
		parts = append(parts, fmt.Sprintf("session.j%d=%%22%s%%22", i, strings.Repeat("x", 190)))
	}
	parts = append(parts, "session.user=s2.forged."+strings.Repeat("f", 300), "session.lang=%22fr%22")
	jar := strings.Join(parts, "; ")
	_, before := jarAfter(t, jar, nil)
	require.Greater(t, before, clientsession.DefaultMaxTotalSize)

	rec := serve(m, jar, func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		_, _, _ = clientsession.Get[string](s, "lang") // read: counts, never junk
		require.NoError(t, s.Set("user", user{Name: "Ann", Surname: "Lee"}), "login")
		require.NoError(t, s.Set("_auth_user_id", 42))
		require.NoError(t, s.Set("selection", []int{1, 2, 3}))
	})
	assert.Equal(t, http.StatusOK, rec.Code)
	after, total := jarAfter(t, jar, rec.Header().Values("Set-Cookie"))
	assert.LessOrEqual(t, total, clientsession.DefaultMaxTotalSize, "the browser's jar fits again")
	assert.Contains(t, after, "session.lang=%22fr%22")
	assert.Contains(t, after, "session._auth_user_id=")
	deleted := 0
	for _, c := range rec.Header().Values("Set-Cookie") {
		if strings.HasPrefix(c, "session.j") && strings.Contains(c, "Max-Age=0") {
			deleted++
		}
	}
	assert.Greater(t, deleted, 0)
	assert.Less(t, deleted, 30, "only as many as room needs")
	got := lines()
	require.Len(t, got, 1, "one log line")
	assert.Contains(t, got[0], fmt.Sprintf("count=%d", deleted))
	assert.NotContains(t, got[0], "xxxx", "values are never logged")

	// With room to spare, unknown keys are left alone.
	rec = serve(m, "session.j1=1; session.j2=2", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, clientsession.From(r).Set("k", 1))
	})
	assert.Equal(t, []string{"session.k=1; Path=/; SameSite=Lax; Max-Age=1209600"}, rec.Header().Values("Set-Cookie"))
}

func TestUsedKeysStillCount(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{Protection: map[string]clientsession.Protection{"notes": clientsession.Public}})
	big := "%22" + strings.Repeat("n", 3000) + "%22"
	cases := map[string]struct {
		jar  string
		read string
	}{
		"declared in Protection": {"session.notes=" + big, ""},
		"read in this request":   {"session.draft=" + big, "draft"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec := serve(m, c.jar, func(w http.ResponseWriter, r *http.Request) {
				s := clientsession.From(r)
				if c.read != "" {
					_, found, _ := clientsession.Get[string](s, c.read)
					require.True(t, found)
				}
				var tl *clientsession.TooLargeError
				require.ErrorAs(t, s.Set("more", strings.Repeat("m", 3200)), &tl)
				assert.True(t, tl.Total)
			})
			assert.Empty(t, rec.Header().Values("Set-Cookie"), "a value in use is never deleted as junk")
		})
	}
}
