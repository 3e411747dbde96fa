package clientsession

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
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
	return dst, dst[start:len(dst):len(dst)], nil
}

// appendPublic appends the Public encoding of the JSON text js.
func appendPublic(dst, js []byte) []byte { return appendPct(dst, js) }

const (
	signedMarker = "s1."
	macLen       = 43 // base64url of 32 bytes, no padding
)

// appendSigned appends "s1.<exp>.<mac>.<pct-json>" (FORMAT.md §3).
func appendSigned(dst []byte, k *key, name string, exp int64, js []byte) []byte {
	dst = append(dst, signedMarker...)
	dst = strconv.AppendInt(dst, exp, 10)
	dst = append(dst, '.')
	dst = k.appendMAC(dst, name, dst[len(signedMarker):len(dst)-1], js)
	dst = append(dst, '.')
	return appendPct(dst, js)
}

// openSigned verifies a Signed value and returns its JSON, its expiry and
// the index of the key that verified it.
func openSigned(dst []byte, ks []*key, name, v string, now int64) (_, js []byte, exp int64, ki int, err error) {
	v, err = unquote(v)
	if err != nil {
		return dst, nil, 0, 0, err
	}
	if len(v) < len(signedMarker) || v[:len(signedMarker)] != signedMarker {
		return dst, nil, 0, 0, errSignedForm
	}
	rest := v[len(signedMarker):]
	dot := strings.IndexByte(rest, '.')
	if dot < 1 || dot > 19 || len(rest) < dot+1+macLen+1 || rest[dot+1+macLen] != '.' {
		return dst, nil, 0, 0, errSignedForm
	}
	expText, mac, payload := rest[:dot], rest[dot+1:dot+1+macLen], rest[dot+2+macLen:]
	exp, ok := parseExpiry(expText)
	if !ok {
		return dst, nil, 0, 0, errSignedForm
	}
	// The JSON is not re-validated: only the holder of a key can produce a
	// value that verifies, and Get's json.Unmarshal checks it anyway.
	start := len(dst)
	dst, err = appendUnescape(dst, payload)
	if err != nil {
		return dst, nil, 0, 0, err
	}
	js = dst[start:len(dst):len(dst)]
	for i, k := range ks {
		if k.verifyMAC(mac, name, expText, js) {
			if exp <= now {
				return dst[:start], nil, 0, 0, errExpired
			}
			return dst, js, exp, i, nil
		}
	}
	return dst[:start], nil, 0, 0, errMAC
}

// parseExpiry parses 1 to 19 decimal digits without a leading zero.
func parseExpiry(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

const (
	sealVersion  = 0x01
	keyIDLen     = 4
	nonceLen     = 24 // XChaCha20-Poly1305
	tagLen       = 16
	sealOverhead = 1 + keyIDLen + nonceLen + 8 + tagLen
)

var b64 = base64.RawURLEncoding

// appendPrivate appends the base64url seal of exp||js (FORMAT.md §4).
func appendPrivate(dst []byte, k *key, name string, exp int64, js []byte) []byte {
	raw := make([]byte, 1+keyIDLen+nonceLen, sealOverhead+len(js))
	raw[0] = sealVersion
	copy(raw[1:], k.id[:])
	nonce := raw[1+keyIDLen:]
	rand.Read(nonce) // never fails (crypto/rand, Go 1.24+)
	pt := binary.BigEndian.AppendUint64(raw[len(raw):], uint64(exp))
	pt = append(pt, js...)
	sealed := k.aead.Seal(raw, nonce, pt, appendAD(nil, name))
	return b64.AppendEncode(dst, sealed)
}

// appendAD appends the associated data that binds a seal to its cookie name.
func appendAD(dst []byte, name string) []byte {
	dst = append(dst, adLabel...)
	dst = append(dst, 0)
	return append(dst, name...)
}

// openPrivate opens a Private value with the key whose id it names.
func openPrivate(dst []byte, ks []*key, name, v string, now int64) (_, js []byte, exp int64, ki int, err error) {
	v, err = unquote(v)
	if err != nil {
		return dst, nil, 0, 0, err
	}
	if len(v) < b64.EncodedLen(sealOverhead) {
		return dst, nil, 0, 0, errSealForm
	}
	start := len(dst)
	dst, err = b64.AppendDecode(dst, []byte(v))
	if err != nil || dst[start] != sealVersion {
		return dst[:start], nil, 0, 0, errSealForm
	}
	raw := dst[start:]
	ki = -1
	for i, k := range ks {
		if string(raw[1:1+keyIDLen]) == string(k.id[:]) {
			ki = i
			break
		}
	}
	if ki < 0 {
		return dst[:start], nil, 0, 0, errUnknownKey
	}
	nonce := raw[1+keyIDLen : 1+keyIDLen+nonceLen]
	ct := raw[1+keyIDLen+nonceLen:]
	dst = appendAD(dst, name)
	ad := dst[start+len(raw):]
	pt, err := ks[ki].aead.Open(ct[:0], nonce, ct, ad)
	if err != nil {
		return dst[:start], nil, 0, 0, errOpen
	}
	exp = int64(binary.BigEndian.Uint64(pt))
	if exp <= now {
		return dst[:start], nil, 0, 0, errExpired
	}
	// Authenticated, so the JSON is what a key holder sealed; Get's
	// json.Unmarshal still checks it.
	return dst, pt[8:len(pt):len(pt)], exp, ki, nil
}
