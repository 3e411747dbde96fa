// fast.go holds the fast path of Get for the commonest value types.

package clientsession

import (
	"math"
	"strconv"
	"strings"
)

// fastUnmarshal decodes the commonest session values (a plain ASCII
// string, an integer, a boolean, a flat struct of those) without
// json.Unmarshal, which allocates a decoder state per call. It reports false, leaving v untouched, for
// anything else, including every input on which json.Unmarshal would fail
// or behave differently: the caller then falls back to it.
func fastUnmarshal(js []byte, v any) bool {
	return fastScalar(js, v) || fastStruct(js, v) // faststruct.go
}

// fastScalar is fastUnmarshal for a *string, *int or *bool only. It keeps
// no reference to v, so a value decoded through it can stay on the stack.
func fastScalar(js []byte, v any) bool {
	switch p := v.(type) {
	case *string:
		if len(js) < 2 || js[0] != '"' || js[len(js)-1] != '"' {
			return false
		}
		body := js[1 : len(js)-1]
		for _, c := range body {
			if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
				return false // escapes and non-ASCII: let encoding/json do it
			}
		}
		*p = string(body)
		return true
	case *int:
		n, ok := parseJSONInt(js)
		if ok {
			*p = n
		}
		return ok
	case *bool:
		switch string(js) {
		case "true":
			*p = true
		case "false":
			*p = false
		default:
			return false
		}
		return true
	}
	return false
}

// parseJSONInt parses a JSON integer (no fraction, exponent or leading
// zero) that fits an int of this platform's size: on 32-bit builds a
// larger one is refused, as json.Unmarshal refuses it, instead of
// wrapping around.
func parseJSONInt(js []byte) (int, bool) {
	n, ok := parseJSONInt64(js)
	if !ok || n < math.MinInt || n > math.MaxInt {
		return 0, false
	}
	return int(n), true
}

// parseJSONInt64 parses a JSON integer of at most 18 digits (which always
// fit an int64), with no fraction, exponent or leading zero.
func parseJSONInt64(js []byte) (int64, bool) {
	neg := len(js) > 0 && js[0] == '-'
	if neg {
		js = js[1:]
	}
	if len(js) == 0 || len(js) > 18 || (js[0] == '0' && len(js) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range js {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// fastMarshal encodes the commonest values Set stores (a string of
// printable ASCII other than '"' and '\\', an int, a bool) as marshal's
// encoder would, in one allocation. It reports false for anything else.
func fastMarshal(v any) ([]byte, bool) {
	switch x := v.(type) {
	case string:
		for i := 0; i < len(x); i++ {
			if c := x[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				return nil, false
			}
		}
		b := make([]byte, 0, len(x)+2)
		return append(append(append(b, '"'), x...), '"'), true
	case int:
		return strconv.AppendInt(make([]byte, 0, 20), int64(x), 10), true
	case bool:
		if x {
			return []byte("true"), true
		}
		return []byte("false"), true
	}
	return nil, false
}

// pctString returns the percent-encoding of src (appendPct) as a string,
// in one allocation.
func pctString(src []byte) string {
	var b strings.Builder
	b.Grow(pctLen(src))
	for _, c := range src {
		if literal[c] {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&15])
		}
	}
	return b.String()
}
