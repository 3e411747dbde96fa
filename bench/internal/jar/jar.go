// Package jar is a minimal cookie jar for one simulated user of one site:
// it applies Set-Cookie headers and produces the Cookie header the next
// request sends.
//
// Unlike net/http/cookiejar it ignores Domain, Path and Secure (every
// benchmark talks plain HTTP to a single loopback site), keeps cookies in the
// order they were first set, as browsers do for equal path lengths, and lets
// a test write a cookie the way a page script does with document.cookie.
// A Jar is not safe for concurrent use: give each simulated user its own.
package jar

import (
	"net/http"
	"strings"
	"time"
)

// Jar holds one user's cookies. The zero value is an empty jar.
type Jar struct {
	names  []string
	values map[string]string
	header string // cached Cookie header; valid when !dirty
	dirty  bool
}

// Update applies every Set-Cookie header in h. A cookie with Max-Age < 0,
// or an Expires in the past, is removed. Invalid Set-Cookie lines are ignored,
// as browsers ignore them.
func (j *Jar) Update(h http.Header) { j.UpdateLines(h.Values("Set-Cookie")) }

// UpdateLines applies Set-Cookie header values, in order, as Update does.
func (j *Jar) UpdateLines(lines []string) {
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now()) && c.MaxAge == 0) {
			j.Delete(c.Name)
			continue
		}
		j.Set(c.Name, c.Value)
	}
}

// Set stores name=value as a page script's document.cookie write does.
func (j *Jar) Set(name, value string) {
	if j.values == nil {
		j.values = make(map[string]string)
	}
	if _, ok := j.values[name]; !ok {
		j.names = append(j.names, name)
	}
	j.values[name] = value
	j.dirty = true
}

// Get returns the value of the named cookie and whether the jar has it.
func (j *Jar) Get(name string) (string, bool) {
	v, ok := j.values[name]
	return v, ok
}

// Delete removes the named cookie; it is a no-op for an absent cookie.
func (j *Jar) Delete(name string) {
	if _, ok := j.values[name]; !ok {
		return
	}
	delete(j.values, name)
	for i, n := range j.names {
		if n == name {
			j.names = append(j.names[:i], j.names[i+1:]...)
			break
		}
	}
	j.dirty = true
}

// Len returns the number of cookies in the jar.
func (j *Jar) Len() int { return len(j.names) }

// Header returns the Cookie request header ("a=1; b=2"), or "" for an empty
// jar. It is cached between changes, so replaying it costs nothing.
func (j *Jar) Header() string {
	if !j.dirty {
		return j.header
	}
	var b strings.Builder
	for i, n := range j.names {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(j.values[n])
	}
	j.header, j.dirty = b.String(), false
	return j.header
}

// Apply sets the jar's Cookie header on r, replacing any there; an empty jar
// removes the header.
func (j *Jar) Apply(r *http.Request) {
	if h := j.Header(); h != "" {
		r.Header.Set("Cookie", h)
	} else {
		r.Header.Del("Cookie")
	}
}
