// Command cachebench runs the example site examples/century behind Varnish
// (examples/century/varnish/run.sh, cachehint's VCL) and replays the original
// site's daily volume, 1,000,000 page views, with many simulated users, each
// with its own cookie jar:
//
//   - property pages, Zipf-distributed over the 100,000 property ids;
//   - search pages, Zipf-distributed over the first three pages of 168
//     canonical searches (up to 504 URLs; later pages are keyset cursors,
//     taken from the site's own Next links before day 1);
//   - the private "My selection" page;
//   - selection toggles: most written in the browser's cookie as the page
//     script does (no request), some through the no-JS form POST;
//   - logins with the demo accounts (no logouts: a logout revokes every
//     login of its account, and the simulated users share four accounts).
//
// The traffic runs for -days days of -views views each, against the same
// Varnish, the same site and the same visitors (who keep their cookies).
// Day 1 starts with an empty cache; day 2 measures the steady state of a
// production cache, warmed by the day before (property pages stay cached a
// day). Each day is reported on its own.
//
// It reports, per day, the wall time, Varnish's hit ratio (MAIN.cache_hit /
// (cache_hit + cache_miss), read with varnishstat), the hit ratio of the
// cacheable pages (X-Cache HIT / (HIT + MISS): without the private pages,
// which Varnish counts as misses), the best ratio the day's first-ever
// views allow, the share of all requests served from the cache, the origin's
// requests per second, the CPU time of each party, and the result of the
// personalisation check: no user ever received another user's name or
// selection (see check.go).
//
//	go run ./bench/cmd/cachebench [-views 1000000] [-days 2] [-users 10000] [-concurrency 16]
//
// Run it from the module root. It builds examples/century, starts it on a
// free loopback port (generating its database on the first run, in
// bench/out/), starts Varnish on another, and stops both at the end. It
// needs varnishd, varnishstat and the xkey vmod (Debian: varnish,
// varnish-modules). The result line is in Go's benchmark format, for
// benchstat; a summary goes to stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

type options struct {
	views, days, users, concurrency int
	zipfS                           float64
	updateRate                      float64
	db                              string
	timeout                         time.Duration
	seed                            uint64
	storage                         string
	jsonPath                        string
	purge                           bool
	cpuProfile                      string
	idleTimeout                     time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.views, "views", 1_000_000, "page views (requests) to send per day")
	flag.IntVar(&o.days, "days", 2, "days of traffic; day 1 starts with an empty cache, later days find it warm")
	flag.IntVar(&o.users, "users", 10_000, "simulated users, each with its own cookie jar")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent connections to Varnish")
	flag.Float64Var(&o.zipfS, "zipf", 1.1, "Zipf exponent s (> 1) of property and search popularity")
	flag.Float64Var(&o.updateRate, "update-rate", 3, "property changes per second made by the site's updater (each purges Varnish)")
	flag.StringVar(&o.db, "db", "bench/out/century.db", "the site's SQLite database, generated on first use")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "upper bound of each day's load")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the simulated traffic")
	flag.StringVar(&o.storage, "storage", "malloc,2g", "Varnish storage (-s)")
	flag.StringVar(&o.jsonPath, "json", "", "also write the detailed result as JSON to this file")
	flag.BoolVar(&o.purge, "purge", true, "let the site purge changed properties from Varnish (-varnish)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load generator (this process) to this file")
	flag.DurationVar(&o.idleTimeout, "idle-timeout", 0, "the site's -idle-timeout; 0: off (the runs before it existed); renewals are counted (idle.go)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("cachebench: ")
	if o.zipfS <= 1 || o.users < 1 || o.views < 1 || o.days < 1 || o.concurrency < 1 {
		log.Fatal("need -zipf > 1 and positive -views, -days, -users and -concurrency")
	}
	ctx, stop := signalContext()
	defer stop()
	days, err := run(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	if err := printDays(days, os.Stdout, os.Stderr, o); err != nil {
		log.Fatal(err)
	}
	for _, d := range days {
		if d.violations > 0 || d.errors > 0 {
			os.Exit(1)
		}
	}
}

// run starts the site and Varnish, sends each day's traffic and collects
// the counters of each day.
func run(ctx context.Context, o options) ([]*result, error) {
	env, err := startEnv(ctx, o)
	if err != nil {
		return nil, err
	}
	defer env.stop()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if searches, err = searchPages(ctx, noRedirect, "http://"+env.origin, firstPages(), searchDepth); err != nil {
		return nil, fmt.Errorf("listing the search pages: %w", err)
	}
	log.Printf("%d search pages: %d searches, up to %d pages each", len(searches), len(firstPages()), searchDepth)
	t, err := newTraffic(env.varnishURL(), o)
	if err != nil {
		return nil, err
	}
	defer t.close()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	before, err := env.varnishStats()
	if err != nil {
		return nil, err
	}
	var days []*result
	for day := 1; day <= o.days; day++ {
		log.Printf("day %d: site on %s, Varnish on %s; sending %d views from %d users over %d connections",
			day, env.origin, env.varnish, o.views, o.users, o.concurrency)
		cpu0 := env.cpu()
		res, err := t.day(ctx, o.views)
		if err != nil {
			return nil, err
		}
		res.cpu = env.cpu().sub(cpu0)
		after, err := env.settledStats(before, uint64(res.views))
		if err != nil {
			return nil, err
		}
		res.stats = after.sub(before)
		before = after
		res.gomaxprocs = runtime.GOMAXPROCS(0)
		days = append(days, res)
		if ctx.Err() != nil {
			break
		}
	}
	if lines := env.originErrors(); lines != "" {
		fmt.Fprintf(os.Stderr, "cachebench: the site logged warnings or errors:\n%s\n", lines)
	}
	return days, nil
}
