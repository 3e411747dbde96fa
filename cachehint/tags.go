// Tag headers: the closed set of TagHeader values, their formats and limits, and ValidTag.

package cachehint

import (
	"net/http"
	"strconv"
	"strings"
)

// TagHeader selects a response header that carries tags (surrogate keys)
// to a cache, which can then purge every response with a given tag. The
// set is closed: Middleware panics on a value not listed here.
type TagHeader uint8

// The tag headers cachehint knows, with the rules each cache documents.
// Tags that break a header's limits are left out of that header (and
// logged); the others still go out.
const (
	// XKey sends xkey, read by the Varnish xkey vmod: tags separated by
	// spaces. Lines are kept under 4 KiB (Varnish's http_resp_hdr_len is
	// 8 KiB) by sending several xkey headers, which the vmod reads all
	// of; a tag longer than 1024 bytes is dropped.
	XKey TagHeader = iota + 1
	// SurrogateKey sends Surrogate-Key, read by Fastly: tags separated by
	// spaces, each at most 1024 bytes, the header at most 16384 bytes.
	SurrogateKey
	// CacheTag sends Cache-Tag, read by Cloudflare: tags separated by
	// commas, each at most 1024 bytes (the longest tag the purge API
	// accepts), the header at most 16 KiB. Cloudflare compares tags
	// case-insensitively.
	CacheTag
	// EdgeCacheTag sends Edge-Cache-Tag, read by Akamai: tags separated
	// by commas, each at most 128 characters, at most 128 tags, in one
	// header (Akamai reads only the first).
	EdgeCacheTag
)

// String returns the header name ("xkey", "Surrogate-Key", "Cache-Tag",
// "Edge-Cache-Tag"), or "TagHeader(n)" for a value outside the set.
func (t TagHeader) String() string {
	if f, ok := t.format(); ok {
		return f.name
	}
	return "TagHeader(" + strconv.Itoa(int(t)) + ")"
}

// tagFormat is the syntax and limits of one tag header.
type tagFormat struct {
	name     string // as usually spelled, for logs
	key      string // canonical header key
	sep      string
	maxTag   int // bytes per tag
	maxTags  int // tags per response; 0: no limit
	maxTotal int // bytes of the whole value; 0: no limit
	maxLine  int // split into several header lines of at most this; 0: one line
}

var tagFormats = [...]tagFormat{
	XKey:         {name: "xkey", key: "Xkey", sep: " ", maxTag: 1024, maxLine: 4096},
	SurrogateKey: {name: "Surrogate-Key", key: "Surrogate-Key", sep: " ", maxTag: 1024, maxTotal: 16384},
	CacheTag:     {name: "Cache-Tag", key: "Cache-Tag", sep: ",", maxTag: 1024, maxTotal: 16 * 1024},
	EdgeCacheTag: {name: "Edge-Cache-Tag", key: "Edge-Cache-Tag", sep: ",", maxTag: 128, maxTags: 128},
}

func (t TagHeader) format() (tagFormat, bool) {
	if t == 0 || int(t) >= len(tagFormats) {
		return tagFormat{}, false
	}
	return tagFormats[t], true
}

// ValidTag reports whether tag may be used with Tag: an RFC 9110 token,
// that is 1 or more of the letters, digits and !#$%&'*+-.^_`|~. Tokens
// contain no spaces, commas or quotes, so they mean the same in every tag
// header, and Akamai accepts exactly these.
func ValidTag(tag string) bool {
	if tag == "" {
		return false
	}
	for i := 0; i < len(tag); i++ {
		if !isTchar(tag[i]) {
			return false
		}
	}
	return true
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// write sets header f.key in h to tags, formatted by f. Tags that break f's
// limits are left out and passed to drop with the reason, which names the
// header.
func (f tagFormat) write(h http.Header, tags []string, drop func(tag, reason string)) {
	name := f.name
	var lines []string
	var line strings.Builder
	total, n := 0, 0
	for _, t := range tags {
		if len(t) > f.maxTag {
			drop(t, name+": longer than "+strconv.Itoa(f.maxTag)+" bytes")
			continue
		}
		if f.maxTags > 0 && n == f.maxTags {
			drop(t, name+": more than "+strconv.Itoa(f.maxTags)+" tags")
			continue
		}
		add := len(t)
		if n > 0 {
			add += len(f.sep)
		}
		if f.maxTotal > 0 && total+add > f.maxTotal {
			drop(t, name+": header longer than "+strconv.Itoa(f.maxTotal)+" bytes")
			continue
		}
		total += add
		n++
		if f.maxLine > 0 && line.Len() > 0 && line.Len()+len(f.sep)+len(t) > f.maxLine {
			lines = append(lines, line.String())
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteString(f.sep)
		}
		line.WriteString(t)
	}
	if line.Len() > 0 {
		lines = append(lines, line.String())
		h[f.key] = lines
	}
}
