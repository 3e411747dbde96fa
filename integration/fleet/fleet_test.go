// Package fleet_test is the fault-injection test of examples/century run as
// a fleet (issue 12): the century binary twice, on a throw-away PostgreSQL
// (pgproc) and Redis (redisproc), behind two real Varnish nodes
// (varnishtest) with the director VCL that `century vcl` generates. While a
// bounded loopback load of logged-in and anonymous users runs, it kills,
// blocks and restarts parts and checks what the issue asks.
package fleet_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fullsession/fullsession/internal/testkit/pgproc"
	"github.com/fullsession/fullsession/internal/testkit/redisproc"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
	"github.com/fullsession/fullsession/internal/testkit/varnishtest"
)

const (
	propertyCount = 2000
	updateRate    = 25 // changes per second, by the one updater
	// sessionKey is sha256("fullsession fleet test key") in hex: its 32
	// bytes do not look like text, so no weak-key warning is logged.
	sessionKey  = "228e7ef647b3b4c08590a591094816e2c51666549bda40ebff395ead4bb397fe"
	purgeSecret = "fleet-test-purge-secret"
)

// accounts are the demo site's users (password "demo").
var accounts = []struct{ login, name string }{{"ann", "Ann"}, {"bruno", "Bruno"}, {"chloe", "Chloé"}, {"zoe", "Zoë"}}

// origin is one century process.
type origin struct {
	addr string
	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	done chan struct{}
}

type fleet struct {
	t       *testing.T
	bin     string
	pg      *pgproc.Server
	redis   *redisproc.Server
	va, vb  *varnishtest.Varnish
	vcl     string
	origins []*origin

	mu     sync.Mutex
	latest map[int64]int64 // property id -> price of its latest change
	// changed records the ids changed while it is not nil (phase 4).
	changed  map[int64]bool
	onChange func(id, price int64, at time.Time) // phase 2; nil otherwise

	redisDown atomic.Bool  // private pages may answer 503 "Sign-in cannot be checked"
	pgDown    atomic.Bool  // errors are counted apart: the issue asks for readiness, not service
	notes     atomic.Int64 // change notifications received
	st        stats
}

// stats are the load's counters.
type stats struct {
	public, private, publicErr, privateErr, leaks, cachedCookies, outagePages, pgOutageErr, relogins atomic.Int64
	mu                                                                                               sync.Mutex
	privateErrAt                                                                                     []time.Time
	publicErrAt                                                                                      []time.Time
	samples                                                                                          []string
}

func (s *stats) problem(counter *atomic.Int64, at *[]time.Time, format string, args ...any) {
	counter.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if at != nil {
		*at = append(*at, time.Now())
	}
	if len(s.samples) < 500 {
		s.samples = append(s.samples, time.Now().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startFleet(t *testing.T) *fleet {
	f := &fleet{t: t, latest: map[int64]int64{}}
	dir := t.TempDir()
	f.bin = filepath.Join(dir, "century")
	build := exec.Command("go", "build", "-o", f.bin, "./century")
	build.Dir = filepath.Join("..", "..", "examples")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build century: %v\n%s", err, out)
	}
	var err error
	f.pg, err = pgproc.New()
	if errors.Is(err, pgproc.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.pg.Close() })
	f.redis, err = redisproc.Start(t.TempDir())
	if errors.Is(err, redisproc.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.redis.Close() })

	addrs := []string{freePort(t), freePort(t)}
	out, err := exec.Command(f.bin, append([]string{"vcl"}, addrs...)...).Output()
	if err != nil {
		t.Fatalf("century vcl: %v", err)
	}
	f.vcl = string(out)
	opts := varnishtest.Options{VCL: f.vcl, Env: []string{"CACHEHINT_PURGE_SECRET=" + purgeSecret}}
	f.va = varnishtest.Start(t, opts)
	f.vb = varnishtest.Start(t, opts)
	for _, a := range addrs {
		f.origins = append(f.origins, &origin{addr: a})
	}
	for i := range f.origins {
		f.startOrigin(i)
	}
	for _, o := range f.origins {
		f.waitHealthy(o, 60*time.Second)
	}
	// Both nodes see both origins healthy (probes every second).
	deadline := time.Now().Add(30 * time.Second)
	for _, v := range []*varnishtest.Varnish{f.va, f.vb} {
		for {
			out, _ := v.Adm("backend.list")
			healthy := 0
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "origin_") && !strings.Contains(l, "unprobed") && strings.Contains(strings.ToLower(l), "healthy") && !strings.Contains(strings.ToLower(l), "sick") {
					healthy++
				}
			}
			if healthy == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("origins not healthy in Varnish:\n%s", out)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// Each node serves 20 requests in a row before the load starts: right
	// after start-up a node has answered 503 for ~100 ms although its probes
	// said healthy (seen once in four runs); the faults come later.
	for _, v := range []*varnishtest.Varnish{f.va, f.vb} {
		ok := 0
		for ok < 20 {
			if _, err := priceVia(v.URL, int64(1+ok)); err != nil {
				ok = 0
				if time.Now().After(deadline) {
					t.Fatalf("Varnish %s does not serve: %v", v.URL, err)
				}
				time.Sleep(50 * time.Millisecond)
				continue
			}
			ok++
		}
	}
	t.Cleanup(func() {
		for _, o := range f.origins {
			f.stopOrigin(o, syscall.SIGTERM)
		}
		if t.Failed() {
			for i, o := range f.origins {
				var lines []string
				for _, l := range strings.Split(o.log.String(), "\n") {
					if !strings.Contains(l, "msg=request") {
						lines = append(lines, l)
					}
				}
				t.Logf("origin %d log, without the access log (tail):\n%s", i+1, tail(strings.Join(lines, "\n"), 40))
			}
		}
	})
	go f.listen()
	return f
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (f *fleet) startOrigin(i int) {
	o := f.origins[i]
	o.log, o.done = &syncbuf.Buffer{}, make(chan struct{})
	o.cmd = exec.Command(f.bin, "-addr", o.addr, "-database-url", f.pg.URL(),
		"-redis", "redis://"+f.redis.Addr(), "-varnish", f.va.PurgeURL+","+f.vb.PurgeURL,
		"-trusted-proxies", "127.0.0.1/32", "-count", strconv.Itoa(propertyCount),
		"-update-rate", strconv.Itoa(updateRate), "-keys", sessionKey, "-log-level", "info")
	o.cmd.Env = append(os.Environ(), "CACHEHINT_PURGE_SECRET="+purgeSecret, "CENTURY_LOG_LEVEL=")
	o.cmd.Stdout, o.cmd.Stderr = o.log, o.log
	o.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := o.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() { o.cmd.Wait(); close(o.done) }()
}

func (f *fleet) stopOrigin(o *origin, sig syscall.Signal) {
	select {
	case <-o.done:
		return
	default:
	}
	o.cmd.Process.Signal(sig)
	select {
	case <-o.done:
	case <-time.After(20 * time.Second):
		o.cmd.Process.Kill()
		<-o.done
	}
}

func (f *fleet) waitHealthy(o *origin, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-o.done:
			f.t.Fatalf("origin %s exited:\n%s", o.addr, o.log.String())
		default:
		}
		if healthz(o.addr) == http.StatusOK {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.t.Fatalf("origin %s not healthy:\n%s", o.addr, o.log.String())
}

var healthClient = &http.Client{Timeout: 3 * time.Second}

func healthz(addr string) int {
	resp, err := healthClient.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// listen follows the updater's changes (NOTIFY century_property, sent at
// commit), reconnecting after a PostgreSQL restart.
func (f *fleet) listen() {
	for {
		conn, err := pgx.Connect(context.Background(), f.pg.URL())
		if err == nil {
			_, err = conn.Exec(context.Background(), "LISTEN century_property")
		}
		for err == nil {
			var n *pgconnNotification
			n, err = wait(conn)
			if err != nil {
				break
			}
			at := time.Now()
			var c struct{ ID, Price int64 }
			if json.Unmarshal([]byte(n.Payload), &c) != nil {
				continue
			}
			f.notes.Add(1)
			f.mu.Lock()
			f.latest[c.ID] = c.Price
			if f.changed != nil {
				f.changed[c.ID] = true
			}
			cb := f.onChange
			f.mu.Unlock()
			if cb != nil {
				cb(c.ID, c.Price, at)
			}
		}
		if conn != nil {
			conn.Close(context.Background())
		}
		if f.t.Context().Err() != nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type pgconnNotification struct{ Payload string }

func wait(conn *pgx.Conn) (*pgconnNotification, error) {
	n, err := conn.WaitForNotification(context.Background())
	if err != nil {
		return nil, err
	}
	return &pgconnNotification{Payload: n.Payload}, nil
}

func (f *fleet) latestPrice(id int64) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latest[id]
}

// outboxLen counts the purge records not yet confirmed by both nodes.
func (f *fleet) outboxLen() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.pg.URL())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM purge_outbox").Scan(&n)
	return n, err
}

var priceRe = regexp.MustCompile(`id="price">([^<]*)<`)

// euros formats like the site: "1 234 000 €" with no-break spaces.
func euros(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	return b.String() + "\u00a0€"
}

var probe = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

// priceVia returns the price shown on property id's page through base.
func priceVia(base string, id int64) (string, error) {
	resp, err := probe.Get(base + "/properties/" + strconv.FormatInt(id, 10))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	m := priceRe.FindSubmatch(body)
	if m == nil {
		return "", errors.New("no price")
	}
	return string(m[1]), nil
}

// user is one simulated visitor; logged-in users have an account.
type user struct {
	f      *fleet
	acct   int // index in accounts, or -1: anonymous
	client *http.Client
	bases  []string // Varnish A and B
	xff    string
	rng    *rand.Rand
	in     bool // logged in
}

func (f *fleet) newUser(acct, i int) *user {
	jar, _ := cookiejar.New(nil)
	return &user{
		f: f, acct: acct, bases: []string{f.va.URL, f.vb.URL}, xff: fmt.Sprintf("198.51.100.%d", 10+i),
		rng: rand.New(rand.NewPCG(uint64(i), 12)),
		client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
			Transport:     &http.Transport{MaxIdleConnsPerHost: 2},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

func (u *user) base() string { return u.bases[u.rng.IntN(2)] }

func (u *user) do(method, target string, form url.Values) (int, http.Header, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("X-Forwarded-For", u.xff)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), err
}

func (u *user) login(base string) error {
	status, _, body, err := u.do("POST", base+"/login", url.Values{
		"username": {accounts[u.acct].login}, "password": {"demo"}, "back": {"/"}})
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("login: status %d: %.200s", status, body)
	}
	u.in = true
	return nil
}

// hello returns the names greeted on a page.
func hello(body string) []string {
	var names []string
	for _, m := range helloRe.FindAllStringSubmatch(body, -1) {
		names = append(names, m[1])
	}
	return names
}

var helloRe = regexp.MustCompile(`id="hello">Hello ([^<]*)<`)

// step makes one request and checks it: public pages never greet anyone
// and never carry Set-Cookie from the cache; the selection page greets the
// user and nobody else.
func (u *user) step() {
	st := &u.f.st
	if u.acct >= 0 && !u.in {
		if err := u.login(u.base()); err != nil && !u.f.redisDown.Load() {
			st.problem(&st.privateErr, &st.privateErrAt, "%s: %v", accounts[u.acct].login, err)
		}
		return
	}
	var target string
	private := u.acct >= 0 && u.rng.IntN(3) == 0
	switch {
	case private:
		target = u.base() + "/selection"
	case u.rng.IntN(5) == 0:
		target = u.base() + "/"
	default:
		target = u.base() + "/properties/" + strconv.Itoa(1+u.rng.IntN(300))
	}
	status, h, body, err := u.do("GET", target, nil)
	if h.Get("X-Cache") == "HIT" && len(h.Values("Set-Cookie")) > 0 {
		st.problem(&st.cachedCookies, nil, "Set-Cookie from cache on %s", target)
	}
	names := hello(body)
	if (err != nil || status >= 500) && u.f.pgDown.Load() {
		st.pgOutageErr.Add(1)
		return
	}
	if !private {
		st.public.Add(1)
		if err != nil || status != http.StatusOK {
			st.problem(&st.publicErr, &st.publicErrAt, "public %s: %d %v %.120s", target, status, err, body)
		}
		if len(names) > 0 {
			st.problem(&st.leaks, nil, "public page %s greets %q", target, names)
		}
		return
	}
	st.private.Add(1)
	switch {
	case err == nil && status == http.StatusServiceUnavailable && u.f.redisDown.Load() &&
		strings.Contains(body, "Sign-in cannot be checked right now"):
		st.outagePages.Add(1)
		if len(names) > 0 {
			st.problem(&st.leaks, nil, "outage page greets %q", names)
		}
	case err != nil || status != http.StatusOK:
		st.problem(&st.privateErr, &st.privateErrAt, "%s %s: %d %v %.200s", accounts[u.acct].login, target, status, err, body)
	case len(names) != 1 || names[0] != accounts[u.acct].name:
		if len(names) == 0 && !u.f.redisDown.Load() {
			// Phase 1 logs this account out everywhere: sign in again.
			st.relogins.Add(1)
			u.in = false
		} else if len(names) > 0 {
			st.problem(&st.leaks, nil, "%s sees %q", accounts[u.acct].login, names)
		}
	}
	if strings.Contains(body, "goroutine ") || strings.Contains(body, "panic") {
		st.problem(&st.leaks, nil, "stack trace in %s", target)
	}
}

// runLoad runs the users until ctx is done, each pausing 20-40 ms between
// requests (a bounded load: about 200 requests/s in all).
func (f *fleet) runLoad(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := range 8 {
		acct := -1
		if i < len(accounts) {
			acct = i
		}
		u := f.newUser(acct, i)
		wg.Go(func() {
			for ctx.Err() == nil {
				u.step()
				time.Sleep(time.Duration(20+u.rng.IntN(20)) * time.Millisecond)
			}
		})
	}
	return &wg
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func TestFleetFaults(t *testing.T) {
	start := time.Now()
	f := startFleet(t)
	t.Logf("fleet up in %v", time.Since(start).Round(time.Millisecond))
	ctx, stopLoad := context.WithCancel(context.Background())
	load := f.runLoad(ctx)
	defer func() { stopLoad(); load.Wait() }()
	time.Sleep(2 * time.Second)

	only := os.Getenv("FLEET_ONLY")
	run := func(name string, f func(t *testing.T)) {
		if only == "" || strings.HasPrefix(name, only) {
			t.Run(name, f)
		}
	}
	run("1 logout everywhere", func(t *testing.T) { f.logoutEverywhere(t) })
	run("2 purges reach both caches", func(t *testing.T) { f.purgeLatency(t) })
	run("3 kill an origin", func(t *testing.T) { f.killOrigin(t) })
	run("4 block one node's purges", func(t *testing.T) { f.blockPurges(t) })
	run("5 stop Redis", func(t *testing.T) { f.stopRedis(t) })
	run("6 restart PostgreSQL", func(t *testing.T) { f.restartPostgres(t) })

	stopLoad()
	load.Wait()
	st := &f.st
	t.Logf("7 throughout: %d public and %d private requests; cross-user leaks %d, Set-Cookie from cache %d, "+
		"public errors %d, private errors %d, outage pages %d, signed out (by phase 1) and signed in again %d; took %v",
		st.public.Load(), st.private.Load(), st.leaks.Load(), st.cachedCookies.Load(),
		st.publicErr.Load(), st.privateErr.Load(), st.outagePages.Load(), st.relogins.Load(), time.Since(start).Round(time.Second))
	if st.leaks.Load() != 0 || st.cachedCookies.Load() != 0 || st.publicErr.Load() != 0 {
		t.Errorf("problems:\n%s", strings.Join(st.samples[:min(len(st.samples), 40)], "\n"))
	} else if len(st.samples) > 0 {
		t.Logf("private-page problems (reported, not failures), first of %d:\n%s", len(st.samples), strings.Join(st.samples[:min(len(st.samples), 15)], "\n"))
	}
	for i, o := range f.origins {
		if strings.Contains(o.log.String(), "panic") {
			t.Errorf("origin %d panicked:\n%s", i+1, o.log.String())
		}
	}
}

// logoutEverywhere: log in through A, copy the cookies, log out through B;
// the copies read as logged out on every origin within 1 s.
func (f *fleet) logoutEverywhere(t *testing.T) {
	for round := range 3 {
		u := f.newUser(round%len(accounts), 100+round)
		if err := u.login(f.va.URL); err != nil {
			t.Fatal(err)
		}
		aURL, _ := url.Parse(f.va.URL)
		var parts []string
		for _, c := range u.client.Jar.Cookies(aURL) {
			parts = append(parts, c.Name+"="+c.Value)
		}
		copied := strings.Join(parts, "; ")
		greets := func(addr string) bool {
			req, _ := http.NewRequest("GET", "http://"+addr+"/selection", nil)
			req.Header.Set("Cookie", copied)
			resp, err := probe.Do(req)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return slices.Contains(hello(string(b)), accounts[u.acct].name)
		}
		for _, o := range f.origins {
			if !greets(o.addr) {
				t.Fatalf("the copied cookies are not signed in on %s before the logout", o.addr)
			}
		}
		status, _, body, err := u.do("POST", f.vb.URL+"/logout", url.Values{})
		if err != nil || status != http.StatusSeeOther {
			t.Fatalf("logout through B: %d %v %.200s", status, err, body)
		}
		out := time.Now()
		var worst time.Duration
		for _, o := range f.origins {
			for greets(o.addr) {
				if time.Since(out) > time.Second {
					t.Fatalf("copied cookies still signed in on %s 1 s after the logout", o.addr)
				}
				time.Sleep(5 * time.Millisecond)
			}
			worst = max(worst, time.Since(out))
		}
		t.Logf("round %d: copies logged out on every origin after %v", round+1, worst.Round(time.Microsecond))
	}
}

// purgeLatency: each change committed by the updater shows through both
// nodes; p99 over at least 200 changes within 1 s.
func (f *fleet) purgeLatency(t *testing.T) {
	var mu sync.Mutex
	var lat []time.Duration
	var late, superseded int
	var stopped bool // under mu: no wg.Go after wg.Wait has begun
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	f.mu.Lock()
	f.onChange = func(id, price int64, at time.Time) {
		// listen calls this outside f.mu, so it can still arrive after
		// onChange was cleared; mu orders every wg.Go before wg.Wait.
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			want := euros(price)
			for _, base := range []string{f.va.URL, f.vb.URL} {
				for {
					got, err := priceVia(base, id)
					if err == nil && got == want {
						break
					}
					if f.latestPrice(id) != price {
						mu.Lock()
						superseded++
						mu.Unlock()
						return
					}
					if time.Since(at) > 5*time.Second {
						mu.Lock()
						late++
						mu.Unlock()
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			mu.Lock()
			lat = append(lat, time.Since(at))
			mu.Unlock()
		})
	}
	f.mu.Unlock()
	deadline := time.Now().Add(25 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(lat) + late
		mu.Unlock()
		if n >= 220 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.mu.Lock()
	f.onChange = nil
	f.mu.Unlock()
	mu.Lock()
	stopped = true
	mu.Unlock()
	wg.Wait()
	p50, p99 := percentile(lat, 0.5), percentile(lat, 0.99)
	t.Logf("price change visible through both nodes: %d changes, p50 %v, p99 %v, max %v, over 5 s %d, superseded %d",
		len(lat), p50.Round(time.Microsecond), p99.Round(time.Microsecond), percentile(lat, 1).Round(time.Microsecond), late, superseded)
	if len(lat) < 200 {
		t.Errorf("only %d changes measured, want >= 200", len(lat))
	}
	if p99 > time.Second || late > 0 {
		t.Errorf("p99 %v (want <= 1 s), %d changes never fresh within 5 s", p99, late)
	}
}

// updaterIndex returns the origin that holds the updater lock now.
func (f *fleet) updaterIndex() int {
	best, at := -1, -1
	for i, o := range f.origins {
		log := o.log.String()
		if j := strings.LastIndex(log, "this instance is the updater"); j > at && !exited(o) {
			best, at = i, j
		}
	}
	return best
}

func exited(o *origin) bool {
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

// killOrigin: SIGKILL the origin that is the updater mid-load. Public pages
// see no error; private errors are counted with the time until they stop.
// The other origin takes over the updates and sends the dead one's purges.
func (f *fleet) killOrigin(t *testing.T) {
	i := f.updaterIndex()
	if i < 0 {
		t.Fatal("no origin says it is the updater")
	}
	pub0, priv0 := f.st.publicErr.Load(), f.st.privateErr.Load()
	killed := time.Now()
	f.origins[i].cmd.Process.Kill()
	<-f.origins[i].done
	time.Sleep(6 * time.Second)
	pub, priv := f.st.publicErr.Load()-pub0, f.st.privateErr.Load()-priv0
	f.st.mu.Lock()
	var last time.Time
	for _, at := range f.st.privateErrAt {
		if at.After(killed) {
			last = at
		}
	}
	f.st.mu.Unlock()
	recovered := "no private error"
	if !last.IsZero() {
		recovered = "last private error " + last.Sub(killed).Round(time.Millisecond).String() + " after the kill"
	}
	j := 1 - i
	took := strings.Contains(f.origins[j].log.String(), "this instance is the updater")
	t.Logf("the other origin took over the updates: %v", took)
	if !took {
		t.Error("no takeover")
	}
	t.Logf("origin %d SIGKILLed: %d public errors, %d private errors; %s", i+1, pub, priv, recovered)
	if pub != 0 {
		t.Errorf("%d failed public requests after the kill", pub)
	}
	t.Logf("first private problems after the kill:\n%s", strings.Join(f.st.since(killed, 6), "\n"))
	f.startOrigin(i)
	f.waitHealthy(f.origins[i], 60*time.Second)
}

// since returns up to n problem samples recorded after t.
func (s *stats) since(t time.Time, n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, x := range s.samples {
		if at, err := time.Parse("15:04:05.000", x[:12]); err == nil && len(out) < n {
			at = time.Date(t.Year(), t.Month(), t.Day(), at.Hour(), at.Minute(), at.Second(), at.Nanosecond(), t.Location())
			if at.After(t) {
				out = append(out, x)
			}
		}
	}
	return out
}

// purgeBlockVCL is the fleet's VCL with a purgers ACL that refuses
// localhost: every purge gets 403, the cache stays.
func (f *fleet) purgeBlockVCL(t *testing.T) string {
	re := regexp.MustCompile(`(?s)acl purgers \{.*?\}`)
	if !re.MatchString(f.vcl) {
		t.Fatal("no purgers ACL in the VCL")
	}
	return re.ReplaceAllString(f.vcl, "acl purgers {\n    \"192.0.2.1\";\n}")
}

// blockPurges: node B refuses purges for a while during updates; once it
// accepts them again, every changed page is fresh on it and the outbox
// empties.
func (f *fleet) blockPurges(t *testing.T) {
	const blocked = 30 * time.Second
	f.mu.Lock()
	f.changed = map[int64]bool{}
	f.mu.Unlock()
	if err := f.vb.UseVCL("blocked", f.purgeBlockVCL(t), ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(blocked)
	f.mu.Lock()
	changed := f.changed
	f.changed = nil
	f.mu.Unlock()
	n, err := f.outboxLen()
	if err != nil {
		t.Fatal(err)
	}
	stale := 0
	for id := range changed {
		if got, _ := priceVia(f.vb.URL, id); got != euros(f.latestPrice(id)) {
			stale++
		}
	}
	t.Logf("B refused purges for %v: %d properties changed, %d of them stale on B, outbox %d rows", blocked, len(changed), stale, n)
	if stale == 0 || n == 0 {
		t.Errorf("the block did not hold: %d stale, outbox %d", stale, n)
	}
	unblocked := time.Now()
	if _, err := f.vb.Adm("vcl.use", "boot"); err != nil {
		t.Fatal(err)
	}
	for {
		n, err = f.outboxLen()
		if err == nil && n == 0 {
			break
		}
		if time.Since(unblocked) > 20*time.Second {
			list, _ := f.vb.Adm("vcl.list")
			for i, o := range f.origins {
				var lines []string
				for _, l := range strings.Split(o.log.String(), "\n") {
					if strings.Contains(l, "cachehint") || strings.Contains(l, "outbox") || strings.Contains(l, "updater") {
						lines = append(lines, l)
					}
				}
				t.Logf("origin %d purge log:\n%s", i+1, tail(strings.Join(lines, "\n"), 20))
			}
			t.Fatalf("outbox still %d rows (%v) 20 s after the unblock; B: %s", n, err, list)
		}
		time.Sleep(20 * time.Millisecond)
	}
	emptied := time.Since(unblocked)
	// Changes go on meanwhile: a page is fresh when it shows the latest
	// price, allowing for one made in the last instants.
	stale = 0
	for id := range changed {
		ok := false
		for range 100 {
			if got, _ := priceVia(f.vb.URL, id); got == euros(f.latestPrice(id)) {
				ok = true
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !ok {
			stale++
		}
	}
	t.Logf("after the unblock: outbox empty after %v; %d of %d changed pages stale on B", emptied.Round(time.Millisecond), stale, len(changed))
	if stale != 0 {
		t.Errorf("%d changed pages stale on B after the unblock", stale)
	}
}

// stopRedis: public pages keep serving, logged-in pages fail closed with
// the clear page, and logins work again once Redis is back.
func (f *fleet) stopRedis(t *testing.T) {
	pub0 := f.st.publicErr.Load()
	out0 := f.st.outagePages.Load()
	f.redisDown.Store(true)
	if err := f.redis.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	// /healthz reports the outage.
	deadline := time.Now().Add(5 * time.Second)
	for healthz(f.origins[0].addr) == http.StatusOK && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	down := healthz(f.origins[0].addr)
	time.Sleep(10*time.Second - time.Since(stopped))
	if err := f.redis.Restart(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	// A new login works without restarting anything.
	u := f.newUser(0, 200)
	var err error
	for {
		if err = u.login(f.va.URL); err == nil {
			if _, _, body, e := u.do("GET", f.vb.URL+"/selection", nil); e == nil && slices.Contains(hello(body), "Ann") {
				break
			}
		}
		if time.Since(back) > 15*time.Second {
			t.Fatalf("no working login 15 s after Redis returned: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("Redis down 10 s: /healthz said %d; %d public errors; %d fail-closed pages; a login works %v after it returned",
		down, f.st.publicErr.Load()-pub0, f.st.outagePages.Load()-out0, time.Since(back).Round(time.Millisecond))
	time.Sleep(time.Second) // the load's users are signed in again
	f.redisDown.Store(false)
	if down != http.StatusServiceUnavailable {
		t.Errorf("/healthz said %d during the Redis outage", down)
	}
	if f.st.publicErr.Load() != pub0 {
		t.Errorf("public errors during the Redis outage")
	}
	if f.st.outagePages.Load() == out0 {
		t.Errorf("no logged-in page failed closed during the outage")
	}
}

// restartPostgres: /healthz reports the outage, the origins reconnect by
// themselves and do not panic.
func (f *fleet) restartPostgres(t *testing.T) {
	f.pgDown.Store(true)
	defer f.pgDown.Store(false)
	if err := f.pg.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	codes := map[int]int{}
	for time.Since(stopped) < 3*time.Second {
		for _, o := range f.origins {
			codes[healthz(o.addr)]++
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := f.pg.Start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	for _, o := range f.origins {
		f.waitHealthy(o, 30*time.Second)
	}
	ready := time.Since(started)
	time.Sleep(500 * time.Millisecond)
	f.pgDown.Store(false)
	// The updater's changes flow again.
	before := f.notes.Load()
	time.Sleep(2 * time.Second)
	t.Logf("PostgreSQL down 3 s: /healthz answers %v; both origins ready %v after it returned; %d changes in the next 2 s",
		codes, ready.Round(time.Millisecond), f.notes.Load()-before)
	t.Logf("errors seen by the load while PostgreSQL was down or reconnecting: %d", f.st.pgOutageErr.Load())
	if codes[http.StatusOK] > 0 || codes[http.StatusServiceUnavailable] == 0 {
		t.Errorf("/healthz during the outage: %v", codes)
	}
	for i, o := range f.origins {
		if exited(o) {
			t.Errorf("origin %d exited", i+1)
		}
	}
}
