// Package cookieval reads and writes clientsession cookie values the way a
// page script does (clientsession/FORMAT.md §2 and §3), so that simulated
// browsers in the cache benchmark can write the Public "selection" key as
// jsclient would and read the Signed "user" key as the page script would,
// without a browser.
//
// It holds no keys: it never verifies a Signed value's MAC, exactly as a
// page script cannot.
package cookieval

import (
	"errors"
	"strings"
)

// ErrInvalid reports a value that is not a well-formed Public or Signed
// clientsession value.
var ErrInvalid = errors.New("cookieval: invalid cookie value")

// literal reports whether b stays literal in a Public value: A-Z a-z 0-9
// and ! # $ & ' ( ) * + - . / : < = > ? @ [ ] ^ _ ` { | } ~ (FORMAT.md §2).
func literal(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&'()*+-./:<=>?@[]^_`{|}~", b) >= 0
}

// EncodePublic percent-encodes JSON text as js-cookie 3 (and so jsclient)
// writes a Public value: every byte outside the literal set becomes %XX
// with upper-case hex.
func EncodePublic(json []byte) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(json) + len(json)/4)
	for _, c := range json {
		if literal(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// DecodePublic returns the JSON text of a Public value: one pair of
// surrounding double quotes removed, then every %XX decoded ('+' stays a
// plus sign). It returns ErrInvalid for a malformed escape.
func DecodePublic(v string) ([]byte, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i+2 >= len(v) {
			return nil, ErrInvalid
		}
		hi, ok1 := unhex(v[i+1])
		lo, ok2 := unhex(v[i+2])
		if !ok1 || !ok2 {
			return nil, ErrInvalid
		}
		out = append(out, hi<<4|lo)
		i += 2
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// SignedJSON returns the JSON text carried by a Signed value, as a page
// script reads it: everything after the MAC, percent-decoded. Version 2 is
// "s2.<expiry>.<issued>.<seen>.<sid>.<mac>.<pct-json>", version 1
// "s1.<expiry>.<mac>.<pct-json>" (clientsession/FORMAT.md §3). The MAC is
// not checked. Quoted values are invalid, as for the server.
func SignedJSON(v string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(v, "s2."); ok {
		parts := strings.SplitN(rest, ".", 6)
		if len(parts) != 6 || parts[0] == "" || parts[1] == "" || parts[2] == "" || len(parts[3]) != 22 || len(parts[4]) != 43 {
			return nil, ErrInvalid
		}
		return DecodePublic(parts[5])
	}
	rest, ok := strings.CutPrefix(v, "s1.")
	if !ok {
		return nil, ErrInvalid
	}
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) != 3 || parts[0] == "" || len(parts[1]) != 43 {
		return nil, ErrInvalid
	}
	return DecodePublic(parts[2])
}
