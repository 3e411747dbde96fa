package harness

import "net/http"

// None is the application without any session library: its Middleware
// returns the handler unchanged, Login and SetLang do nothing, and ReadUser
// returns [Fixture]'s user for the anonymous id 0, found, without reading
// the request. It is the baseline the libraries' costs are measured
// against (lib=none in the micro benchmarks, app=none end to end).
type None struct{}

// NoneUID is the user id None's ReadUser returns.
const NoneUID = 0

// Name implements [Store].
func (None) Name() string { return "none" }

// Middleware implements [Store].
func (None) Middleware(next http.Handler) http.Handler { return next }

// Login implements [Store].
func (None) Login(http.ResponseWriter, *http.Request, Session) error { return nil }

// ReadUser implements [Store].
func (None) ReadUser(http.ResponseWriter, *http.Request) (User, int, bool, error) {
	return User{Surname: "Lefèvre", Name: "Amélie"}, NoneUID, true, nil
}

// SetLang implements [Store].
func (None) SetLang(http.ResponseWriter, *http.Request, string) error { return nil }

// Load implements [Store]: it finds nothing.
func (None) Load(http.ResponseWriter, *http.Request) (Session, bool, error) {
	return Session{}, false, nil
}

// Close implements [Store].
func (None) Close() error { return nil }
