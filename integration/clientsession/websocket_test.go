// Package clientsession_test runs clientsession through a real websocket
// upgrade (github.com/coder/websocket): the session's pending cookies go
// out with the 101 response, and nothing is reported lost.
package clientsession_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wsServer serves /ws behind the session middleware: it sets "lang" from
// the query (when given), upgrades, and sends the lang the session held.
// With pending=true the handler passes PendingCookies to the upgrade, as
// an upgrader that writes its own 101 needs.
func wsServer(t *testing.T, pending bool) (*httptest.Server, *syncbuf.Buffer) {
	logs := &syncbuf.Buffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	m, err := clientsession.New(clientsession.Options{
		Keys: [][]byte{bytes.Repeat([]byte{'w'}, 32)}, Insecure: true,
		Protection: map[string]clientsession.Protection{"user": clientsession.Signed},
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		before, _, _ := clientsession.Get[string](s, "lang")
		if l := r.URL.Query().Get("lang"); l != "" {
			assert.NoError(t, s.Set("lang", l))
			assert.NoError(t, s.Set("user", "Ann"))
		}
		if pending {
			h := s.PendingCookies()
			for _, c := range h["Set-Cookie"] {
				w.Header().Add("Set-Cookie", c)
			}
			assert.ErrorIs(t, s.Set("late", 1), clientsession.ErrHeadersWritten, "committed by PendingCookies")
		}
		c, err := websocket.Accept(w, r, nil)
		if !assert.NoError(t, err) {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		user, _, _ := clientsession.Get[string](s, "user") // reads still work after the hijack
		assert.NoError(t, c.Write(ctx, websocket.MessageText, []byte(before+"|"+user)))
		c.Close(websocket.StatusNormalClosure, "")
	})
	srv := httptest.NewServer(m.Middleware(mux))
	t.Cleanup(srv.Close)
	return srv, logs
}

func dial(t *testing.T, srv *httptest.Server, query, cookie string) (msg string, res *http.Response) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws"+query, &websocket.DialOptions{HTTPHeader: h})
	require.NoError(t, err)
	defer c.CloseNow()
	require.Equal(t, http.StatusSwitchingProtocols, res.StatusCode)
	_, b, err := c.Read(ctx)
	require.NoError(t, err)
	return string(b), res
}

func cookiesOf(res *http.Response) string {
	var parts []string
	for _, c := range res.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func TestWebsocketUpgradeCarriesSessionCookies(t *testing.T) {
	for _, pending := range []bool{false, true} {
		name := map[bool]string{false: "WriteHeader(101) commits", true: "PendingCookies"}[pending]
		t.Run(name, func(t *testing.T) {
			srv, logs := wsServer(t, pending)
			msg, res := dial(t, srv, "?lang=fr", "")
			assert.Equal(t, "|Ann", msg)
			names := map[string]int{}
			for _, c := range res.Cookies() {
				names[c.Name]++
			}
			assert.Equal(t, map[string]int{"session.lang": 1, "session.user": 1}, names, "each cookie once, in the 101")

			// The browser sends them back on its next upgrade.
			msg, res = dial(t, srv, "", cookiesOf(res))
			assert.Equal(t, "fr|Ann", msg)
			assert.Empty(t, res.Cookies())
			assert.NotContains(t, logs.String(), "hijacked", "nothing reported lost")
		})
	}
}
