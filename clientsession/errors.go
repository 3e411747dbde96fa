package clientsession

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors returned by [Session] methods. Compare with [errors.Is].
var (
	// ErrNoSession is returned by every method of a nil *Session, which is
	// what [From] gives when Manager.Middleware is not installed.
	ErrNoSession = errors.New("clientsession: no session in this request (is Manager.Middleware installed?)")

	// ErrHeadersWritten is returned by Set, Delete and Clear once the
	// response headers have been sent: the change could not reach the
	// browser, so it is refused rather than silently lost.
	ErrHeadersWritten = errors.New("clientsession: response headers already written, session change not sent")

	// ErrTooLarge is matched by a [*TooLargeError].
	ErrTooLarge = errors.New("clientsession: cookie too large")

	// ErrInvalidKey is returned for a key outside the documented character
	// set (1 to 64 of A-Z a-z 0-9 _ - .).
	ErrInvalidKey = errors.New("clientsession: invalid session key")
)

// keyError names an invalid key, and where it was given. It matches
// ErrInvalidKey without repeating its "clientsession: " prefix.
type keyError struct{ where, key string }

func (e *keyError) Error() string {
	return "clientsession: " + e.where + "invalid session key " + strconv.Quote(e.key) + ": use 1 to 64 of A-Z a-z 0-9 . _ -"
}

func (e *keyError) Unwrap() error { return ErrInvalidKey }

// TooLargeError reports a Set that would produce a cookie a browser drops
// silently (name + value over 4096 bytes), or a session whose cookies
// together would exceed Options.MaxTotalSize. The value is not stored.
type TooLargeError struct {
	Key   string // session key being set
	Size  int    // bytes it would take: name+value, or the session total
	Limit int    // the limit it would exceed
	Total bool   // the session total, not the single cookie, is over
}

func (e *TooLargeError) Error() string {
	if e.Total {
		return fmt.Sprintf("clientsession: setting %q would make the session %d bytes, over MaxTotalSize %d", e.Key, e.Size, e.Limit)
	}
	return fmt.Sprintf("clientsession: cookie for %q would be %d bytes (name+value), over the %d-byte browser limit", e.Key, e.Size, e.Limit)
}

// Unwrap makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// FormatError describes a session cookie that could not be read: bad
// encoding, bad JSON, a MAC or seal that does not verify, an expired value.
// Such a key reads as absent; the error goes to Options.OnInvalid. It never
// contains the cookie value.
type FormatError struct {
	Cookie     string     // cookie name
	Protection Protection // level the key is configured with
	Err        error      // the reason
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("clientsession: invalid %s cookie %q: %v", e.Protection, e.Cookie, e.Err)
}

// Unwrap returns the reason.
func (e *FormatError) Unwrap() error { return e.Err }

// Reasons wrapped by FormatError.
var (
	errQuoting      = errors.New("byte outside RFC 6265 cookie-octet")
	errEscape       = errors.New("bad percent-escape")
	errUTF8         = errors.New("not valid UTF-8")
	errJSON         = errors.New("not a JSON value")
	errSignedForm   = errors.New("not a v1 signed value")
	errMAC          = errors.New("MAC does not verify under any key")
	errExpired      = errors.New("expired")
	errSealForm     = errors.New("not a v1 sealed value")
	errUnknownKey   = errors.New("unknown key id")
	errOpen         = errors.New("seal does not open")
	errOversize     = errors.New("name+value over 4096 bytes")
	errRevoked      = errors.New("issued before the subject's revocation time")
	errTooMany      = errors.New("over 200 cookies in the request; the rest were ignored")
	errJSONType     = errors.New("JSON does not fit the requested type")
	errHijackedLost = errors.New("connection hijacked with unsent session changes")
)
