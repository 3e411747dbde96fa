// webdriver.go is a minimal W3C WebDriver client (https://w3c.github.io/webdriver/):
// JSON commands over HTTP, with the spec's {"value": ...} envelope and
// error object.

package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// wdClient talks to one WebDriver server, such as http://127.0.0.1:port.
type wdClient struct {
	base string
	http *http.Client
}

// WebDriverError is an error response of a WebDriver server.
type WebDriverError struct {
	Method, Path string
	Status       int
	Code         string // the "error" field, such as "no such window"
	Message      string
}

func (e *WebDriverError) Error() string {
	return fmt.Sprintf("webdriver %s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// do sends body (JSON-encoded, unless nil) to path and decodes the
// response's "value" into result, unless result is nil.
func (c *wdClient) do(ctx context.Context, method, path string, body, result any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	hc := c.http
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("webdriver %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("webdriver %s %s: %w", method, path, err)
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("webdriver %s %s: %d, not JSON: %.200q", method, path, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(env.Value, &e)
		return &WebDriverError{Method: method, Path: path, Status: resp.StatusCode, Code: e.Error, Message: e.Message}
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(env.Value, result); err != nil {
		return fmt.Errorf("webdriver %s %s: value %.200s: %w", method, path, env.Value, err)
	}
	return nil
}

// wdSession is one WebDriver session.
type wdSession struct {
	c    *wdClient
	id   string
	caps struct {
		BrowserName    string `json:"browserName"`
		BrowserVersion string `json:"browserVersion"`
	}
}

// newSession starts a session with the given capabilities (the value of
// "alwaysMatch").
func (c *wdClient) newSession(ctx context.Context, alwaysMatch map[string]any) (*wdSession, error) {
	var r struct {
		SessionID    string          `json:"sessionId"`
		Capabilities json.RawMessage `json:"capabilities"`
	}
	err := c.do(ctx, "POST", "/session", map[string]any{
		"capabilities": map[string]any{"alwaysMatch": alwaysMatch},
	}, &r)
	if err != nil {
		return nil, err
	}
	if r.SessionID == "" {
		return nil, fmt.Errorf("webdriver POST /session: no session id")
	}
	s := &wdSession{c: c, id: r.SessionID}
	json.Unmarshal(r.Capabilities, &s.caps)
	return s, nil
}

func (s *wdSession) do(ctx context.Context, method, path string, body, result any) error {
	return s.c.do(ctx, method, "/session/"+s.id+path, body, result)
}

func (s *wdSession) delete(ctx context.Context) error { return s.do(ctx, "DELETE", "", nil, nil) }

func (s *wdSession) navigate(ctx context.Context, url string) error {
	return s.do(ctx, "POST", "/url", map[string]string{"url": url}, nil)
}

// window returns the current window handle.
func (s *wdSession) window(ctx context.Context) (string, error) {
	var h string
	err := s.do(ctx, "GET", "/window", nil, &h)
	return h, err
}

// newWindow opens a tab and returns its handle; the current window stays.
func (s *wdSession) newWindow(ctx context.Context) (string, error) {
	var r struct {
		Handle string `json:"handle"`
	}
	err := s.do(ctx, "POST", "/window/new", map[string]string{"type": "tab"}, &r)
	return r.Handle, err
}

func (s *wdSession) switchTo(ctx context.Context, handle string) error {
	return s.do(ctx, "POST", "/window", map[string]string{"handle": handle}, nil)
}

// execute runs a function body with args and decodes its (awaited) result.
func (s *wdSession) execute(ctx context.Context, body string, args []any, result any) error {
	if args == nil {
		args = []any{}
	}
	return s.do(ctx, "POST", "/execute/sync", map[string]any{"script": body, "args": args}, result)
}

// wdCookie is a cookie as WebDriver serialises it.
type wdCookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Domain   string `json:"domain"`
	Path     string `json:"path"`
	Secure   bool   `json:"secure"`
	HTTPOnly bool   `json:"httpOnly"`
	Expiry   *int64 `json:"expiry"`
	SameSite string `json:"sameSite"`
}

// cookies returns the cookies of the current page's site.
func (s *wdSession) cookies(ctx context.Context) ([]wdCookie, error) {
	var cs []wdCookie
	err := s.do(ctx, "GET", "/cookie", nil, &cs)
	return cs, err
}
