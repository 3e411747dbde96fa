// bidi.go is a minimal WebDriver BiDi client (https://w3c.github.io/webdriver-bidi/):
// commands over one websocket, matched to their replies by id. Events are
// read and dropped; the tests here need none.

package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// bidiConn is one BiDi connection. Its methods may be called concurrently.
type bidiConn struct {
	ws *websocket.Conn

	mu      sync.Mutex
	next    int64
	pending map[int64]chan bidiReply
	err     error // set once the reader stopped
	done    chan struct{}
}

type bidiReply struct {
	result json.RawMessage
	err    error
}

// BiDiError is an error reply to a BiDi command.
type BiDiError struct {
	Method  string
	Code    string // the "error" field, such as "invalid argument"
	Message string
}

func (e *BiDiError) Error() string {
	return fmt.Sprintf("bidi %s: %s: %s", e.Method, e.Code, e.Message)
}

// dialBiDi connects to a BiDi endpoint such as ws://127.0.0.1:port/session.
func dialBiDi(ctx context.Context, url string) (*bidiConn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(64 << 20)
	c := &bidiConn{ws: ws, pending: map[int64]chan bidiReply{}, done: make(chan struct{})}
	go c.read()
	return c, nil
}

// read dispatches replies until the connection fails or closes.
func (c *bidiConn) read() {
	defer close(c.done)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		var m struct {
			Type    string          `json:"type"`
			ID      *int64          `json:"id"`
			Result  json.RawMessage `json:"result"`
			Error   string          `json:"error"`
			Message string          `json:"message"`
		}
		if err := json.Unmarshal(data, &m); err != nil || m.Type == "event" || m.ID == nil {
			continue // events, and messages that are not replies
		}
		c.mu.Lock()
		ch := c.pending[*m.ID]
		delete(c.pending, *m.ID)
		c.mu.Unlock()
		if ch == nil {
			continue
		}
		if m.Type == "error" {
			ch <- bidiReply{err: &BiDiError{Code: m.Error, Message: m.Message}}
		} else {
			ch <- bidiReply{result: m.Result}
		}
	}
}

// fail ends every pending command with err.
func (c *bidiConn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = fmt.Errorf("bidi connection closed: %w", err)
	}
	for id, ch := range c.pending {
		ch <- bidiReply{err: c.err}
		delete(c.pending, id)
	}
}

// call sends method with params and decodes the reply's result into
// result, unless result is nil.
func (c *bidiConn) call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.next++
	id := c.next
	ch := make(chan bidiReply, 1)
	c.pending[id] = ch
	c.mu.Unlock()

	msg, err := json.Marshal(struct {
		ID     int64  `json:"id"`
		Method string `json:"method"`
		Params any    `json:"params"`
	}{id, method, params})
	if err == nil {
		err = c.ws.Write(ctx, websocket.MessageText, msg)
	}
	if err != nil {
		c.forget(id)
		return fmt.Errorf("bidi %s: %w", method, err)
	}
	select {
	case r := <-ch:
		var be *BiDiError
		if errors.As(r.err, &be) {
			be.Method = method
		}
		if r.err != nil || result == nil {
			return r.err
		}
		if err := json.Unmarshal(r.result, result); err != nil {
			return fmt.Errorf("bidi %s: result %s: %w", method, r.result, err)
		}
		return nil
	case <-ctx.Done():
		c.forget(id)
		return fmt.Errorf("bidi %s: %w", method, ctx.Err())
	}
}

func (c *bidiConn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// close closes the websocket and waits for the reader to stop.
func (c *bidiConn) close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}

// bidiEvalResult is the result of script.evaluate and script.callFunction.
type bidiEvalResult struct {
	Type   string `json:"type"` // "success" or "exception"
	Result struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	} `json:"result"`
	ExceptionDetails struct {
		Text      string `json:"text"`
		Exception struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"exception"`
	} `json:"exceptionDetails"`
}

// evaluate evaluates expr, awaiting a promise, in the browsing context ctxID
// and returns its result, which must be a string.
func (c *bidiConn) evaluate(ctx context.Context, ctxID, expr string) (string, error) {
	var r bidiEvalResult
	err := c.call(ctx, "script.evaluate", map[string]any{
		"expression":      expr,
		"target":          map[string]string{"context": ctxID},
		"awaitPromise":    true,
		"resultOwnership": "none",
	}, &r)
	if err != nil {
		return "", err
	}
	if r.Type == "exception" {
		return "", fmt.Errorf("script exception: %s", r.ExceptionDetails.Text)
	}
	var s string
	if r.Result.Type != "string" || json.Unmarshal(r.Result.Value, &s) != nil {
		return "", fmt.Errorf("script result is a %s, not a string: %s", r.Result.Type, r.Result.Value)
	}
	return s, nil
}
