// search.go reads the search form and canonicalises it: every search has
// exactly one URL, and a URL that asked for something the site cannot search
// for is sent to the nearest valid search, whose URL says what was dropped.

package main

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fullsession/fullsession/examples/century/demo"
)

// Search is a valid search: zero fields are no filter. After and Before are
// the keyset cursor (at most one is set): the page holds the matches with an
// id above After, or the last ones below Before; neither is the first page.
type Search struct {
	City     string
	Type     string
	MinPrice int64
	MaxPrice int64
	MinRooms int
	After    int64
	Before   int64
	// Notes names the fields of the URL that were dropped or changed to
	// reach this search, in noteFields order. It is part of the URL
	// (note=min,rooms), so the page that explains it is the same for
	// everyone and stays cacheable.
	Notes []string
}

// Limits of the search form.
const (
	maxPrice = 1_000_000_000 // euros
	maxRooms = 10            // the most rooms a generated property has
)

// noteFields are the fields a note can name, in URL order, with what the
// page tells the visitor about each. The text depends on the name only,
// never on what the URL held.
var noteFields = []struct{ name, text string }{
	{"city", "The city is not one we list, so the search covers every city."},
	{"type", "The property type is not one we list, so the search covers every type."},
	{"min", "The minimum price must be a number of euros up to 1,000,000,000; it was dropped or capped."},
	{"max", "The maximum price must be a number of euros up to 1,000,000,000; it was dropped or capped."},
	{"rooms", "Rooms must be a whole number from 1 to 10; it was dropped or capped."},
	{"page", "Results are no longer numbered by page; they start from the first ones."},
	{"after", "The position in the results was not valid, so they start from the first ones."},
	{"before", "The position in the results was not valid, so they start from the first ones."},
}

// noteText returns what the page says about the notes, one sentence each.
func noteText(notes []string) []string {
	var out []string
	for _, f := range noteFields {
		if slices.Contains(notes, f.name) {
			out = append(out, f.text)
		}
	}
	return out
}

// parseSearch returns the nearest valid search to the query q. City and
// type match case-insensitively. A value that cannot be used is dropped and
// a value out of range is capped; both are named in Notes. Empty fields,
// unknown parameters and repeated ones (the first wins) are not noted: they
// change nothing the visitor asked for.
func parseSearch(q url.Values) Search {
	var s Search
	var notes []string
	note := func(name string) { notes = append(notes, name) }
	if v := q.Get("city"); v != "" {
		if c, ok := demo.City(v); ok {
			s.City = c
		} else {
			note("city")
		}
	}
	if v := q.Get("type"); v != "" {
		if t, ok := demo.Type(v); ok {
			s.Type = t
		} else {
			note("type")
		}
	}
	var ok bool
	if s.MinPrice, ok = parseAmount(q.Get("min"), maxPrice); !ok {
		note("min")
	}
	if s.MaxPrice, ok = parseAmount(q.Get("max"), maxPrice); !ok {
		note("max")
	}
	if s.MinPrice > 0 && s.MaxPrice > 0 && s.MinPrice > s.MaxPrice {
		s.MinPrice, s.MaxPrice = s.MaxPrice, s.MinPrice
	}
	var rooms int64
	if rooms, ok = parseAmount(q.Get("rooms"), maxRooms); !ok {
		note("rooms")
	}
	s.MinRooms = int(rooms)
	if q.Get("page") != "" && q.Get("page") != "1" {
		note("page")
	}
	if v := q.Get("after"); v != "" {
		if s.After, ok = parseID(v); !ok {
			note("after")
		}
	}
	if v := q.Get("before"); v != "" {
		if s.Before, ok = parseID(v); !ok || s.After > 0 {
			s.Before = 0
			note("before")
		}
	}
	// Notes the URL already carries stay: the canonical URL of a dropped
	// filter keeps saying so. Unknown names are dropped.
	for _, v := range strings.Split(q.Get("note"), ",") {
		if slices.ContainsFunc(noteFields, func(f struct{ name, text string }) bool { return f.name == v }) {
			note(v)
		}
	}
	for _, f := range noteFields {
		if slices.Contains(notes, f.name) {
			s.Notes = append(s.Notes, f.name)
		}
	}
	return s
}

// parseAmount reads a whole number from 0 to limit: decimal digits, with
// spaces or underscores between them allowed ("250 000"), or a decimal or
// exponent form ("1e6", "2.5e5"), rounded to a whole number. Empty is 0. A
// number above limit is capped at limit. It reports false when it capped
// or could not read the value (then it returns 0).
func parseAmount(v string, limit int64) (int64, bool) {
	v = strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '\u00a0' {
			return -1
		}
		return r
	}, v)
	if v == "" {
		return 0, true
	}
	if strings.ContainsAny(v, "xXpPnNiI") { // hex floats, NaN, Inf
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	switch {
	case err != nil && !isRange(err), math.IsNaN(f), f < 0:
		return 0, false
	case f > float64(limit):
		return limit, false
	}
	return int64(math.Round(f)), true
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// encode is the canonical query string of a search: fixed order, no empty
// or default fields. Every search has exactly one URL, so shared caches keep
// one copy per search rather than one per spelling.
func (q Search) encode() string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	if q.City != "" {
		add("city", q.City)
	}
	if q.Type != "" {
		add("type", q.Type)
	}
	if q.MinPrice > 0 {
		add("min", strconv.FormatInt(q.MinPrice, 10))
	}
	if q.MaxPrice > 0 {
		add("max", strconv.FormatInt(q.MaxPrice, 10))
	}
	if q.MinRooms > 0 {
		add("rooms", strconv.Itoa(q.MinRooms))
	}
	if q.After > 0 {
		add("after", strconv.FormatInt(q.After, 10))
	}
	if q.Before > 0 {
		add("before", strconv.FormatInt(q.Before, 10))
	}
	if len(q.Notes) > 0 {
		// Not add: the commas stay as they are, and note names need no
		// escaping.
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString("note=" + strings.Join(q.Notes, ","))
	}
	return b.String()
}

// url is the canonical URL of the search.
func (q Search) url() string {
	if e := q.encode(); e != "" {
		return "/?" + e
	}
	return "/"
}

// filters is the search without cursor or notes: its first page.
func (q Search) filters() Search {
	q.After, q.Before, q.Notes = 0, 0, nil
	return q
}
