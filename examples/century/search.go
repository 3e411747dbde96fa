// search.go reads, canonicalises and encodes the search form: every search
// has exactly one URL.

package main

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/fullsession/fullsession/examples/century/demo"
)

// parseSearch reads the search form. Invalid or unknown values are treated
// as absent, never as an error.
func parseSearch(q url.Values) Search {
	var s Search
	if v, ok := demo.City(q.Get("city")); ok {
		s.City = v
	}
	if v, ok := demo.Type(q.Get("type")); ok {
		s.Type = v
	}
	s.MinPrice = parseAmount(q.Get("min"))
	s.MaxPrice = parseAmount(q.Get("max"))
	if s.MinPrice > 0 && s.MaxPrice > 0 && s.MinPrice > s.MaxPrice {
		s.MinPrice, s.MaxPrice = s.MaxPrice, s.MinPrice
	}
	if n, ok := parseID(q.Get("rooms")); ok && n <= 10 {
		s.MinRooms = int(n)
	}
	if n, ok := parseID(q.Get("page")); ok && n <= 100_000 {
		s.Page = int(n)
	}
	if s.Page == 1 {
		s.Page = 0
	}
	return s
}

// parseAmount reads a price in euros, up to a billion; anything else is 0.
func parseAmount(v string) int64 {
	n, ok := parseID(v)
	if !ok || n > 1_000_000_000 {
		return 0
	}
	return n
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
	if q.Page > 1 {
		add("page", strconv.Itoa(q.Page))
	}
	return b.String()
}

func (q Search) url() string {
	if e := q.encode(); e != "" {
		return "/?" + e
	}
	return "/"
}
