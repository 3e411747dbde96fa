package main

// The soak test (issue 7): the site behind a real varnishd, the real-time
// updater purging at a brisk rate, and many simulated users (Go clients with
// their own cookie jars) browsing, toggling their selections both ways,
// logging in and out, for a fixed time. It asserts no errors, no cross-user
// leaks, no lost selection updates, refused replays after logout and a flat
// heap. CENTURY_SOAK=5m runs the long version (bench/SOAK.md).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/cachehint/varnish"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
	"github.com/fullsession/fullsession/internal/testkit/varnishtest"
	"github.com/fullsession/fullsession/jsclient"

	"github.com/fullsession/fullsession/examples/century/demo"
)

// Soak settings. The short version is what `go test` (and go_test.sh) runs.
const (
	soakShort        = 12 * time.Second // load after the warm-up
	soakUsers        = 16
	soakUpdateRate   = 20  // property changes (and purges) per second
	soakBrowseIDs    = 300 // users visit properties 1..300, so purges hit pages they view
	soakMaxSelection = 30
	// soakHeapBound is how much the live heap may grow between the end of
	// the warm-up and the end of the run. Everything the site keeps is
	// bounded (revocations and rate-limit buckets per user, connection
	// pools, templates), and the measured growth is under 0.1 MiB on a live
	// heap of 1.5 MiB. 8 MiB over the ~94,000 origin requests of the
	// five-minute run catches a leak of ~90 bytes per origin request; the
	// short run under -race (~2,500 origin requests) only catches leaks of
	// a few KiB per request, which is what the long run is for.
	soakHeapBound = 8 << 20
	// soakLoginHold is how long a user stays logged in at least: revocation
	// compares issue times in whole seconds with "<", so a logout in the
	// same second as the login would not void the cookies being replayed.
	soakLoginHold = 1100 * time.Millisecond
)

// soakDuration returns the load time: CENTURY_SOAK (a Go duration such as
// "5m") or the short default.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("CENTURY_SOAK")
	if v == "" {
		return soakShort
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "CENTURY_SOAK must be a duration such as 5m")
	require.Positive(t, d, "CENTURY_SOAK")
	return d
}

func soakUserCount(t *testing.T) int {
	v := os.Getenv("CENTURY_SOAK_USERS")
	if v == "" {
		return soakUsers
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "CENTURY_SOAK_USERS")
	require.Positive(t, n, "CENTURY_SOAK_USERS")
	return n
}

// soakAccount is the account of simulated user i. Names are unique and of
// fixed width, so finding any other "Visitor-NNN" on a page is a leak.
func soakAccount(i int) demoUser {
	return demoUser{
		ID:      int64(1000 + i),
		Login:   fmt.Sprintf("soak%03d", i),
		Surname: fmt.Sprintf("Tester-%03d", i),
		Name:    fmt.Sprintf("Visitor-%03d", i),
	}
}

var soakNames = regexp.MustCompile(`(?:Visitor|Tester)-(\d{3})`)

// encodePublic encodes a JSON text as a Public value (FORMAT.md §2), the
// way jsclient and js-cookie write it in the browser.
func encodePublic(json string) string {
	const literal = "!#$&'()*+-./:<=>?@[]^_`{|}~"
	var b strings.Builder
	for i := 0; i < len(json); i++ {
		c := json[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte(literal, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func selectionJSON(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// TestSoakSelectionEncoding checks that the soak users write the selection
// cookie byte for byte as clientsession does (and so as jsclient does: the
// shared test vectors hold both to FORMAT.md).
func TestSoakSelectionEncoding(t *testing.T) {
	m := testManager(t)
	for _, ids := range [][]int64{{42}, {42, 7}, {1, 22, 333, 1999}} {
		want := sessionCookies(t, m, map[string]any{selectionKey: ids})
		assert.Equal(t, "session.selection="+encodePublic(selectionJSON(ids)), want)
	}
	assert.Equal(t, "%22%20%25%2C%3B%5C%C3%A9!#$&'()*+-./:<=>?@[]^_`{|}~", encodePublic(`" %,;\é!#$&'()*+-./:<=>?@[]^_`+"`{|}~"))
}

// soakStats are the run's counters, shared by every user.
type soakStats struct {
	requests, errors, leaks, lost, mismatches, replays, replaysAccepted atomic.Int64
	logins, logouts, jsToggles, postToggles, selectionChecks            atomic.Int64
	hit, miss, pass                                                     atomic.Int64

	mu      sync.Mutex
	samples []string // the first problems, for the failure message
}

func (s *soakStats) problem(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) < 20 {
		s.samples = append(s.samples, fmt.Sprintf(format, args...))
	}
}

// countingPurger counts the updater's purges (its own counters reset each
// minute).
type countingPurger struct {
	inner      cachehint.Purger
	ok, failed atomic.Int64
}

func (p *countingPurger) Purge(ctx context.Context, tags ...string) error {
	err := p.inner.Purge(ctx, tags...)
	if err != nil {
		p.failed.Add(1)
	} else {
		p.ok.Add(1)
	}
	return err
}

// soakUser is one simulated visitor: a browser without JavaScript engine,
// whose "page script" writes the selection cookie directly in its jar.
type soakUser struct {
	i        int
	acct     demoUser
	base     *url.URL
	client   *http.Client // with the jar
	bare     *http.Client // no jar: replays copied cookies
	jar      *cookiejar.Jar
	xff      string
	rng      *rand.Rand
	st       *soakStats
	scripts  []string // static URLs
	searches []string // canonical search URLs

	loggedIn bool
	loginAt  time.Time
	stolen   string  // Cookie header of the login cookies, copied at login
	want     []int64 // the selection this user wrote, in order
}

// resp is one response, its body read.
type resp struct {
	path   string
	status int
	h      http.Header
	body   string
}

func (u *soakUser) do(c *http.Client, method, path string, form url.Values, cookie string) (resp, bool) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u.base.String()+path, body)
	if err != nil {
		u.st.problem(&u.st.errors, "%s: %v", u.acct.Login, err)
		return resp{}, false
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", u.base.String())
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	// A distinct client address per user, as a proxy chain would give.
	req.Header.Set("X-Forwarded-For", u.xff)
	u.st.requests.Add(1)
	res, err := c.Do(req)
	if err != nil {
		u.st.problem(&u.st.errors, "%s %s %s: %v", u.acct.Login, method, path, err)
		return resp{}, false
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		u.st.problem(&u.st.errors, "%s %s %s: body: %v", u.acct.Login, method, path, err)
		return resp{}, false
	}
	r := resp{path: path, status: res.StatusCode, h: res.Header, body: string(b)}
	u.checkCaching(r)
	return r, true
}

// expect counts an error unless r has the status (and, for redirects, the
// Location) wanted.
func (u *soakUser) expect(r resp, status int, location string) bool {
	if r.status != status || (location != "" && r.h.Get("Location") != location) {
		u.st.problem(&u.st.errors, "%s: %s: status %d Location %q, want %d %q", u.acct.Login, r.path,
			r.status, r.h.Get("Location"), status, location)
		return false
	}
	return true
}

// checkCaching applies the rules every response must follow: a response
// setting a cookie or personalised for one user never comes from or goes
// into the cache, and a cacheable response names nobody.
func (u *soakUser) checkCaching(r resp) {
	xc := r.h.Get("X-Cache")
	switch xc {
	case "HIT":
		u.st.hit.Add(1)
	case "MISS":
		u.st.miss.Add(1)
	case "PASS":
		u.st.pass.Add(1)
	default:
		u.st.problem(&u.st.errors, "%s: %s: X-Cache %q", u.acct.Login, r.path, xc)
	}
	if len(r.h.Values("Set-Cookie")) > 0 {
		age := r.h.Get("Age")
		if xc != "PASS" || len(strings.Fields(r.h.Get("X-Varnish"))) != 1 || (age != "" && age != "0") {
			u.st.problem(&u.st.leaks, "%s: %s: Set-Cookie on a cached response (X-Cache %s, X-Varnish %q, Age %q)",
				u.acct.Login, r.path, xc, r.h.Get("X-Varnish"), age)
		}
	}
	if xc == "HIT" || xc == "MISS" {
		if m := soakNames.FindString(r.body); m != "" || strings.Contains(r.body, "data-selected") {
			u.st.problem(&u.st.leaks, "%s: %s: cacheable response (%s) holds personal data %q", u.acct.Login, r.path, xc, m)
		}
	}
}

// checkNames counts a leak when the page names any user but this one, and
// an error when it does not greet this user as it should.
func (u *soakUser) checkNames(r resp, greeted bool) {
	for _, m := range soakNames.FindAllStringSubmatch(r.body, -1) {
		if n, _ := strconv.Atoi(m[1]); n != u.i {
			u.st.problem(&u.st.leaks, "%s: %s: shows %s", u.acct.Login, r.path, m[0])
			return
		}
	}
	hello := strings.Contains(r.body, `id="hello">Hello `+u.acct.Name+"<")
	if hello != greeted {
		u.st.problem(&u.st.errors, "%s: %s: greeted %v, want %v", u.acct.Login, r.path, hello, greeted)
	}
}

func (u *soakUser) private(r resp) {
	if !strings.Contains(r.h.Get("Cache-Control"), "private") {
		u.st.problem(&u.st.leaks, "%s: %s: personal page with Cache-Control %q", u.acct.Login, r.path, r.h.Get("Cache-Control"))
	}
}

var selectedRE = regexp.MustCompile(`data-selected="(\d+)"`)

// checkSelection fetches /selection and compares it with what this user
// wrote; counter is where a difference is counted.
func (u *soakUser) checkSelection(counter *atomic.Int64) {
	r, ok := u.do(u.client, "GET", "/selection", nil, "")
	if !ok || !u.expect(r, http.StatusOK, "") {
		return
	}
	u.st.selectionChecks.Add(1)
	u.private(r)
	u.checkNames(r, u.loggedIn)
	var got []int64
	for _, m := range selectedRE.FindAllStringSubmatch(r.body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		got = append(got, id)
	}
	if !slices.Equal(got, u.want) {
		u.st.problem(counter, "%s: /selection shows %v, the user wrote %v", u.acct.Login, got, u.want)
	}
}

func (u *soakUser) loginPage() {
	r, ok := u.do(u.client, "GET", "/login", nil, "")
	if !ok || !u.expect(r, http.StatusOK, "") {
		return
	}
	u.private(r)
	if u.loggedIn {
		u.checkNames(r, true)
		if !strings.Contains(r.body, "You are logged in as <b>"+u.acct.Name+" "+u.acct.Surname+"</b>") {
			u.st.problem(&u.st.errors, "%s: /login does not show the login", u.acct.Login)
		}
	} else if strings.Contains(r.body, "You are logged in as") || !strings.Contains(r.body, `id="login-form"`) {
		// Logged out, the page lists the accounts, so only the state is checked.
		u.st.problem(&u.st.leaks, "%s: /login shows a login while logged out", u.acct.Login)
	}
}

func (u *soakUser) login() {
	r, ok := u.do(u.client, "POST", "/login", url.Values{
		"username": {u.acct.Login}, "password": {"demo"}, "back": {"/selection"},
	}, "")
	if !ok || !u.expect(r, http.StatusSeeOther, "/selection") {
		return
	}
	u.st.logins.Add(1)
	u.loggedIn, u.loginAt = true, time.Now()
	// Copy the login cookies, as a thief or another device would.
	var parts []string
	for _, c := range u.jar.Cookies(u.base) {
		if c.Name == "session."+authIDKey || c.Name == "session."+userKey {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	if len(parts) != 2 {
		u.st.problem(&u.st.errors, "%s: login set %d of the 2 login cookies", u.acct.Login, len(parts))
	}
	u.stolen = strings.Join(parts, "; ")
}

func (u *soakUser) logout() {
	r, ok := u.do(u.client, "POST", "/logout", url.Values{}, "")
	if !ok || !u.expect(r, http.StatusSeeOther, "/") {
		return
	}
	u.st.logouts.Add(1)
	u.loggedIn = false
	for _, c := range u.jar.Cookies(u.base) {
		if c.Name == "session."+authIDKey || c.Name == "session."+userKey {
			u.st.problem(&u.st.errors, "%s: %s survived the logout", u.acct.Login, c.Name)
		}
	}
	// The copy taken at login is now worthless.
	r, ok = u.do(u.bare, "GET", "/login", nil, u.stolen)
	if !ok || !u.expect(r, http.StatusOK, "") {
		return
	}
	u.st.replays.Add(1)
	if strings.Contains(r.body, "You are logged in as") || !strings.Contains(r.body, `id="login-form"`) {
		u.st.problem(&u.st.replaysAccepted, "%s: cookies copied before the logout still log in", u.acct.Login)
	}
}

// pickToggle chooses the id to toggle: mostly a removal once the selection
// is large, an addition of an id not in it otherwise.
func (u *soakUser) pickToggle() int64 {
	if len(u.want) > 0 && (len(u.want) >= soakMaxSelection || u.rng.IntN(2) == 0) {
		return u.want[u.rng.IntN(len(u.want))]
	}
	for {
		id := 1 + u.rng.Int64N(soakBrowseIDs)
		if !slices.Contains(u.want, id) {
			return id
		}
	}
}

// toggleJS does what the star's page script does: write the new selection
// in the browser's cookie, with no request.
func (u *soakUser) toggleJS() {
	id := u.pickToggle()
	u.want, _ = toggleSelection(slices.Clone(u.want), id)
	u.jar.SetCookies(u.base, []*http.Cookie{{
		Name: "session." + selectionKey, Value: encodePublic(selectionJSON(u.want)),
		Path: "/", MaxAge: int(sessionMaxAge / time.Second), SameSite: http.SameSiteLaxMode,
	}})
	u.st.jsToggles.Add(1)
}

// togglePOST is the star without JavaScript: the form's POST.
func (u *soakUser) togglePOST() {
	id := u.pickToggle()
	back := "/properties/" + strconv.FormatInt(id, 10)
	r, ok := u.do(u.client, "POST", "/selection/toggle", url.Values{"id": {strconv.FormatInt(id, 10)}, "back": {back}}, "")
	if !ok || !u.expect(r, http.StatusSeeOther, back) {
		return
	}
	u.want, _ = toggleSelection(slices.Clone(u.want), id)
	u.st.postToggles.Add(1)
}

func (u *soakUser) browse(path string, status int, location string) {
	if r, ok := u.do(u.client, "GET", path, nil, ""); ok {
		u.expect(r, status, location)
		if len(r.h.Values("Set-Cookie")) > 0 {
			u.st.problem(&u.st.errors, "%s: %s: a shared page set a cookie", u.acct.Login, path)
		}
	}
}

// step does one random action.
func (u *soakUser) step() {
	switch n := u.rng.IntN(100); {
	case n < 30:
		u.browse("/properties/"+strconv.FormatInt(1+u.rng.Int64N(soakBrowseIDs), 10), http.StatusOK, "")
	case n < 42:
		u.browse(u.searches[u.rng.IntN(len(u.searches))], http.StatusOK, "")
	case n < 44:
		u.browse("/?page=1", http.StatusMovedPermanently, "/") // another spelling of the search
	case n < 48:
		u.browse("/pictures/"+strconv.FormatInt(1+u.rng.Int64N(soakBrowseIDs), 10)+".svg", http.StatusOK, "")
	case n < 50:
		u.browse(u.scripts[u.rng.IntN(len(u.scripts))], http.StatusOK, "")
	case n < 64:
		u.toggleJS()
	case n < 74:
		u.togglePOST()
	case n < 86:
		u.checkSelection(&u.st.mismatches)
	case n < 92:
		u.loginPage()
	default:
		switch {
		case !u.loggedIn:
			u.login()
		case time.Since(u.loginAt) > soakLoginHold:
			u.logout()
		default:
			u.checkSelection(&u.st.mismatches)
		}
	}
}

// memory is what the test process holds once the garbage is gone.
type memory struct {
	heap       uint64 // live Go heap
	rss        uint64 // resident set (includes SQLite's own allocations); 0 if unknown
	goroutines int
}

func measure() memory {
	runtime.GC()
	runtime.GC() // the second also empties the sync.Pools
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{heap: ms.HeapAlloc, rss: rss(), goroutines: runtime.NumGoroutine()}
}

// rss reads VmRSS from /proc (Linux), for the report only: it moves with
// the runtime's and the allocator's own choices, so it is not asserted.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

func TestSoakThroughVarnish(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("skipping the soak test in -short mode")
	}
	load := soakDuration(t)
	nUsers := soakUserCount(t)
	warmup := min(max(load/10, 4*time.Second), 30*time.Second)

	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store := freshStore(t, testCount)
	sessions, revoker := testSessions(t)
	accounts := make([]demoUser, nUsers)
	for i := range accounts {
		accounts[i] = soakAccount(i)
	}
	h, err := newSite(siteConfig{
		Store: store, Sessions: sessions, Revoker: revoker, Users: accounts, Log: log,
		TrustedProxies: []string{"127.0.0.1/32"}, Purging: true,
		// The rate limits have their own tests; here every user logs in
		// and toggles far more often than a person would.
		LoginLimit: 1 << 30, SelectionLimit: 1 << 30,
		Strict: true, // a public route touching the session would be a 500
	})
	require.NoError(t, err)
	origin := httptest.NewServer(h)
	t.Cleanup(origin.Close)
	v := varnishtest.Start(t, varnishtest.Options{VCL: varnish.DefaultVCL, Backend: origin.Listener.Addr().String()})
	base, err := url.Parse(v.URL)
	require.NoError(t, err)

	purger := &countingPurger{inner: &cachehint.VarnishPurger{URL: v.PurgeURL}}
	upd := newUpdater(store, purger, soakUpdateRate, log)
	updCtx, stopUpdater := context.WithCancel(context.Background())
	updDone := make(chan struct{})
	go func() { defer close(updDone); upd.Run(updCtx) }()
	t.Cleanup(func() { stopUpdater(); <-updDone })

	searches := []string{"/", (Search{After: 20}).url(), (Search{MinRooms: 3}).url()}
	for _, c := range demo.Cities()[:4] {
		searches = append(searches, (Search{City: c}).url())
		for _, ty := range demo.Types()[:2] {
			searches = append(searches, (Search{City: c, Type: ty}).url())
		}
	}
	scripts := []string{"/static/site.css", "/static/century.js", jsclient.New(sessions, jsclient.Options{}).URL()}

	st := &soakStats{}
	users := make([]*soakUser, nUsers)
	for i := range users {
		j, err := cookiejar.New(nil)
		require.NoError(t, err)
		tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}
		t.Cleanup(tr.CloseIdleConnections)
		noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		users[i] = &soakUser{
			i: i, acct: accounts[i], base: base, jar: j, st: st,
			client:  &http.Client{Jar: j, Transport: tr, Timeout: 30 * time.Second, CheckRedirect: noRedirect},
			bare:    &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: noRedirect},
			xff:     fmt.Sprintf("198.51.100.%d", 1+i%250),
			rng:     rand.New(rand.NewPCG(uint64(i), 7)),
			scripts: scripts, searches: searches,
		}
	}
	// phase runs every user until the deadline, then waits for them.
	phase := func(d time.Duration) {
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for _, u := range users {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					u.step()
				}
			})
		}
		wg.Wait()
	}

	phase(warmup)
	before := measure()
	reqBefore := st.requests.Load()
	start := time.Now()
	phase(load)
	took := time.Since(start)
	after := measure()
	for _, u := range users {
		u.checkSelection(&st.lost)
	}
	stopUpdater()
	<-updDone

	hits, cacheable := st.hit.Load(), st.hit.Load()+st.miss.Load()
	summary := fmt.Sprintf("soak: %d users, %s warm-up + %s load, %d requests (%d during the load, %.0f/s); "+
		"errors %d, leaks %d, lost updates %d (final) + %d (during), replays accepted %d of %d; "+
		"logins %d, logouts %d, toggles %d in the page + %d by POST, selection checks %d; "+
		"X-Cache HIT %d MISS %d PASS %d (hit ratio %.1f%% of cacheable, %.1f%% of all); "+
		"purges %d (failed %d); heap %.1f MiB -> %.1f MiB (%+.2f MiB); RSS %.0f MiB -> %.0f MiB; goroutines %d -> %d",
		nUsers, warmup, took.Round(time.Millisecond), st.requests.Load(), st.requests.Load()-reqBefore,
		float64(st.requests.Load()-reqBefore)/took.Seconds(),
		st.errors.Load(), st.leaks.Load(), st.lost.Load(), st.mismatches.Load(), st.replaysAccepted.Load(), st.replays.Load(),
		st.logins.Load(), st.logouts.Load(), st.jsToggles.Load(), st.postToggles.Load(), st.selectionChecks.Load(),
		hits, st.miss.Load(), st.pass.Load(), 100*float64(hits)/float64(max(cacheable, 1)),
		100*float64(hits)/float64(max(st.requests.Load(), 1)),
		purger.ok.Load(), purger.failed.Load(),
		mib(before.heap), mib(after.heap), mib(after.heap)-mib(before.heap), mib(before.rss), mib(after.rss),
		before.goroutines, after.goroutines)
	t.Log(summary)
	for _, s := range st.samples {
		t.Log("  ", s)
	}

	assert.Zero(t, st.errors.Load(), "errors")
	assert.Zero(t, st.leaks.Load(), "cross-user leaks")
	assert.Zero(t, st.lost.Load(), "lost selection updates at the end")
	assert.Zero(t, st.mismatches.Load(), "selection differing from what the user wrote during the run")
	assert.Zero(t, st.replaysAccepted.Load(), "cookies copied before a logout accepted after it")
	assert.Less(t, after.heap, before.heap+soakHeapBound, "live heap grew by more than %d MiB", soakHeapBound>>20)
	// Idle keep-alive connections come and go; a leak per request or per
	// login would be in the thousands.
	assert.Less(t, after.goroutines, before.goroutines+4*nUsers, "goroutines")

	// The run really exercised what it claims to.
	assert.Positive(t, hits, "cache hits")
	assert.Positive(t, purger.ok.Load(), "purges")
	assert.Zero(t, purger.failed.Load(), "failed purges")
	assert.Positive(t, st.replays.Load(), "replays after logout")
	for _, c := range []*atomic.Int64{&st.logins, &st.logouts, &st.jsToggles, &st.postToggles, &st.selectionChecks} {
		assert.Positive(t, c.Load(), "users log in and out, toggle both ways and look at their selection")
	}
	assert.NotContains(t, logs.String(), "level=ERROR")
	assert.NotContains(t, logs.String(), "level=WARN")
	if t.Failed() {
		t.Logf("site log (warnings and errors):\n%s", logs.String())
	}
}
