// codec.go holds the percent-encoding of Public values and Signed payloads
// (FORMAT.md §2); signed.go and private.go hold the other levels.

package clientsession

import (
	"errors"
	"unicode/utf8"
)

// literal[b] reports whether a writer keeps byte b as is. It is the set
// js-cookie 3 leaves unencoded: encodeURIComponent's unreserved characters
// plus # $ & + / : < = > ? @ [ ] ^ ` { | } (FORMAT.md §2).
var literal = func() (t [256]bool) {
	for b := 'A'; b <= 'Z'; b++ {
		t[b] = true
	}
	for b := 'a'; b <= 'z'; b++ {
		t[b] = true
	}
	for b := '0'; b <= '9'; b++ {
		t[b] = true
	}
	for _, b := range "!#$&'()*+-./:<=>?@[]^_`{|}~" {
		t[b] = true
	}
	return t
}()

// cookieOctet[b] reports whether b may appear in a cookie value (RFC 6265 §4.1.1).
var cookieOctet = func() (t [256]bool) {
	for b := 0x21; b <= 0x7e; b++ {
		t[b] = b != '"' && b != ',' && b != ';' && b != '\\'
	}
	return t
}()

const upperhex = "0123456789ABCDEF"

// pctLen returns the length of the percent-encoding of src.
func pctLen(src []byte) int {
	n := len(src)
	for _, b := range src {
		if !literal[b] {
			n += 2
		}
	}
	return n
}

// appendPct appends the percent-encoding of src (FORMAT.md §2).
func appendPct(dst, src []byte) []byte {
	for _, b := range src {
		if literal[b] {
			dst = append(dst, b)
		} else {
			dst = append(dst, '%', upperhex[b>>4], upperhex[b&15])
		}
	}
	return dst
}

// unquote removes one pair of surrounding double quotes and checks that
// what is left is made of cookie-octets only.
func unquote(v string) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		if !cookieOctet[v[i]] {
			return "", errQuoting
		}
	}
	return v, nil
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

// appendUnescape appends s with %XX escapes (either case) decoded. "+"
// stays "+". The bytes it adds must be valid UTF-8, as decodeURIComponent
// requires.
func appendUnescape(dst []byte, s string) ([]byte, error) {
	start := len(dst)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(s) {
			return dst[:start], errEscape
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return dst[:start], errEscape
		}
		dst = append(dst, hi<<4|lo)
		i += 2
	}
	if !utf8.Valid(dst[start:]) {
		return dst[:start], errUTF8
	}
	return dst, nil
}

// Decoders append what they decode to dst (a per-request arena, so that
// reading several keys costs one allocation) and return the grown dst and
// the JSON text, which aliases it.

// unescapePublic reads a Public cookie value (FORMAT.md §2). It leaves
// the JSON syntax check to the caller's json.Unmarshal.
func unescapePublic(dst []byte, v string) ([]byte, []byte, error) {
	v, err := unquote(v)
	if err != nil {
		return dst, nil, err
	}
	start := len(dst)
	dst, err = appendUnescape(dst, v)
	if err != nil {
		return dst, nil, err
	}
	js := dst[start:len(dst):len(dst)]
	if !shallowJSON(js) {
		return dst[:start], nil, errDepth
	}
	return dst, js, nil
}

// maxJSONDepth bounds the nesting of a Public value's JSON (FORMAT.md §2).
// encoding/json spends tens of nanoseconds per level on its way down, so
// a cookie of 4 KB of "[" would cost hundreds of microseconds per Get; a
// session value needs a few levels.
const maxJSONDepth = 32

// errDepth: a Public value nested deeper than maxJSONDepth.
var errDepth = errors.New("JSON nested deeper than 32 levels")

// shallowJSON reports whether the arrays and objects of js (outside its
// strings) nest at most maxJSONDepth deep. It does not validate js.
func shallowJSON(js []byte) bool {
	depth, inString := 0, false
	for i := 0; i < len(js); i++ {
		c := js[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > maxJSONDepth {
				return false
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return true
}

// appendPublic appends the Public encoding of the JSON text js.
func appendPublic(dst, js []byte) []byte { return appendPct(dst, js) }
