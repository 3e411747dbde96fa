package main

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/jsclient"
)

// bodyHas and bodyLacks check a page without printing all of it.
func bodyHas(t *testing.T, body, want string, msg ...any) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Errorf("body lacks %q %v; body starts %q", want, msg, head(body))
	}
}

func bodyLacks(t *testing.T, body, unwanted string, msg ...any) {
	t.Helper()
	if strings.Contains(body, unwanted) {
		t.Errorf("body has %q %v", unwanted, msg)
	}
}

func head(s string) string {
	if i := strings.Index(s, "<main>"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func assertPublic(t *testing.T, w interface{ Header() http.Header }) {
	t.Helper()
	h := w.Header()
	cc := h.Get("Cache-Control")
	assert.Contains(t, cc, "public", "Cache-Control")
	assert.Contains(t, cc, "s-maxage=", "Cache-Control")
	assert.Empty(t, h.Values("Set-Cookie"), "a public response must not set cookies")
	assert.NotContains(t, strings.ToLower(strings.Join(h.Values("Vary"), ",")), "cookie", "Vary")
}

func assertPrivate(t *testing.T, w interface{ Header() http.Header }) {
	t.Helper()
	cc := w.Header().Get("Cache-Control")
	assert.Regexp(t, `private|no-store`, cc, "Cache-Control")
	assert.NotContains(t, cc, "public")
	assert.NotContains(t, cc, "s-maxage")
}

func TestPropertyPage(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	p, err := s.store.Get(context.Background(), 42)
	require.NoError(t, err)

	w := s.get("/properties/42", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	body := w.Body.String()
	bodyHas(t, body, html.EscapeString(euros(p.Price)))
	bodyHas(t, body, html.EscapeString(p.Description))
	bodyHas(t, body, `data-star="42"`, "the star toggle")
	bodyHas(t, body, `action="/selection/toggle"`, "the no-JS fallback form")
	bodyHas(t, body, `id="hello" hidden`, "the neutral placeholder for the name")
	bodyHas(t, body, jsclient.New(s.m, jsclient.Options{}).URL(), "the import map points at the jsclient module")
	assertPublic(t, w)
	assert.Regexp(t, `\bproperty-42\b`, tagHeader(w.Header()), "cache tag")

	// Browsers revalidate (max-age=0) and get a 304 with the same caching.
	etag := w.Header().Get("ETag")
	require.NotEmpty(t, etag)
	nm := s.do("GET", "/properties/42", "", nil, "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, nm.Code)
	assert.Equal(t, w.Header().Get("Cache-Control"), nm.Header().Get("Cache-Control"))
	assert.Zero(t, nm.Body.Len())

	// The handler never reads the session: a logged-in user with a
	// selection gets exactly the same bytes and headers.
	cookies := sessionCookies(t, s.m, map[string]any{
		userKey: userView{Surname: "Le Gall", Name: "Ann"}, authIDKey: 1, selectionKey: []int64{42, 7},
	})
	require.NotEmpty(t, cookies)
	w2 := s.get("/properties/42", cookies)
	require.Equal(t, http.StatusOK, w2.Code)
	assert.True(t, body == w2.Body.String(), "a cached page must not depend on the visitor")
	assert.Equal(t, w.Header(), w2.Header())
	bodyLacks(t, w2.Body.String(), "Ann")
	assertPublic(t, w2)
}

// tagHeader returns the cache tags of a response, whichever header cachehint
// is configured to use.
func tagHeader(h http.Header) string {
	for _, name := range []string{"Xkey", "Surrogate-Key", "Cache-Tag", "Edge-Cache-Tag"} {
		if v := h.Values(name); len(v) > 0 {
			return strings.Join(v, " ")
		}
	}
	return ""
}

func TestPropertyBadIDs(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	for _, id := range []string{"abc", "0", "-1", "+1", "007", "1.5", "1e3", "%20", "99999999999999999999",
		strconv.Itoa(testCount + 1), "42;drop", "%00"} {
		w := s.get("/properties/"+id, "")
		assert.Equal(t, http.StatusNotFound, w.Code, "id %q", id)
		assert.NotContains(t, w.Header().Get("Cache-Control"), "s-maxage=86400", "id %q: a 404 must not be kept a day", id)
	}
	assert.Equal(t, http.StatusNotFound, s.get("/properties/", "").Code)
	assert.Equal(t, http.StatusNotFound, s.get("/properties/1/2", "").Code)
}

func TestPicture(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	w := s.get("/pictures/42.svg", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "image/svg+xml", w.Header().Get("Content-Type"))
	assert.True(t, strings.HasPrefix(w.Body.String(), "<svg"), w.Body.String())
	assert.Equal(t, w.Body.String(), s.get("/pictures/42.svg", "").Body.String(), "deterministic")
	assert.NotEqual(t, w.Body.String(), s.get("/pictures/43.svg", "").Body.String())
	assertPublic(t, w)
	for _, bad := range []string{"/pictures/x.svg", "/pictures/0.svg", "/pictures/999999.svg", "/pictures/42.png"} {
		assert.Equal(t, http.StatusNotFound, s.get(bad, "").Code, bad)
	}
}

var resultID = regexp.MustCompile(`<article class="card">\s*<a href="/properties/(\d+)"`)

func resultIDs(body string) []int64 {
	var ids []int64
	for _, m := range resultID.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

func TestSearch(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	ctx := context.Background()

	w := s.get("/", "")
	require.Equal(t, http.StatusOK, w.Code)
	assertPublic(t, w)
	ids := resultIDs(w.Body.String())
	require.Len(t, ids, pageSize)
	assert.Equal(t, int64(1), ids[0])
	bodyHas(t, w.Body.String(), fmt.Sprintf("%d properties", testCount))
	assert.Regexp(t, `\bproperty-1\b`, tagHeader(w.Header()), "search pages are tagged with what they list")
	bodyHas(t, w.Body.String(), `href="/?after=20"`, "keyset: the next page starts after the last id shown")
	bodyLacks(t, w.Body.String(), `rel="prev"`)

	const filtered = "/?city=Paris&type=apartment&min=200000&max=900000&rooms=2"
	var all []int64
	for next := filtered; next != ""; {
		w = s.get(next, "")
		require.Equal(t, http.StatusOK, w.Code, "%s -> %s", next, w.Header().Get("Location"))
		ids = resultIDs(w.Body.String())
		require.NotEmpty(t, ids, next)
		for _, id := range ids {
			p, err := s.store.Get(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, "Paris", p.City)
			assert.Equal(t, "apartment", p.Type)
			assert.GreaterOrEqual(t, p.Price, int64(200000))
			assert.LessOrEqual(t, p.Price, int64(900000))
			assert.GreaterOrEqual(t, p.Rooms, 2)
		}
		if len(all) > 0 {
			assert.Greater(t, ids[0], all[len(all)-1], "pages follow each other in id order")
			bodyHas(t, w.Body.String(), `href="`+strings.ReplaceAll(filtered, "&", "&amp;")+`"`, "link to the first page")
			bodyHas(t, w.Body.String(), fmt.Sprintf(`rel="prev" href="%s&amp;before=%d"`, strings.ReplaceAll(filtered, "&", "&amp;"), ids[0]))
		}
		all = append(all, ids...)
		next = ""
		if m := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(w.Body.String()); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	require.Greater(t, len(all), pageSize, "the walk crossed pages")
	bodyHas(t, w.Body.String(), strconv.Itoa(len(all))+" properties", "every match was listed once, the total is right")

	// Previous from the second page is the first page's list.
	w = s.get(fmt.Sprintf("%s&before=%d", filtered, all[pageSize]), "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, all[:pageSize], resultIDs(w.Body.String()))
	// Fewer than a page before the cursor: the first page.
	w = s.get(fmt.Sprintf("%s&before=%d", filtered, all[3]), "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, all[:pageSize], resultIDs(w.Body.String()))

	w = s.get("/?rooms=8", "")
	require.Equal(t, http.StatusOK, w.Code)
	bodyHas(t, w.Body.String(), `<option value="8" selected>8+</option>`, "a rooms filter from a URL stays in the form")

	w = s.get("/?city=Paris&min=999999999", "")
	require.Equal(t, http.StatusOK, w.Code)
	bodyHas(t, w.Body.String(), "No property matches")
}

// canonicalCases are URLs that are not the canonical one of their search,
// where the site redirects, and whether the visitor is told that something
// was dropped. Issue 17 asked for each of the first group.
var canonicalCases = []struct{ in, want string }{
	// Cities and types match case-insensitively: nothing is dropped.
	{"/?city=paris", "/?city=Paris"},
	{"/?city=PARIS&type=Apartment", "/?city=Paris&type=apartment"},
	{"/?type=VILLA", "/?type=villa"},
	// Numbers in other spellings, and out of range: capped and noted.
	{"/?min=1e9", "/?min=1000000000"},
	{"/?min=1e10", "/?min=1000000000&note=min"},
	{"/?max=250%20000", "/?max=250000"},
	{"/?rooms=99", "/?rooms=10&note=rooms"},
	{"/?rooms=-2", "/?note=rooms"},
	{"/?rooms=0", "/"},
	// What cannot be used is dropped, the rest kept, the drop noted.
	{"/?city=Z%C3%BCrich&type=loft", "/?type=loft&note=city"},
	{"/?city=%E2%80%AEsiraP", "/?note=city"},
	{"/?city=%3Cscript%3Ealert(1)%3C/script%3E&rooms=2", "/?rooms=2&note=city"},
	{"/?type=%3Cscript%3E", "/?note=type"},
	{"/?city=Atlantis&min=abc&rooms=99&page=-3", "/?rooms=10&note=city,min,rooms,page"},
	{"/?min=%00&max=1e6", "/?max=1000000&note=min"},
	{"/?min=NaN&max=Inf", "/?note=min,max"},
	// Pages: numbers are not used any more, at every size alike.
	{"/?page=2", "/?note=page"},
	{"/?page=5001", "/?note=page"},
	{"/?page=100001", "/?note=page"},
	{"/?page=1&utm_source=x", "/"},
	{"/?after=abc", "/?note=after"},
	{"/?after=0", "/?note=after"},
	{"/?after=20&before=40", "/?after=20&note=before"},
	// Spellings of the same search.
	{"/?city=&type=&min=&max=&rooms=", "/"},
	{"/?rooms=2&city=Lyon", "/?city=Lyon&rooms=2"},
	{"/?min=900000&max=100000", "/?min=100000&max=900000"},
	{"/?city=Paris&city=Lyon", "/?city=Paris"},
	{"/?note=rooms,city", "/?note=city,rooms"},
	{"/?note=bogus", "/"},
}

func TestSearchCanonical(t *testing.T) {
	s := newTestSite(t, siteConfig{Strict: true})
	for _, tc := range canonicalCases {
		t.Run(tc.in, func(t *testing.T) {
			w := s.get(tc.in, "")
			require.Equal(t, http.StatusMovedPermanently, w.Code)
			assert.Equal(t, tc.want, w.Header().Get("Location"))
			assertPublic(t, w)
			w = s.get(tc.want, "")
			require.Equal(t, http.StatusOK, w.Code, "the target is canonical: %s", w.Header().Get("Location"))
			assertPublic(t, w)
			body := w.Body.String()
			bodyLacks(t, body, "<script>alert", "input is never echoed")
			notes := parseSearch(mustQuery(t, tc.want)).Notes
			if len(notes) == 0 {
				bodyLacks(t, body, `class="notice"`)
			}
			for _, text := range noteText(notes) {
				bodyHas(t, body, template.HTMLEscapeString(text), "the visitor is told what was dropped")
			}
		})
	}
}

// TestSearchPastTheEnd: a cursor past the last match is an empty page with
// a way back, the same 200 wherever it points.
func TestSearchPastTheEnd(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	for _, after := range []int64{testCount, testCount + 1, 5001, 100_001, 999_999_999_999} {
		w := s.get(fmt.Sprintf("/?after=%d", after), "")
		require.Equal(t, http.StatusOK, w.Code, after)
		assertPublic(t, w)
		assert.Empty(t, resultIDs(w.Body.String()))
		bodyHas(t, w.Body.String(), "No more properties match")
		bodyHas(t, w.Body.String(), `href="/">« First`)
	}
	w := s.get(fmt.Sprintf("/?after=%d", testCount-5), "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Len(t, resultIDs(w.Body.String()), 5)
	bodyLacks(t, w.Body.String(), `rel="next"`)
}

func mustQuery(t *testing.T, target string) url.Values {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	return u.Query()
}

func TestSelectionPage(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	cases := []struct {
		name    string
		cookie  string
		want    []int64
		notice  bool
		noHello bool
	}{
		{"none", "", nil, false, true},
		{"valid", sessionCookies(t, s.m, map[string]any{selectionKey: []int64{5, 3, 1999}}), []int64{5, 3, 1999}, false, true},
		{"unknown and invalid entries skipped", sessionCookies(t, s.m, map[string]any{
			selectionKey: []any{5, "x", 99999, -1, 3.5, nil, map[string]int{"a": 1}, 5, 3}}), []int64{5, 3}, true, true},
		{"not an array", sessionCookies(t, s.m, map[string]any{selectionKey: map[string]int{"a": 1}}), nil, true, true},
		{"garbage cookie", "session.selection=%7Bnot%20json", nil, false, true},
		// A comma is not a cookie-octet (FORMAT.md §1): raw JSON lists are invalid.
		{"raw JSON cookie", `session.selection=[1,2]`, nil, false, true},
		{"raw JSON cookie without comma", `session.selection=[9]`, []int64{9}, false, true},
		{"quoted cookie", `session.selection="[7]"`, []int64{7}, false, true},
		{"bad percent", "session.selection=%ZZ", nil, false, true},
		{"logged in", sessionCookies(t, s.m, map[string]any{
			selectionKey: []int64{8}, userKey: userView{"Le Gall", "Ann"}, authIDKey: 1}), []int64{8}, false, false},
		// The name alone is no login: _auth_user_id decides (and is what
		// logout revokes).
		{"user without _auth_user_id", sessionCookies(t, s.m, map[string]any{
			selectionKey: []int64{8}, userKey: userView{"Le Gall", "Ann"}}), []int64{8}, false, true},
		{"forged user", "session.user=" + url.PathEscape(`{"surname":"X","name":"Mallory"}`), nil, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := s.get("/selection", c.cookie)
			require.Equal(t, http.StatusOK, w.Code)
			assertPrivate(t, w)
			body := w.Body.String()
			var got []int64
			for _, m := range regexp.MustCompile(`data-selected="(\d+)"`).FindAllStringSubmatch(body, -1) {
				id, _ := strconv.ParseInt(m[1], 10, 64)
				got = append(got, id)
			}
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.notice, strings.Contains(body, `class="notice"`), "notice")
			assert.Equal(t, !c.noHello, strings.Contains(body, "Hello Ann"))
			bodyLacks(t, body, "Mallory")
		})
	}
}

func TestSelectionOversize(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	ids := make([]int64, 500)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	w := s.get("/selection", sessionCookies(t, s.m, map[string]any{selectionKey: ids}))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, maxSelection, strings.Count(w.Body.String(), "data-selected="))
	bodyHas(t, w.Body.String(), "400 entries of your selection could not be shown")
}

func TestLoginLogout(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	j := jar{}

	w := s.get("/login", "")
	require.Equal(t, http.StatusOK, w.Code)
	assertPrivate(t, w)
	bodyHas(t, w.Body.String(), `id="login-form"`)

	w = s.do("POST", "/login", "", url.Values{"username": {"ann"}, "password": {"wrong"}})
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Empty(t, w.Header().Values("Set-Cookie"))
	bodyHas(t, w.Body.String(), "Unknown user or wrong password")

	w = s.do("POST", "/login", "", url.Values{"username": {"chloe"}, "password": {"demo"}, "back": {"/properties/42"}})
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	assert.Equal(t, "/properties/42", w.Header().Get("Location"))
	assert.Contains(t, w.Header().Get("Cache-Control"), "no-store")
	byName := map[string]*http.Cookie{}
	for _, c := range w.Result().Cookies() {
		byName[c.Name] = c
	}
	require.Contains(t, byName, "session.user")
	require.Contains(t, byName, "session._auth_user_id")
	assert.True(t, strings.HasPrefix(byName["session.user"].Value, "s2."), "user is Signed (format v2)")
	assert.False(t, byName["session.user"].HttpOnly, "page scripts read the name")
	assert.True(t, byName["session._auth_user_id"].HttpOnly, "the user id is Private")
	assert.Greater(t, len(byName["session._auth_user_id"].Value), 40, "sealed, not the plain id")
	require.Contains(t, byName, "session.flash")
	assert.Equal(t, "%22Welcome%20back%2C%20Chlo%C3%A9%22", byName["session.flash"].Value, "a Public flash for the page script")
	assert.False(t, byName["session.flash"].HttpOnly)
	assert.Equal(t, int(flashMaxAge/time.Second), byName["session.flash"].MaxAge, "a flash not shown soon goes away")
	j.update(w)
	delete(j, "session.flash") // the page script pops it

	w = s.get("/selection", j.header())
	bodyHas(t, w.Body.String(), "Hello Chloé")
	w = s.get("/login", j.header())
	bodyHas(t, w.Body.String(), "Chloé Dubois-Marchand")

	w = s.do("POST", "/logout", j.header(), url.Values{})
	require.Equal(t, http.StatusSeeOther, w.Code)
	j.update(w)
	assert.Empty(t, j, "logout clears user and _auth_user_id")
	bodyHas(t, s.get("/selection", j.header()).Body.String(), `href="/login"`)

	// An open redirect through "back" is refused.
	w = s.do("POST", "/login", "", url.Values{"username": {"ann"}, "password": {"demo"}, "back": {"//evil.example/x"}})
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/", w.Header().Get("Location"))
}

func TestToggle(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	j := jar{}
	post := func(form url.Values) *httptest.ResponseRecorder {
		w := s.do("POST", "/selection/toggle", j.header(), form)
		j.update(w)
		return w
	}
	w := post(url.Values{"id": {"42"}})
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	assert.Equal(t, "/properties/42", w.Header().Get("Location"))
	assert.Contains(t, w.Header().Get("Cache-Control"), "no-store")
	assert.Equal(t, "[42]", j["session.selection"])
	assert.Equal(t, "%22Added%20to%20your%20selection%22", j["session.flash"])

	w = post(url.Values{"id": {"7"}, "back": {"/?city=Paris&after=20"}})
	assert.Equal(t, "/?city=Paris&after=20", w.Header().Get("Location"))
	assert.Equal(t, "[42%2C7]", j["session.selection"])

	post(url.Values{"id": {"42"}, "back": {"https://evil.example/"}})
	assert.Equal(t, "[7]", j["session.selection"])
	assert.Equal(t, "%22Removed%20from%20your%20selection%22", j["session.flash"])
	post(url.Values{"id": {"7"}})
	assert.NotContains(t, j, "session.selection", "an empty selection deletes the cookie")

	for _, bad := range []url.Values{{}, {"id": {"x"}}, {"id": {"0"}}, {"id": {"99999"}}, {"id": {"1", "2"}, "junk": {"\x00"}}} {
		w := s.do("POST", "/selection/toggle", "", bad)
		if bad.Get("id") == "1" {
			assert.Equal(t, http.StatusSeeOther, w.Code, "first id wins")
			continue
		}
		assert.Equal(t, http.StatusBadRequest, w.Code, "%v", bad)
		assert.Empty(t, w.Header().Values("Set-Cookie"))
	}

	full := make([]int64, maxSelection)
	for i := range full {
		full[i] = int64(i + 1)
	}
	w = s.do("POST", "/selection/toggle", sessionCookies(t, s.m, map[string]any{selectionKey: full}), url.Values{"id": {"500"}})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	bodyHas(t, w.Body.String(), "selection is full")
}

func TestCrossOriginPostRejected(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	for _, path := range []string{"/login", "/logout", "/selection/toggle"} {
		form := url.Values{"username": {"ann"}, "password": {"demo"}, "id": {"42"}}
		w := s.do("POST", path, "", form, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		assert.Equal(t, http.StatusForbidden, w.Code, path)
		assert.Empty(t, w.Header().Values("Set-Cookie"), path)

		// Without Sec-Fetch-Site (older browsers), Origin must match Host.
		r := s.do("POST", path, "", form, "Sec-Fetch-Site", "", "Origin", "http://evil.example")
		assert.Equal(t, http.StatusForbidden, r.Code, path)
	}
	// Same-origin POSTs pass.
	w := s.do("POST", "/login", "", url.Values{"username": {"ann"}, "password": {"demo"}},
		"Origin", "http://example.com")
	assert.Equal(t, http.StatusSeeOther, w.Code)
}

func TestRateLimit(t *testing.T) {
	s := newTestSite(t, siteConfig{LoginLimit: 3, SelectionLimit: 2})
	form := url.Values{"username": {"ann"}, "password": {"nope"}}
	for i := range 3 {
		assert.Equal(t, http.StatusUnauthorized, s.do("POST", "/login", "", form).Code, "attempt %d", i+1)
	}
	w := s.do("POST", "/login", "", form)
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Empty(t, w.Header().Values("Set-Cookie"))
	bodyHas(t, w.Body.String(), "Too many attempts")

	// Another address has its own budget; GET pages are not limited.
	s.remoteIP = "192.0.2.2"
	assert.Equal(t, http.StatusUnauthorized, s.do("POST", "/login", "", form).Code)
	s.remoteIP = "192.0.2.1"
	assert.Equal(t, http.StatusOK, s.get("/login", "").Code)

	toggle := url.Values{"id": {"3"}}
	assert.Equal(t, http.StatusSeeOther, s.do("POST", "/selection/toggle", "", toggle).Code)
	assert.Equal(t, http.StatusSeeOther, s.do("POST", "/selection/toggle", "", toggle).Code)
	assert.Equal(t, http.StatusTooManyRequests, s.do("POST", "/selection/toggle", "", toggle).Code)
}

func TestRateLimitBehindProxy(t *testing.T) {
	s := newTestSite(t, siteConfig{LoginLimit: 1, TrustedProxies: []string{"127.0.0.1/32"}})
	s.remoteIP = "127.0.0.1"
	form := url.Values{"username": {"ann"}, "password": {"nope"}}
	xff := func(ip string) *httptest.ResponseRecorder {
		return s.do("POST", "/login", "", form, "X-Forwarded-For", ip)
	}
	assert.Equal(t, http.StatusUnauthorized, xff("198.51.100.1").Code)
	assert.Equal(t, http.StatusTooManyRequests, xff("198.51.100.1").Code)
	assert.Equal(t, http.StatusUnauthorized, xff("198.51.100.2").Code, "another client behind the proxy")
	// A client cannot pick its key by sending its own X-Forwarded-For: the
	// proxy appends the real address, and that one counts.
	assert.Equal(t, http.StatusTooManyRequests, xff("198.51.100.9, 198.51.100.1").Code)
}

func TestHealthz(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	w := s.get("/healthz", "")
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "ok\n", w.Body.String())
	assert.Contains(t, w.Header().Get("Cache-Control"), "no-store")
}

// TestHealthzWhileDatabaseBusy: with every connection of the pages' pool
// taken (a burst of slow searches), the health check still answers at once.
func TestHealthzWhileDatabaseBusy(t *testing.T) {
	store := freshStore(t, 100)
	s := newTestSite(t, siteConfig{Store: store})
	ctx := context.Background()
	for range 8 { // openDB's SetMaxOpenConns
		c, err := store.db.Conn(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
	}
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- s.get("/healthz", "") }()
	select {
	case w := <-done:
		assert.Equal(t, http.StatusOK, w.Code)
	case <-time.After(10 * time.Second):
		t.Fatal("/healthz waited for the pages' database pool")
	}
}

func TestStaticAndScript(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	for _, path := range []string{"/static/site.css", "/static/century.js", jsclient.New(s.m, jsclient.Options{}).URL()} {
		w := s.get(path, "")
		assert.Equal(t, http.StatusOK, w.Code, path)
		assert.Empty(t, w.Header().Values("Set-Cookie"), path)
		assert.Contains(t, w.Header().Get("Cache-Control"), "public", path)
	}
	assert.Contains(t, s.get("/static/century.js", "").Header().Get("Content-Type"), "javascript")
	assert.Equal(t, http.StatusNotFound, s.get("/static/nope.js", "").Code)
}

func TestNotFoundAndMethod(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	assert.Equal(t, http.StatusNotFound, s.get("/nope", "").Code)
	assert.Equal(t, http.StatusMethodNotAllowed, s.do("DELETE", "/properties/1", "", nil).Code)
	assert.Equal(t, http.StatusMethodNotAllowed, s.do("POST", "/properties/1", "", url.Values{}).Code)
}

// FuzzSearchCanonical checks that the canonical URL of any query string is
// a fixed point: following the redirect never redirects again (no loop),
// and parsing never panics.
func FuzzSearchCanonical(f *testing.F) {
	for _, q := range []string{"", "city=Paris", "city=&type=&min=&max=&rooms=", "rooms=2&city=Lyon&page=3",
		"min=900000&max=100000", "page=0", "city=Paris%00", "min=1e6", "type=villa&type=loft",
		"after=20&before=3", "note=min,city", "note=,,", "min=1e400", "rooms=2.5"} {
		f.Add(q)
	}
	for _, tc := range canonicalCases {
		f.Add(strings.TrimPrefix(tc.in, "/?"))
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		canon := parseSearch(q).encode()
		q2, err := url.ParseQuery(canon)
		if err != nil {
			t.Fatalf("%q: canonical %q does not parse: %v", raw, canon, err)
		}
		if again := parseSearch(q2).encode(); again != canon {
			t.Fatalf("%q: canonical %q re-encodes as %q", raw, canon, again)
		}
	})
}

func TestHead(t *testing.T) {
	s := newTestSite(t, siteConfig{})
	w := s.do("HEAD", "/properties/42", "", nil)
	assert.Equal(t, http.StatusOK, w.Code) // net/http drops the body of a HEAD response
	assertPublic(t, w)
}

// BenchmarkSearchDepth compares the origin's cost of the first page of a
// search with its page 1000 (the 20 studios after the 19,980th; there are
// 19,902 houses, so the "type=house&page=1000" was page 996), on
// the full 100,000 properties. Keyset pagination seeks on the id, so the ratio should
// stay near 1 (target <= 2); it logs page1000/page1.
func BenchmarkSearchDepth(b *testing.B) {
	store, err := OpenStore(context.Background(), filepath.Join(sharedDir, "bench-100k.db"), 100_000, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.Cleanup(func() { store.Close() })
	s := newTestSite(b, siteConfig{Store: store, Log: slog.New(slog.DiscardHandler)})
	// The cursor of page 1000 is the last id of page 999.
	var after int64
	require.NoError(b, store.db.QueryRow(`SELECT id FROM properties WHERE type = 'studio' ORDER BY id LIMIT 1 OFFSET ?`,
		999*pageSize-1).Scan(&after), "at least 1000 pages of studios")
	pages := map[string]string{"page1": "/?type=studio", "page1000": fmt.Sprintf("/?type=studio&after=%d", after)}
	perOp := map[string]float64{}
	for _, name := range []string{"page1", "page1000"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if w := s.get(pages[name], ""); w.Code != http.StatusOK || len(resultIDs(w.Body.String())) != pageSize {
					b.Fatalf("%s: %d", pages[name], w.Code)
				}
			}
			perOp[name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
	}
	if perOp["page1"] > 0 {
		b.Logf("page1000/page1 = %.2f (target <= 2)", perOp["page1000"]/perOp["page1"])
	}
}
