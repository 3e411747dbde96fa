package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"time"

	"github.com/fullsession/fullsession/bench/internal/h1"
	"github.com/fullsession/fullsession/bench/internal/jar"
	"github.com/fullsession/fullsession/bench/internal/load"
)

// The traffic mix, as cumulative shares of requests. Everything but
// property and search pages is private or a POST, which Varnish passes to
// the site.
const (
	shareProperty  = 0.85
	shareSearch    = 0.10
	shareSelection = 0.02 // GET /selection, rendered on the server
	shareToggle    = 0.02 // POST /selection/toggle, the no-JS path
	// the remaining 0.01: log in (again)
	jsToggleRate = 0.05 // property views followed by a star click in the page
	properties   = 100_000
	cookiePrefix = "session."
	maxSelection = 100 // the site's cap (examples/century selection.go)
)

// account is one of the site's demo accounts (examples/century users.go);
// every password is "demo".
type account struct{ login, surname, name string }

var accounts = []account{
	{"ann", "Le Gall", "Ann"},
	{"bruno", "Martin", "Bruno"},
	{"chloe", "Dubois-Marchand", "Chloé"},
	{"zoe", "N'Diaye", "Zoë"},
}

type kind int

const (
	kProperty kind = iota
	kSearch
	kSelection
	kToggle
	kLogin
	nKinds
)

var kindNames = [nKinds]string{"property", "search", "selection", "toggle", "login"}

// visitor is one simulated user: a browser with its own cookie jar and its
// own address (sent as X-Forwarded-For, which Varnish extends and the site
// trusts from 127.0.0.1, so per-IP rate limits apply per user). The fields
// account and sel are what the user should see: the model the checks
// compare every response against.
type visitor struct {
	ip      string
	jar     jar.Jar
	account int // index in accounts, -1 when logged out
	sel     []int64
	// The site last saw the login between seenLo and seenHi (idle.go);
	// idledOut: a private page showed it ended.
	seenLo, seenHi time.Time
	idledOut       bool
}

// worker owns a fixed subset of the visitors, so a visitor's requests never
// overlap, and keeps its own counters, random source and keep-alive
// connection to Varnish (a lean HTTP/1.1 client: see package h1).
type worker struct {
	rng      *rand.Rand
	props    *rand.Zipf
	searches *rand.Zipf
	visitors []*visitor
	conn     *h1.Conn
	resp     h1.Response // the last response; its body is reused
	header   []h1.Field  // request header lines, reused
	st       stats       // of the current day
	idle     time.Duration
	// The last request was sent at start and read completely at end.
	start, end time.Time
}

type stats struct {
	kinds      [nKinds]int
	xcache     map[string]int
	jsToggles  int
	violations int
	samples    []string // the first violations, for the report
	seenProp   map[int64]bool
	seenSearch map[int]bool
	idle       idleStats
}

func newStats() stats {
	return stats{xcache: map[string]int{}, seenProp: map[int64]bool{}, seenSearch: map[int]bool{}}
}

func (s *stats) violate(format string, args ...any) {
	s.violations++
	if len(s.samples) < 5 {
		s.samples = append(s.samples, fmt.Sprintf(format, args...))
	}
}

// searches are the search pages the visitors read (see searchPages),
// found once the site runs.
var searches []string

// traffic is the simulated population: the workers with their visitors,
// cookie jars and random sources, kept from one day to the next so that the
// second day's visitors return with their cookies.
type traffic struct {
	workers    []*worker
	timeout    time.Duration
	seenProp   map[int64]bool // URLs requested on the days so far
	seenSearch map[int]bool
}

func newTraffic(base string, o options) (*traffic, error) {
	if err := load.CheckLoopback(base); err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	t := &traffic{timeout: o.timeout, seenProp: map[int64]bool{}, seenSearch: map[int]bool{}}
	for i := range o.concurrency {
		rng := rand.New(rand.NewPCG(o.seed, uint64(i)))
		t.workers = append(t.workers, &worker{
			rng:      rng,
			props:    rand.NewZipf(rng, o.zipfS, 1, properties-1),
			searches: rand.NewZipf(rng, o.zipfS, 1, uint64(len(searches)-1)),
			conn:     &h1.Conn{Addr: u.Host, Timeout: 30 * time.Second},
			idle:     o.idleTimeout,
		})
	}
	for u := range o.users {
		v := &visitor{ip: fmt.Sprintf("127.%d.%d.%d", 1+u>>16, (u>>8)&255, u&255), account: -1}
		w := t.workers[u%len(t.workers)]
		w.visitors = append(w.visitors, v)
	}
	return t, nil
}

func (t *traffic) close() {
	for _, w := range t.workers {
		w.conn.Close()
	}
}

// day sends views requests and checks every response.
func (t *traffic) day(ctx context.Context, views int) (*result, error) {
	for _, w := range t.workers {
		w.st = newStats()
	}
	start := time.Now()
	res, err := load.Run(ctx, load.Config{
		Concurrency: len(t.workers), Requests: views, Duration: t.timeout,
		Do: func(_ context.Context, i int) error { return t.workers[i].step() },
	})
	if err != nil {
		return nil, err
	}
	out := &result{
		views: res.Requests, errors: res.Errors, firstErr: res.FirstErr,
		wall: time.Since(start), p50: res.Percentile(0.5), p99: res.Percentile(0.99),
		xcache: map[string]int{},
	}
	seenProp, seenSearch := map[int64]bool{}, map[int]bool{}
	for _, w := range t.workers {
		for k, n := range w.st.kinds {
			out.kinds[k] += n
		}
		for k, n := range w.st.xcache {
			out.xcache[k] += n
		}
		out.jsToggles += w.st.jsToggles
		out.idle.add(w.st.idle)
		out.violations += w.st.violations
		out.samples = append(out.samples, w.st.samples...)
		out.samples = out.samples[:min(len(out.samples), 10)]
		for id := range w.st.seenProp {
			seenProp[id] = true
		}
		for id := range w.st.seenSearch {
			seenSearch[id] = true
		}
	}
	out.distinctURLs = len(seenProp) + len(seenSearch)
	for id := range seenProp {
		if !t.seenProp[id] {
			out.newURLs++
			t.seenProp[id] = true
		}
	}
	for id := range seenSearch {
		if !t.seenSearch[id] {
			out.newURLs++
			t.seenSearch[id] = true
		}
	}
	return out, nil
}

// step makes one request for one of the worker's visitors.
func (w *worker) step() error {
	v := w.visitors[w.rng.IntN(len(w.visitors))]
	p := w.rng.Float64()
	switch {
	case p < shareProperty:
		id := int64(w.props.Uint64()) + 1
		w.st.seenProp[id] = true
		if err := w.shared(v, kProperty, "/properties/"+strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		if w.rng.Float64() < jsToggleRate {
			w.jsToggle(v, id)
		}
		return nil
	case p < shareProperty+shareSearch:
		i := int(w.searches.Uint64())
		w.st.seenSearch[i] = true
		return w.shared(v, kSearch, searches[i])
	case p < shareProperty+shareSearch+shareSelection:
		return w.selectionPage(v)
	case p < shareProperty+shareSearch+shareSelection+shareToggle:
		return w.formToggle(v, int64(w.props.Uint64())+1)
	default:
		// No logouts: the demo site has four accounts shared by all the
		// simulated users, and a logout revokes every login of its account
		// (clientsession's Revoker), which would log thousands of other
		// users out at once.
		return w.login(v, w.rng.IntN(len(accounts)))
	}
}

// do sends one request as v, reads the response into w.resp, applies its
// cookies to v's jar and checks the status.
func (w *worker) do(v *visitor, k kind, method, path, form string, want int) (*h1.Response, error) {
	h := append(w.header[:0], h1.Field{Name: "User-Agent", Value: "cachebench"},
		h1.Field{Name: "X-Forwarded-For", Value: v.ip})
	if c := v.jar.Header(); c != "" {
		h = append(h, h1.Field{Name: "Cookie", Value: c})
	}
	if form != "" {
		h = append(h, h1.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
	}
	w.header = h
	resp := &w.resp
	w.start = time.Now()
	if err := w.conn.Do(method, path, h, form, resp); err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	w.end = time.Now()
	w.st.kinds[k]++
	xc := resp.Header("X-Cache")
	w.st.xcache[xc]++
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %.300s", method, path, resp.StatusCode, want, resp.Body)
	}
	if sc := resp.Values("Set-Cookie"); len(sc) > 0 {
		if xc == "HIT" {
			w.st.violate("%s %s: a cached response (HIT) carried Set-Cookie %q", method, path, sc)
		}
		v.jar.UpdateLines(sc)
		w.noteSeen(v, k, sc, w.start, w.end)
		w.checkJar(v, method+" "+path)
	}
	return resp, nil
}
