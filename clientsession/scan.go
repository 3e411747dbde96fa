// scan.go holds the Cookie header scanner.

package clientsession

import "strings"

// scanCookies calls fn(name, key, value) for each cookie in the Cookie header
// lines whose name starts with prefix, in order, without allocating.
// Pairs are split at ";" and trimmed of spaces and tabs; a pair without "="
// is skipped, as browsers do. It stops after max pairs of any name and
// reports whether pairs were left unread.
func scanCookies(lines []string, prefix string, max int, fn func(name, key, value string)) (more bool) {
	n := 0
	for _, line := range lines {
		for len(line) > 0 {
			var part string
			if i := strings.IndexByte(line, ';'); i >= 0 {
				part, line = line[:i], line[i+1:]
			} else {
				part, line = line, ""
			}
			part = trimSpace(part)
			eq := strings.IndexByte(part, '=')
			if eq < 0 {
				continue
			}
			if n == max {
				return true
			}
			n++
			name := trimSpace(part[:eq])
			if len(name) > len(prefix) && name[:len(prefix)] == prefix {
				fn(name, name[len(prefix):], trimSpace(part[eq+1:]))
			}
		}
	}
	return false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
