// clients_test.go tests the two protocol clients against fake servers: the
// BiDi client's id matching, error replies, events and closed connections,
// and the WebDriver client's envelope and error objects.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeBiDi answers each command through reply, after sending an event.
func fakeBiDi(t *testing.T, reply func(method string, params json.RawMessage) (result any, errCode string)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		var wmu sync.Mutex
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var m struct {
				ID     int64           `json:"id"`
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
			}
			json.Unmarshal(data, &m)
			if m.Method == "test.hangUp" {
				ws.Close(websocket.StatusGoingAway, "bye")
				return
			}
			// Replies go out of order: the slow command answers last.
			go func() {
				if m.Method == "test.slow" {
					time.Sleep(50 * time.Millisecond)
				}
				res, code := reply(m.Method, m.Params)
				var out any = map[string]any{"type": "success", "id": m.ID, "result": res}
				if code != "" {
					out = map[string]any{"type": "error", "id": m.ID, "error": code, "message": "it failed"}
				}
				ev, _ := json.Marshal(map[string]any{"type": "event", "method": "log.entryAdded", "params": map[string]any{}})
				b, _ := json.Marshal(out)
				wmu.Lock()
				defer wmu.Unlock()
				ws.Write(context.Background(), websocket.MessageText, ev)
				ws.Write(context.Background(), websocket.MessageText, b)
			}()
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestBiDiClient(t *testing.T) {
	url := fakeBiDi(t, func(method string, params json.RawMessage) (any, string) {
		switch method {
		case "test.echo", "test.slow":
			return map[string]json.RawMessage{"got": params}, ""
		case "script.evaluate":
			var p struct{ Expression string }
			json.Unmarshal(params, &p)
			if p.Expression == "throw" {
				return map[string]any{"type": "exception", "exceptionDetails": map[string]any{"text": "Error: boom"}}, ""
			}
			if p.Expression == "number" {
				return map[string]any{"type": "success", "result": map[string]any{"type": "number", "value": 1}}, ""
			}
			return map[string]any{"type": "success", "result": map[string]any{"type": "string", "value": `{"a":1}`}}, ""
		}
		return nil, "unknown command"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialBiDi(ctx, url)
	if err != nil {
		t.Fatal(err)
	}

	// Concurrent commands each get their own reply, whatever the order.
	var wg sync.WaitGroup
	for i, m := range []string{"test.slow", "test.echo", "test.echo"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r struct{ Got struct{ N int } }
			if err := c.call(ctx, m, map[string]int{"n": i}, &r); err != nil || r.Got.N != i {
				t.Errorf("%s %d: got %+v, %v", m, i, r, err)
			}
		}()
	}
	wg.Wait()

	err = c.call(ctx, "no.such", nil, nil)
	var be *BiDiError
	if !errors.As(err, &be) || be.Code != "unknown command" || be.Method != "no.such" || be.Message != "it failed" {
		t.Errorf("error reply: %v", err)
	}

	if s, err := c.evaluate(ctx, "ctx", "json"); err != nil || s != `{"a":1}` {
		t.Errorf("evaluate: %q, %v", s, err)
	}
	if _, err := c.evaluate(ctx, "ctx", "throw"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("evaluate of a throw: %v", err)
	}
	if _, err := c.evaluate(ctx, "ctx", "number"); err == nil {
		t.Errorf("evaluate gave a number and no error")
	}

	// A command cut off by its context fails without a reply.
	short, stop := context.WithTimeout(ctx, 10*time.Millisecond)
	defer stop()
	if err := c.call(short, "test.slow", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timed-out command: %v", err)
	}

	// When the server hangs up, pending and later commands fail.
	if err := c.call(ctx, "test.hangUp", nil, nil); err == nil {
		t.Errorf("command on a closed connection succeeded")
	}
	if err := c.call(ctx, "test.echo", nil, nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("command after the hang-up: %v", err)
	}
	c.close()
}

func TestWebDriverClient(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		b, _ := json.Marshal(body)
		got = append(got, r.Method+" "+r.URL.Path+" "+string(b))
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "POST /session":
			w.Write([]byte(`{"value":{"sessionId":"s1","capabilities":{"browserName":"Fake","browserVersion":"1.2"}}}`))
		case "POST /session/s1/execute/sync":
			w.Write([]byte(`{"value":"[1,2]"}`))
		case "GET /session/s1/cookie":
			w.Write([]byte(`{"value":[{"name":"a","value":"b c","path":"/","domain":"127.0.0.1","secure":false,"httpOnly":true,"expiry":1700000000,"sameSite":"Lax"}]}`))
		case "GET /session/s1/window":
			w.WriteHeader(404)
			w.Write([]byte(`{"value":{"error":"no such window","message":"closed","stacktrace":""}}`))
		default:
			w.WriteHeader(500)
			w.Write([]byte(`not json`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c := &wdClient{base: srv.URL}

	s, err := c.newSession(ctx, map[string]any{"browserName": "Fake"})
	if err != nil || s.id != "s1" || s.caps.BrowserName != "Fake" || s.caps.BrowserVersion != "1.2" {
		t.Fatalf("new session: %+v, %v", s, err)
	}
	var out string
	if err := s.execute(ctx, "return 1", nil, &out); err != nil || out != "[1,2]" {
		t.Errorf("execute: %q, %v", out, err)
	}
	cs, err := s.cookies(ctx)
	if err != nil || len(cs) != 1 || cs[0].Value != "b c" || !cs[0].HTTPOnly || *cs[0].Expiry != 1700000000 {
		t.Errorf("cookies: %+v, %v", cs, err)
	}
	_, err = s.window(ctx)
	var we *WebDriverError
	if !errors.As(err, &we) || we.Status != 404 || we.Code != "no such window" || we.Message != "closed" {
		t.Errorf("error response: %v", err)
	}
	if err := s.navigate(ctx, "http://x/"); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("a non-JSON response: %v", err)
	}
	want := []string{
		`POST /session {"capabilities":{"alwaysMatch":{"browserName":"Fake"}}}`,
		`POST /session/s1/execute/sync {"args":[],"script":"return 1"}`,
		`GET /session/s1/cookie null`,
		`GET /session/s1/window null`,
		`POST /session/s1/url {"url":"http://x/"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestWrap(t *testing.T) {
	// The wrapper must keep a body's comments and final line intact.
	w := wrap("return 1 // one")
	if !strings.Contains(w, "return 1 // one\n})()") {
		t.Errorf("wrap: %s", w)
	}
}
