// pending.go holds Session.PendingCookies, the commit point for websocket
// upgraders that write their own 101 response.

package clientsession

import "net/http"

// PendingCookies commits the session now and returns its changes as
// Set-Cookie header lines, for a websocket upgrader that writes its own
// "101 Switching Protocols" response and takes extra headers for it, as
// gorilla/websocket's Upgrade does:
//
//	conn, err := upgrader.Upgrade(w, r, clientsession.From(r).PendingCookies())
//
// After it, Set, Delete, Clear and Renew return ErrHeadersWritten, and the
// hijack that follows reports nothing lost. Upgraders that call
// WriteHeader(101) on the ResponseWriter before they hijack, such as
// coder/websocket's Accept, need nothing: that WriteHeader is the commit
// point, and the cookies go out with the 101. The result is empty when
// nothing changed or the session was already committed, and nil for a nil
// Session.
func (s *Session) PendingCookies() http.Header {
	if s == nil {
		return nil
	}
	h := http.Header{}
	s.commit(h)
	if c := h["Set-Cookie"]; len(c) > 0 {
		return http.Header{"Set-Cookie": c}
	}
	return http.Header{}
}
