// encoding.go holds the Accept-Encoding negotiation between gzip and identity.

package jsclient

import (
	"strconv"
	"strings"
)

// acceptsGzip reports whether a request with these Accept-Encoding field
// values should get the gzip representation (RFC 9110 §12.5.3):
//
//   - no field, or an empty one: identity only;
//   - "gzip" or "x-gzip" with q > 0, or else "*" with q > 0: gzip, unless
//     "identity" is listed with a higher q;
//   - codings are case-insensitive; an element with a malformed q is
//     ignored, as if absent.
//
// Identity is always served when gzip is not chosen, even if the field
// excludes it ("identity;q=0"): a 406 for a 3 KB script helps no one.
func acceptsGzip(values []string) bool {
	gz, star, id := -1, -1, -1 // q in thousandths; -1 when not listed
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(elem, ";")
			q, ok := qvalue(params)
			if !ok {
				continue
			}
			switch c := strings.TrimSpace(coding); {
			case strings.EqualFold(c, "gzip"), strings.EqualFold(c, "x-gzip"):
				gz = max(gz, q)
			case c == "*":
				star = max(star, q)
			case strings.EqualFold(c, "identity"):
				id = max(id, q)
			}
		}
	}
	if gz < 0 {
		gz = star
	}
	return gz > 0 && gz >= id
}

// qvalue returns the weight in thousandths given by the parameters of one
// Accept-Encoding element (" q=0.5"), 1000 when there is none, and false
// when it is malformed: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
func qvalue(params string) (int, bool) {
	q := 1000
	for p := range strings.SplitSeq(params, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue // no other parameters are defined for Accept-Encoding
		}
		val = strings.TrimSpace(val)
		whole, frac, _ := strings.Cut(val, ".")
		if (whole != "0" && whole != "1") || len(frac) > 3 || strings.Trim(frac, "0123456789") != "" {
			return 0, false
		}
		frac += "000"[len(frac):]
		n, _ := strconv.Atoi(whole + frac) // digits only: cannot fail
		if n > 1000 {
			return 0, false
		}
		q = n
	}
	return q, true
}
