// Command e2ebench loads the same small chi application (package
// bench/internal/app) built four ways: without any session library (none,
// the baseline: the page greets a fixed anonymous user; its users carry
// the same clientsession cookies, which it ignores), with
// clientsession, scs+Redis and gorilla CookieStore, and prints requests/s
// and p50/p99 latencies for a session-reading page and a session-writing
// page, all in the same run.
//
//	go run ./bench/cmd/e2ebench [-concurrency 16] [-duration 8s] [-requests 400000] [-count 1] [-cpuprofile-dir DIR]
//
// Each application runs in its own child process (this binary with -serve)
// on 127.0.0.1, so the load generator's work and garbage collection are not
// charged to the server; Redis runs as a third process (redis-server from
// Debian, started here). Every worker of the load generator is a separate
// user with its own session, logged in before the measurement. Each case is
// warmed up for a tenth of its duration first.
//
// Output lines are in Go's benchmark format, so benchstat reads them:
//
//	BenchmarkE2E/page=read/app=clientsession-2  N  ns/op  req/s  p50-us  p99-us
//
// After the rounds, the overhead of clientsession over none is measured
// once more with the two interleaved in half-second slices (runPair), for
// as long as the rounds gave each: BenchmarkE2EPair lines, whose b/a is
// the ratio of the two sides' median req/s.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/fullsession/fullsession/bench/internal/app"
	"github.com/fullsession/fullsession/bench/internal/harness"
	"github.com/fullsession/fullsession/bench/internal/jar"
	"github.com/fullsession/fullsession/bench/internal/load"
	"github.com/fullsession/fullsession/internal/testkit/redisproc"
)

// apps are the variants, in the order each round runs them: none (the same
// app without a session library) right before clientsession, so that the
// overhead of adding clientsession compares two cases run back to back.
// profileDir is -cpuprofile-dir, passed on to the children.
var profileDir string

var apps = []string{"none", "clientsession", "scs-redis", "gorilla"}

func main() {
	serve := flag.String("serve", "", "internal: serve the app built with this library and print its address")
	flag.StringVar(&profileDir, "cpuprofile-dir", "", "write a CPU profile of each app's process, for its whole run, to DIR/<app>.cpu.prof")
	redisAddr := flag.String("redis", "", "internal: Redis address for -serve scs-redis")
	concurrency := flag.Int("concurrency", 16, "concurrent users (workers)")
	duration := flag.Duration("duration", 8*time.Second, "measured time per case")
	requests := flag.Int("requests", 400_000, "maximum requests per case")
	count := flag.Int("count", 1, "rounds of all cases (for benchstat)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("e2ebench: ")

	if *serve != "" {
		if err := serveApp(*serve, *redisAddr); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*concurrency, *duration, *requests, *count); err != nil {
		log.Fatal(err)
	}
}

// serveApp is the child process: it serves one variant on a free loopback
// port, prints the address on stdout, and runs until stdin closes (the
// parent exiting, or closing the pipe, stops it).
func serveApp(lib, redisAddr string) error {
	if profileDir != "" {
		f, err := os.Create(filepath.Join(profileDir, lib+".cpu.prof"))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var st harness.Store
	var err error
	switch lib {
	case "none":
		st = harness.None{}
	case "clientsession":
		st, err = harness.NewClientSession()
	case "gorilla":
		st = harness.NewGorilla()
	case "scs-redis":
		st, err = harness.NewSCSRedis(redisAddr, 0)
	default:
		err = fmt.Errorf("unknown library %q", lib)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: app.New(st), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Println(ln.Addr().String())
	io.Copy(io.Discard, os.Stdin)
	return srv.Close()
}

type child struct {
	name string
	base string
	// login is where the workers log in: base, except for none, whose
	// workers log in at the clientsession app, so that both send the
	// very same requests, session cookies included, and only the
	// server's work differs.
	login string
	cmd   *exec.Cmd
	in    io.WriteCloser
}

func startChild(lib, redisAddr string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-serve", lib, "-redis", redisAddr, "-cpuprofile-dir", profileDir)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("child %s: %w", lib, err)
	}
	base := "http://" + strings.TrimSpace(line)
	if err := load.CheckLoopback(base); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	return &child{name: lib, base: base, cmd: cmd, in: in}, nil
}

func (c *child) stop() {
	c.in.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

func run(concurrency int, duration time.Duration, requests, count int) error {
	dir, err := os.MkdirTemp("", "e2ebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rs, err := redisproc.Start(dir)
	if err != nil {
		return err
	}
	defer rs.Close()

	var children []*child
	defer func() {
		for _, c := range children {
			c.stop()
		}
	}()
	for _, lib := range apps {
		c, err := startChild(lib, rs.Addr())
		if err != nil {
			return err
		}
		children = append(children, c)
	}
	for _, c := range children {
		c.login = c.base
		if c.name == "none" {
			c.login = children[1].base // apps: none, then clientsession
		}
	}

	fmt.Printf("goos: %s\ngoarch: %s\npkg: github.com/fullsession/fullsession/bench/cmd/e2ebench\n", runtime.GOOS, runtime.GOARCH)
	fmt.Printf("cpu: %s\n", cpuModel())
	fmt.Printf("concurrency: %d\n", concurrency)
	client := load.NewClient(concurrency)
	for range count {
		for _, page := range []string{"read", "write"} {
			for _, c := range children {
				if err := runCase(client, c, page, concurrency, duration, requests); err != nil {
					return err
				}
			}
		}
	}
	for _, page := range []string{"read", "write"} {
		if err := runPair(children[0], children[1], page, concurrency, time.Duration(count)*duration); err != nil {
			return err
		}
	}
	return nil
}

// pairSlice is the length of each measured slice of runPair, and
// pairRequests a bound on its requests well above what a slice can send
// (load.Run keeps room for that many latencies).
const (
	pairSlice    = 500 * time.Millisecond
	pairRequests = 200_000
)

// runPair measures the overhead of b (clientsession) over a (none) with
// the two interleaved: slices of pairSlice each, alternating a b b a, for
// total per side. Load swings of a shared machine last seconds, so two
// adjacent slices see about the same load; the ratio of the medians of
// the slices' req/s is the figure, printed as b-over-a with each side's
// median:
//
//	BenchmarkE2EPair/page=read/a=none/b=clientsession-2  N  ns/op  a-req/s  b-req/s  b/a
func runPair(a, b *child, page string, concurrency int, total time.Duration) error {
	ctx := context.Background()
	var do [2]func(context.Context, int) error
	for i, c := range []*child{a, b} {
		client := load.NewClient(concurrency) // its own connections: switching sides reconnects nothing
		jars := make([]jar.Jar, concurrency)
		for w := range jars {
			if err := send(ctx, client, &jars[w], "GET", fmt.Sprintf("%s/login?uid=%d", c.login, 1000+w), http.StatusNoContent, nil); err != nil {
				return fmt.Errorf("%s login: %w", c.name, err)
			}
		}
		do[i] = requestFunc(client, c.base, page, jars, c.name == "none")
		load.Run(ctx, load.Config{Concurrency: concurrency, Requests: pairRequests, Duration: pairSlice, Do: do[i]})
	}
	var rps [2][]float64
	n := 0
	for k := 0; time.Duration(k/2)*pairSlice < total; k++ {
		i := k & 1
		if k/2%2 == 1 {
			i = 1 - i // a b, then b a
		}
		res, err := load.Run(ctx, load.Config{Concurrency: concurrency, Requests: pairRequests, Duration: pairSlice, Do: do[i]})
		if err != nil {
			return err
		}
		if res.Errors > 0 {
			return fmt.Errorf("pair %s: %d errors, first: %v", page, res.Errors, res.FirstErr)
		}
		rps[i] = append(rps[i], res.RPS())
		n += res.Requests
	}
	med := func(v []float64) float64 {
		slices.Sort(v)
		return v[len(v)/2]
	}
	ra, rb := med(rps[0]), med(rps[1])
	fmt.Printf("BenchmarkE2EPair/page=%s/a=%s/b=%s-%d\t%d\t%.0f ns/op\t%.0f a-req/s\t%.0f b-req/s\t%.4f b/a\n",
		page, a.name, b.name, runtime.GOMAXPROCS(0), n, 2*float64(total.Nanoseconds())/float64(max(n, 1)), ra, rb, rb/ra)
	return nil
}

// runCase logs every worker in as its own user, warms up, then measures.
func runCase(client *http.Client, c *child, page string, concurrency int, duration time.Duration, requests int) error {
	ctx := context.Background()
	jars := make([]jar.Jar, concurrency)
	for w := range jars {
		if err := send(ctx, client, &jars[w], "GET", fmt.Sprintf("%s/login?uid=%d", c.login, 1000+w), http.StatusNoContent, nil); err != nil {
			return fmt.Errorf("%s login: %w", c.name, err)
		}
	}
	do := requestFunc(client, c.base, page, jars, c.name == "none")
	warm := load.Config{Concurrency: concurrency, Requests: requests / 10, Duration: duration / 10, Do: do}
	if res, _ := load.Run(ctx, warm); res.Errors > 0 {
		return fmt.Errorf("%s %s warm-up: %d errors, first: %v", c.name, page, res.Errors, res.FirstErr)
	}
	res, err := load.Run(ctx, load.Config{Concurrency: concurrency, Requests: requests, Duration: duration, Do: do})
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("%s %s: %d of %d requests failed, first: %v", c.name, page, res.Errors, res.Requests, res.FirstErr)
	}
	fmt.Printf("BenchmarkE2E/page=%s/app=%s-%d\t%d\t%.0f ns/op\t%.0f req/s\t%.1f p50-us\t%.1f p99-us\n",
		page, c.name, runtime.GOMAXPROCS(0), res.Requests,
		float64(res.Elapsed.Nanoseconds())/float64(res.Requests), res.RPS(),
		us(res.Percentile(0.50)), us(res.Percentile(0.99)))
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// requestFunc returns the load's Do: reads check that the page greets this
// worker's own user (or, for the app without sessions, anon, the anonymous
// harness.NoneUID); writes flip the worker's language each time, so every
// write is a real change.
func requestFunc(client *http.Client, base, page string, jars []jar.Jar, anon bool) func(context.Context, int) error {
	if page == "read" {
		url := base + "/read"
		return func(ctx context.Context, w int) error {
			uid := 1000 + w
			if anon {
				uid = harness.NoneUID
			}
			want := fmt.Appendf(nil, "(#%d)", uid)
			return send(ctx, client, &jars[w], "GET", url, http.StatusOK, want)
		}
	}
	flip := make([]bool, len(jars))
	return func(ctx context.Context, w int) error {
		flip[w] = !flip[w]
		lang := "en"
		if !flip[w] {
			lang = "fr"
		}
		return send(ctx, client, &jars[w], "POST", base+"/lang?lang="+lang, http.StatusNoContent, nil)
	}
}

var errBody = errors.New("response body does not greet this user")

func send(ctx context.Context, client *http.Client, j *jar.Jar, method, url string, wantCode int, wantBody []byte) error {
	// Not bound to the run's deadline: an in-flight request completes, so
	// the server never sees a cancelled request (scs would log it).
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), method, url, nil)
	if err != nil {
		return err
	}
	j.Apply(req)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != wantCode {
		return fmt.Errorf("%s %s: status %d: %.200s", method, url, resp.StatusCode, body)
	}
	if wantBody != nil && !bytes.Contains(body, wantBody) {
		return errBody
	}
	j.Update(resp.Header)
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
