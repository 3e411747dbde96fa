// data.go holds a Session's entries: the session cookies found in the
// request, decoded on first use, and the change to send for each.

package clientsession

import (
	"log/slog"
	"slices"
)

// entry is one session key: the cookie that came with the request, if
// any, and the change to send, if any.
type entry struct {
	key  string
	name string // cookie name: Prefix + key
	raw  string // cookie value as received ("" when not in the request)
	in   bool   // a cookie came with the request
	used bool   // read in this request: counts toward MaxTotalSize

	state uint8  // of the received value: stUnread, stValid, stInvalid
	js    []byte // decoded JSON (valid received value, or pending Set)
	meta  meta   // of a Signed/Private value: received, or pending Set
	old   bool   // re-seal on commit: older key or version, or idle renewal

	op   uint8  // opNone, opSet, opDelete
	out  string // encoded value to send for opSet
	life int64  // Max-Age of opSet in seconds: 0 for Options.MaxAge, -1 for none
}

const (
	stUnread uint8 = iota
	stValid
	stInvalid
)

const (
	opNone uint8 = iota
	opSet
	opDelete
)

// load scans the request's Cookie headers for session cookies, once.
// Duplicate names: the first wins, as in browsers and js-cookie. The scan
// stops after maxCookies pairs of any name: browsers keep about 180 per
// domain, so a longer header is crafted, and reading it all would let a
// 1 MB flood cost a thousand normal requests. The first session cookie
// found allocates room for firstEntries; a longer session is sized once by
// counting. A request that never touches the session allocates none.
func (s *Session) load() {
	if s.scanned {
		return
	}
	s.scanned = true
	lines := s.req.Header["Cookie"]
	if len(lines) == 0 {
		return
	}
	more := scanCookies(lines, s.m.prefix, maxCookies, func(name, key, val string) {
		if !validName(key) || s.find(key) >= 0 {
			return
		}
		switch {
		case s.entries == nil:
			s.entries = make([]entry, 0, firstEntries)
		case len(s.entries) == firstEntries && cap(s.entries) == firstEntries:
			s.grow(lines)
		}
		s.add(entry{key: key, name: name, raw: val, in: true})
	})
	if more {
		s.invalid("", &FormatError{Cookie: s.m.prefix + "*", Protection: Public, Err: errTooMany})
	}
}

// firstEntries is the room the first session cookie allocates: real
// sessions have a handful of keys.
const firstEntries = 8

// grow moves the entries into a slice sized by
// counting the session cookies in the scanned part of the header (with room for a few
// Sets), so that a long session allocates once.
func (s *Session) grow(lines []string) {
	n := 0
	scanCookies(lines, s.m.prefix, maxCookies, func(_, _, _ string) { n++ })
	s.entries = append(make([]entry, 0, n+4), s.entries...)
}

// indexAt is the session size from which find uses a map: a linear scan is
// faster for real sessions, a map keeps a flood of cookies linear.
const indexAt = 32

func (s *Session) add(e entry) int {
	s.entries = append(s.entries, e)
	i := len(s.entries) - 1
	switch {
	case s.index != nil:
		s.index[e.key] = i
	case len(s.entries) == indexAt:
		s.index = make(map[string]int, max(2*indexAt, cap(s.entries)))
		for j := range s.entries {
			s.index[s.entries[j].key] = j
		}
	}
	return i
}

func (s *Session) find(key string) int {
	if s.index != nil {
		if i, ok := s.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range s.entries {
		if s.entries[i].key == key {
			return i
		}
	}
	return -1
}

// decode reads the received value of e once, telling OnInvalid on failure.
func (s *Session) decode(e *entry) {
	if e.state != stUnread {
		return
	}
	p := s.m.Protection(e.key)
	js, err := s.openEntry(e, p) // bind.go
	if err != nil {
		e.state = stInvalid
		s.invalid(e.key, &FormatError{Cookie: e.name, Protection: p, Err: err})
		return
	}
	e.state, e.js = stValid, js
}

// open decodes, verifies or opens the received value of e.
func (s *Session) open(e *entry, p Protection) (js []byte, m meta, ki int, err error) {
	if s.arena == nil {
		s.arena = s.buf[:0] // the Session is on the heap already: no allocation
	}
	switch {
	case len(e.name)+len(e.raw) > MaxCookieSize:
		err = errOversize // no browser stores it: crafted
	case p == Public:
		// JSON syntax is left to Get's json.Unmarshal, which checks it anyway.
		s.arena, js, err = unescapePublic(s.arena, e.raw)
	case p == Signed:
		s.arena, js, m, ki, err = openSigned(s.arena, s.m.keys, e.name, e.raw, s.m.now().Unix())
	default:
		s.arena, js, m, ki, err = openPrivate(s.arena, s.m.keys, e.name, e.raw, s.m.now().Unix())
	}
	return js, m, ki, err
}

// value returns the JSON of key as this response will leave it, or nil.
func (s *Session) value(key string) []byte {
	i := s.find(key)
	if i < 0 {
		return nil
	}
	e := &s.entries[i]
	switch e.op {
	case opSet:
		return e.js
	case opDelete:
		return nil
	}
	if !e.in {
		return nil
	}
	e.used = true
	s.decode(e)
	return e.js
}

// room reports whether the session's cookies fit Options.MaxTotalSize if
// key took size bytes ("name=value; "), and returns the total counted.
// Only what the application uses counts: pending Sets, and the valid
// received values of keys declared in Options.Protection, of the subject
// key, or read in this request. The other received session cookies
// (unknown keys, invalid values) are junk, planted or left over: when the
// browser's jar would go over the limit with them, room is made by
// deleting them in this response, invalid ones first, with one log line.
func (s *Session) room(key string, size int) (total int, ok bool) {
	total = size
	junk := 0
	for i := range s.entries {
		e := &s.entries[i]
		switch {
		case e.key == key:
		case e.op == opSet:
			total += len(e.name) + len(e.out) + 3
		case e.op == opNone && e.in:
			if s.counts(e) {
				total += len(e.name) + len(e.raw) + 3
			} else {
				junk += len(e.name) + len(e.raw) + 3
			}
		}
	}
	if total > s.m.maxTotal {
		return total, false
	}
	if total+junk > s.m.maxTotal {
		s.dropJunk(key, total+junk-s.m.maxTotal)
	}
	return total, true
}

// counts reports whether the received value of e counts toward the total.
func (s *Session) counts(e *entry) bool {
	if _, declared := s.m.protect[e.key]; !declared && !e.used && e.key != s.m.subjectKey {
		return false
	}
	s.decode(e)
	return e.state == stValid
}

// dropJunk deletes junk cookies (see room) until need bytes are freed:
// invalid values of declared keys first, then unknown keys, largest
// first, so that a few planted large cookies go before a legitimate
// undeclared one (declare in Options.Protection the keys that must stay).
func (s *Session) dropJunk(key string, need int) {
	var junk []int
	for i := range s.entries {
		e := &s.entries[i]
		if e.key != key && e.op == opNone && e.in && !s.counts(e) {
			junk = append(junk, i)
		}
	}
	size := func(i int) int { return len(s.entries[i].name) + len(s.entries[i].raw) + 3 }
	slices.SortStableFunc(junk, func(a, b int) int {
		ia, ib := s.entries[a].state == stInvalid, s.entries[b].state == stInvalid
		if ia != ib {
			if ia {
				return -1
			}
			return 1
		}
		return size(b) - size(a)
	})
	n, freed := 0, 0
	for _, i := range junk {
		if freed >= need {
			break
		}
		freed += size(i)
		s.remove(&s.entries[i])
		n++
	}
	s.junk.count += n
	s.junk.bytes += freed
}

// junkLog counts the junk cookies a response deletes, logged once at commit.
type junkLog struct{ count, bytes int }

func (s *Session) logJunk() {
	if s.junk.count > 0 {
		slog.WarnContext(s.req.Context(), "clientsession: deleted junk session cookies (unknown keys or invalid values) to make room",
			"count", s.junk.count, "bytes", s.junk.bytes, "path", s.req.URL.Path)
	}
}

func (s *Session) remove(e *entry) {
	if e.in {
		e.op, e.js, e.out = opDelete, nil, ""
	} else {
		e.op, e.js, e.out = opNone, nil, "" // never sent: nothing to undo
	}
}

func (s *Session) pending() bool {
	for i := range s.entries {
		if e := &s.entries[i]; e.op != opNone || e.old {
			return true
		}
	}
	return false
}
