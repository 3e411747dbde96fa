// Package load is a small closed-loop HTTP load generator for loopback
// benchmarks: a fixed number of workers, each with its own simulated user,
// send requests back to back until a request count or a duration is reached,
// and the run reports requests per second and latency percentiles.
//
// It refuses targets that are not on the loopback interface ([CheckLoopback]),
// and every run is bounded both in count and in time.
//
//	res, err := load.Run(ctx, load.Config{
//		Concurrency: 16, Requests: 100_000, Duration: 10 * time.Second,
//		Do: func(ctx context.Context, worker int) error { ... one request ... },
//	})
//	fmt.Println(res.RPS(), res.Percentile(0.99))
package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes one run.
type Config struct {
	// Concurrency is the number of workers, each sending one request at a
	// time. Required, at least 1.
	Concurrency int
	// Requests bounds the total number of requests. Required, at least 1.
	Requests int
	// Duration bounds the run's wall time. Required, greater than 0.
	Duration time.Duration
	// Do sends one request for the given worker (0 ≤ worker < Concurrency)
	// and reports whether it succeeded. Calls for one worker never overlap,
	// so per-worker state (a cookie jar) needs no lock.
	Do func(ctx context.Context, worker int) error
}

// Result is what a run measured.
type Result struct {
	Requests  int             // requests completed, failed ones included
	Errors    int             // requests whose Do returned an error
	FirstErr  error           // the first such error, for the report
	Elapsed   time.Duration   // wall time of the run
	latencies []time.Duration // sorted, successful requests only
}

// RPS returns the completed requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the latency below which the fraction p (0 < p ≤ 1) of
// successful requests fell, by the nearest-rank method; 0 when none
// succeeded.
func (r Result) Percentile(p float64) time.Duration {
	n := len(r.latencies)
	if n == 0 {
		return 0
	}
	i := int(p*float64(n)+0.5) - 1
	return r.latencies[min(max(i, 0), n-1)]
}

// Run runs cfg until Requests requests completed, Duration elapsed or ctx is
// done, whichever comes first. It returns an error only for an invalid
// Config; failed requests are counted in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency < 1 || cfg.Requests < 1 || cfg.Duration <= 0 || cfg.Do == nil {
		return Result{}, errors.New("load: Config needs Concurrency ≥ 1, Requests ≥ 1, Duration > 0 and Do")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()

	var (
		issued   atomic.Int64
		errCount atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	perWorker := make([][]time.Duration, cfg.Concurrency)
	start := time.Now()
	for w := range cfg.Concurrency {
		perWorker[w] = make([]time.Duration, 0, cfg.Requests/cfg.Concurrency+1)
		wg.Go(func() {
			for ctx.Err() == nil && issued.Add(1) <= int64(cfg.Requests) {
				t0 := time.Now()
				err := cfg.Do(ctx, w)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil { // cut short by the deadline: not a failure
						issued.Add(-1)
						return
					}
					errCount.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				perWorker[w] = append(perWorker[w], d)
			}
		})
	}
	wg.Wait()
	res := Result{Elapsed: time.Since(start), Errors: int(errCount.Load()), FirstErr: firstErr}
	for _, l := range perWorker {
		res.latencies = append(res.latencies, l...)
	}
	slices.Sort(res.latencies)
	res.Requests = len(res.latencies) + res.Errors
	return res, nil
}

// CheckLoopback returns an error unless rawURL is an http URL whose host is
// a loopback IP address (127.0.0.0/8 or ::1) or "localhost".
func CheckLoopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("load: %q: only plain-HTTP loopback targets are allowed", rawURL)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("load: %q is not a loopback address", rawURL)
}

// NewClient returns an HTTP client for conns concurrent keep-alive
// connections to one loopback host, which never follows redirects (a
// benchmark measures the response it asked for) and never proxies.
func NewClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}
