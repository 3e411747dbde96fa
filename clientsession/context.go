// context.go holds the context the middleware gives each request: the
// request's own context plus its *Session, without an allocation.

package clientsession

import "context"

// sessionContext is what context.WithValue(parent, ctxKey, s) returns,
// embedded in the Session instead of allocated on its own: Value answers
// ctxKey with the Session and asks the parent for any other key, and
// Deadline, Done and Err are the parent's, so cancellation propagates
// exactly as through WithValue.
type sessionContext struct {
	context.Context
	s *Session
}

// Value implements context.Context.
func (c *sessionContext) Value(key any) any {
	if key == any(ctxKey) {
		return c.s
	}
	return c.Context.Value(key)
}

// String describes the context as context.WithValue's does.
func (c *sessionContext) String() string {
	if s, ok := c.Context.(interface{ String() string }); ok {
		return s.String() + ".WithValue(clientsession.Session)"
	}
	return "context.WithValue(clientsession.Session)"
}
