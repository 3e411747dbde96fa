// Signed values: the v2 writer and the v1 and v2 readers (FORMAT.md §3).

package clientsession

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// errSpelling: a v1 Signed payload not spelled as the v1 writer spells it.
var errSpelling = errors.New("payload not in its one canonical spelling")

// sidLen is the size of a login's session id (FORMAT.md §5).
const sidLen = 16

// sessionID binds the Signed and Private values of one login together. The
// zero id is "unbound": values written while no subject was logged in.
type sessionID [sidLen]byte

// meta is what a Signed or Private value carries besides its JSON.
type meta struct {
	exp     int64     // absolute expiry, Unix seconds
	issued  int64     // issue time, Unix milliseconds (v1: 0, unknown)
	seen    int64     // last renewal, Unix milliseconds (v1: 0, unknown)
	sid     sessionID // the login it belongs to (v1: zero)
	version uint8     // 1 or 2
}

// b64 is base64url without padding. Readers decode with decodeB64, which
// rejects non-zero spare bits and line breaks, so every byte string has
// one spelling.
var (
	b64  = base64.RawURLEncoding
	b64s = base64.RawURLEncoding.Strict()
)

// decodeB64 appends to dst the bytes that the canonical base64url s
// spells. Go's decoders skip \r and \n even when Strict, which would give a
// value a second spelling, so s must not hold any.
func decodeB64(dst []byte, s string) ([]byte, error) {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return dst, base64.CorruptInputError(i)
	}
	return b64s.AppendDecode(dst, []byte(s))
}

const (
	signedMarker1 = "s1."
	signedMarker2 = "s2."
	macLen        = 43 // base64url of 32 bytes, no padding
	sidText       = 22 // base64url of 16 bytes, no padding
)

// appendSigned appends the v2 value
// "s2.<exp>.<issued>.<seen>.<sid>.<mac>.<pct-json>" (FORMAT.md §3). The
// MAC covers the cookie name and the value's exact bytes, less the MAC.
func appendSigned(dst []byte, k *key, name string, m meta, js []byte) []byte {
	start := len(dst)
	dst = append(dst, signedMarker2...)
	dst = strconv.AppendInt(dst, m.exp, 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, m.issued, 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, m.seen, 10)
	dst = append(dst, '.')
	dst = b64.AppendEncode(dst, m.sid[:])
	headEnd := len(dst)
	dst = append(dst, '.')
	dst = append(dst, make([]byte, macLen)...) // filled in below
	dst = append(dst, '.')
	payload := len(dst)
	dst = appendPct(dst, js)
	st := k.macs.Get().(*macState)
	macV2(k, st, name, dst[start:headEnd], dst[payload:])
	copy(dst[headEnd+1:], st.enc[:])
	k.macs.Put(st)
	return dst
}

// openSigned verifies a Signed value of either version and returns its
// JSON, its meta and the index of the key that verified it.
func openSigned(dst []byte, ks []*key, name, v string, now int64) (_, js []byte, m meta, ki int, err error) {
	switch {
	case strings.HasPrefix(v, signedMarker2):
		return openSigned2(dst, ks, name, v, now)
	case strings.HasPrefix(v, signedMarker1):
		return openSigned1(dst, ks, name, v, now)
	}
	return dst, nil, meta{}, 0, errSignedForm
}

// cutDot splits s at its first '.'.
func cutDot(s string) (before, after string, ok bool) {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func openSigned2(dst []byte, ks []*key, name, v string, now int64) (_, js []byte, m meta, ki int, err error) {
	m.version = 2
	rest := v[len(signedMarker2):]
	expText, rest, ok1 := cutDot(rest)
	issuedText, rest, ok2 := cutDot(rest)
	seenText, rest, ok3 := cutDot(rest)
	if !ok1 || !ok2 || !ok3 || len(rest) < sidText+1+macLen+1 || rest[sidText] != '.' || rest[sidText+1+macLen] != '.' {
		return dst, nil, m, 0, errSignedForm
	}
	sidT, mac, payload := rest[:sidText], rest[sidText+1:sidText+1+macLen], rest[sidText+2+macLen:]
	var okE, okI, okS bool
	m.exp, okE = parseDecimal(expText)
	m.issued, okI = parseDecimal(issuedText)
	m.seen, okS = parseDecimal(seenText)
	if !okE || !okI || !okS {
		return dst, nil, m, 0, errSignedForm
	}
	if sid, err := decodeB64(m.sid[:0], sidT); err != nil || len(sid) != sidLen {
		return dst, nil, m, 0, errSignedForm
	}
	head := v[:len(v)-len(rest)+sidText]
	ki = -1
	for i, k := range ks {
		if verifyV2(k, mac, name, head, payload) {
			ki = i
			break
		}
	}
	if ki < 0 {
		return dst, nil, m, 0, errMAC
	}
	if m.exp <= now {
		return dst, nil, m, 0, errExpired
	}
	// The payload is the writer's exact spelling (it is under the MAC), so
	// it decodes; the JSON is left to Get's json.Unmarshal.
	start := len(dst)
	dst, err = appendUnescape(dst, payload)
	if err != nil {
		return dst, nil, m, 0, err
	}
	return dst, dst[start:len(dst):len(dst)], m, ki, nil
}

// openSigned1 reads a version 1 value "s1.<exp>.<mac>.<pct-json>", whose
// MAC covers the decoded JSON. So that it too has one spelling, the
// payload must be exactly what the v1 writer produced: no quotes, no
// lower-case hex, no optional escapes.
func openSigned1(dst []byte, ks []*key, name, v string, now int64) (_, js []byte, m meta, ki int, err error) {
	m.version = 1
	rest := v[len(signedMarker1):]
	dot := strings.IndexByte(rest, '.')
	if dot < 1 || dot > 19 || len(rest) < dot+1+macLen+1 || rest[dot+1+macLen] != '.' {
		return dst, nil, m, 0, errSignedForm
	}
	expText, mac, payload := rest[:dot], rest[dot+1:dot+1+macLen], rest[dot+2+macLen:]
	exp, ok := parseDecimal(expText)
	if !ok {
		return dst, nil, m, 0, errSignedForm
	}
	m.exp = exp
	start := len(dst)
	dst, err = appendUnescape(dst, payload)
	if err != nil {
		return dst, nil, m, 0, err
	}
	js = dst[start:len(dst):len(dst)]
	if !canonicalPct(payload, js) {
		return dst[:start], nil, m, 0, errSpelling
	}
	for i, k := range ks {
		if k.verifyMAC(mac, name, expText, js) {
			if exp <= now {
				return dst[:start], nil, m, 0, errExpired
			}
			return dst, js, m, i, nil
		}
	}
	return dst[:start], nil, m, 0, errMAC
}

// canonicalPct reports whether p is exactly appendPct(js).
func canonicalPct(p string, js []byte) bool {
	i := 0
	for _, b := range js {
		if literal[b] {
			if i >= len(p) || p[i] != b {
				return false
			}
			i++
			continue
		}
		if i+3 > len(p) || p[i] != '%' || p[i+1] != upperhex[b>>4] || p[i+2] != upperhex[b&15] {
			return false
		}
		i += 3
	}
	return i == len(p)
}

// parseDecimal parses 1 to 19 decimal digits without a leading zero.
func parseDecimal(s string) (int64, bool) {
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
