// The header values of a public response under a Policy, computed once
// per route.

package cachehint

import (
	"strconv"
	"strings"
	"time"
)

// policyHeaders are the header values of a public response under a
// Policy.
type policyHeaders struct {
	cc  string // Cache-Control
	cdn string // CDN-Cache-Control or Surrogate-Control
}

func (p Policy) headers() policyHeaders {
	return policyHeaders{cc: p.cacheControl(), cdn: p.cdnControl()}
}

// seconds formats d for a Cache-Control directive.
func seconds(d time.Duration) string {
	if d < time.Second {
		return "0"
	}
	return strconv.FormatInt(int64(d/time.Second), 10)
}

// cacheControl returns the Cache-Control value of a public response.
// stale-* directives go here only when there is no s-maxage: s-maxage
// implies proxy-revalidate for shared caches (RFC 9111 §5.2.2.10), which
// forbids serving stale.
func (p Policy) cacheControl() string {
	var b strings.Builder
	b.WriteString("public, max-age=")
	b.WriteString(seconds(p.MaxAge))
	if p.SharedMaxAge > 0 {
		b.WriteString(", s-maxage=")
		b.WriteString(seconds(p.SharedMaxAge))
		return b.String()
	}
	p.writeStale(&b)
	return b.String()
}

// cdnControl returns the value of the CDN header (CDN-Cache-Control or
// Surrogate-Control): the shared lifetime and the stale-* windows, which
// a CDN that reads it applies instead of Cache-Control (RFC 9213).
func (p Policy) cdnControl() string {
	var b strings.Builder
	b.WriteString("max-age=")
	if p.SharedMaxAge > 0 {
		b.WriteString(seconds(p.SharedMaxAge))
	} else {
		b.WriteString(seconds(p.MaxAge))
	}
	p.writeStale(&b)
	return b.String()
}

func (p Policy) writeStale(b *strings.Builder) {
	if p.StaleWhileRevalidate >= time.Second {
		b.WriteString(", stale-while-revalidate=")
		b.WriteString(seconds(p.StaleWhileRevalidate))
	}
	if p.StaleIfError >= time.Second {
		b.WriteString(", stale-if-error=")
		b.WriteString(seconds(p.StaleIfError))
	}
}
