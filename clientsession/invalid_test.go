// invalid_test.go tests the default OnInvalid's bounded logging and that a
// custom hook still sees every invalid cookie.
package clientsession

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// junkRequest serves a request whose Cookie header holds n session
// cookies with bad percent-escapes, through a handler that reads them all.
func junkRequest(t *testing.T, m *Manager, n int) {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf("%sk%d=%%ZZ", m.prefix, i))
	}
	req := httptest.NewRequest("GET", "/junk", nil)
	req.Header.Set("Cookie", strings.Join(parts, "; "))
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := From(r)
		for _, k := range s.Keys() {
			var v any
			found, err := s.Get(k, &v)
			require.NoError(t, err)
			require.False(t, found)
		}
	})).ServeHTTP(httptest.NewRecorder(), req)
}

// logLines captures slog's default logger for the test (not parallel).
func logLines(t *testing.T) func() []map[string]any {
	var mu sync.Mutex
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m))
			out = append(out, m)
		}
		buf.Reset()
		return out
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestDefaultOnInvalidLogsOneLinePerRequestRateLimited(t *testing.T) {
	lines := logLines(t)
	m, err := New(Options{Keys: [][]byte{bytes.Repeat([]byte{0xee}, 32)}})
	require.NoError(t, err)
	clk := &clock{t: time.Now()}
	m.now = clk.now

	junkRequest(t, m, 150)
	got := lines()
	require.Len(t, got, 1, "one line for 150 invalid cookies")
	assert.EqualValues(t, 150, got[0]["count"])
	assert.Equal(t, "k0", got[0]["first_key"])
	assert.NotContains(t, got[0], "suppressed_requests")

	// More requests within the second: no line.
	for range 5 {
		junkRequest(t, m, 20)
	}
	assert.Empty(t, lines(), "rate-limited across requests")

	clk.add(1100 * time.Millisecond)
	junkRequest(t, m, 3)
	got = lines()
	require.Len(t, got, 1)
	assert.EqualValues(t, 3, got[0]["count"])
	assert.EqualValues(t, 5, got[0]["suppressed_requests"])
	assert.EqualValues(t, 100, got[0]["suppressed_cookies"])
	for _, l := range got {
		assert.NotContains(t, fmt.Sprint(l), "%ZZ", "values are never logged")
	}
}

func TestCustomOnInvalidSeesEveryKey(t *testing.T) {
	lines := logLines(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	m, err := New(Options{Keys: [][]byte{bytes.Repeat([]byte{0xee}, 32)},
		OnInvalid: func(_ *http.Request, key string, err error) {
			mu.Lock()
			defer mu.Unlock()
			seen[key] = true
		}})
	require.NoError(t, err)
	junkRequest(t, m, 150)
	junkRequest(t, m, 150)
	assert.Len(t, seen, 150)
	assert.Empty(t, lines(), "a custom hook replaces the default log")
}
