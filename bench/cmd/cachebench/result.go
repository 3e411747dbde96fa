package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// result is what one run measured.
type result struct {
	views, errors, violations int
	firstErr                  error
	samples                   []string
	wall, p50, p99            time.Duration
	kinds                     [nKinds]int
	xcache, xcacheLate        map[string]int
	jsToggles                 int
	distinctURLs              int // property and search URLs requested at least once
	stats                     counters
	gomaxprocs                int
	cpu                       cpuSnapshot
}

// summary is the JSON form of a result, read by bench/cmd/report.
type summary struct {
	Views        int     `json:"views"`
	Users        int     `json:"users"`
	Concurrency  int     `json:"concurrency"`
	ZipfS        float64 `json:"zipf_s"`
	UpdateRate   float64 `json:"update_rate"`
	WallSeconds  float64 `json:"wall_seconds"`
	RequestsPerS float64 `json:"requests_per_second"`
	P50Micros    float64 `json:"p50_us"`
	P99Micros    float64 `json:"p99_us"`
	HitRatio     float64 `json:"hit_ratio"`    // cache_hit / (cache_hit + cache_miss)
	CachedShare  float64 `json:"cached_share"` // X-Cache HIT / views
	// X-Cache HIT / (HIT + MISS): the pages Varnish may store, without the
	// private pages it looks up and misses by design.
	CacheableHitRatio float64           `json:"cacheable_hit_ratio"`
	ColdCeiling       float64           `json:"cold_ceiling"`    // best hit ratio a cold cache allows
	LateHitRatio      float64           `json:"late_hit_ratio"`  // HIT / (HIT + MISS) over the second half of the views
	OriginReqs        uint64            `json:"origin_requests"` // MAIN.backend_req
	OriginPerS        float64           `json:"origin_requests_per_second"`
	Kinds             map[string]int    `json:"requests_by_kind"`
	XCache            map[string]int    `json:"x_cache"`
	ScriptToggles     int               `json:"script_toggles"`
	Errors            int               `json:"errors"`
	FirstError        string            `json:"first_error,omitempty"`
	Violations        int               `json:"personalisation_violations"`
	Samples           []string          `json:"violation_samples,omitempty"`
	Varnish           map[string]uint64 `json:"varnish"`
	// CPU seconds used during the load by each party; the machine had
	// GOMAXPROCS × wall seconds to give.
	CPU map[string]float64 `json:"cpu_seconds"`
}

func (r *result) summary(o options) summary {
	hit, miss := float64(r.stats["MAIN.cache_hit"]), float64(r.stats["MAIN.cache_miss"])
	s := summary{
		Views: r.views, Users: o.users, Concurrency: o.concurrency, ZipfS: o.zipfS, UpdateRate: o.updateRate,
		WallSeconds:  r.wall.Seconds(),
		RequestsPerS: float64(r.views) / r.wall.Seconds(),
		P50Micros:    float64(r.p50) / 1e3, P99Micros: float64(r.p99) / 1e3,
		HitRatio:      ratio(hit, hit+miss),
		OriginReqs:    r.stats["MAIN.backend_req"],
		OriginPerS:    float64(r.stats["MAIN.backend_req"]) / r.wall.Seconds(),
		Kinds:         map[string]int{},
		XCache:        r.xcache,
		ScriptToggles: r.jsToggles,
		Errors:        r.errors,
		Violations:    r.violations,
		Samples:       r.samples,
		Varnish:       r.stats,
	}
	s.CPU = map[string]float64{
		"load generator": r.cpu.loadgen.Seconds(),
		"varnish":        r.cpu.varnish.Seconds(),
		"origin":         r.cpu.origin.Seconds(),
		"available":      float64(runtime.NumCPU()) * r.wall.Seconds(),
	}
	// The share of the simulated users' requests answered from the cache.
	// (Varnish's client_req also counts requests this run did not send.)
	s.CachedShare = ratio(float64(r.xcache["HIT"]), float64(r.views))
	s.CacheableHitRatio = ratio(float64(r.xcache["HIT"]), float64(r.xcache["HIT"]+r.xcache["MISS"]))
	lh, lm := float64(r.xcacheLate["HIT"]), float64(r.xcacheLate["MISS"])
	s.LateHitRatio = ratio(lh, lh+lm)
	cacheable := r.kinds[kProperty] + r.kinds[kSearch]
	s.ColdCeiling = ratio(float64(cacheable-r.distinctURLs), float64(cacheable))
	for k, n := range r.kinds {
		s.Kinds[kindNames[k]] = n
	}
	if r.firstErr != nil {
		s.FirstError = r.firstErr.Error()
	}
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// print writes the benchmark line to out, a summary to human and, when
// jsonPath is set, the summary as JSON.
func (r *result) print(out, human io.Writer, o options) error {
	s := r.summary(o)
	fmt.Fprintf(out, "BenchmarkCache/views=%d/users=%d-%d\t1\t%d ns/op\t%.2f wall-s\t%.4f hit-ratio\t%.4f cached-share\t%.0f origin-req/s\t%.0f req/s\t%.1f p50-us\t%.1f p99-us\t%d violations\n",
		o.views, o.users, r.gomaxprocs, r.wall.Nanoseconds(), s.WallSeconds, s.HitRatio, s.CachedShare,
		s.OriginPerS, s.RequestsPerS, s.P50Micros, s.P99Micros, s.Violations)
	fmt.Fprintf(human, "cachebench: %d views in %.1fs (%.0f req/s, p50 %.0fµs, p99 %.0fµs), %d errors\n",
		s.Views, s.WallSeconds, s.RequestsPerS, s.P50Micros, s.P99Micros, s.Errors)
	fmt.Fprintf(human, "cachebench: Varnish hit ratio %.2f%% (cold-cache ceiling %.2f%%, second half %.2f%%), %.2f%% of all requests from cache, origin %d requests (%.0f/s)\n",
		100*s.HitRatio, 100*s.ColdCeiling, 100*s.LateHitRatio, 100*s.CachedShare, s.OriginReqs, s.OriginPerS)
	fmt.Fprintf(human, "cachebench: CPU seconds: load generator %.1f, Varnish %.1f, origin %.1f, of %.1f available\n",
		s.CPU["load generator"], s.CPU["varnish"], s.CPU["origin"], s.CPU["available"])
	fmt.Fprintf(human, "cachebench: requests by kind %v, X-Cache %v, script toggles %d\n", s.Kinds, s.XCache, s.ScriptToggles)
	fmt.Fprintf(human, "cachebench: personalisation violations: %d %q\n", s.Violations, s.Samples)
	if s.FirstError != "" {
		fmt.Fprintf(human, "cachebench: first error: %s\n", s.FirstError)
	}
	if o.jsonPath == "" {
		return nil
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(o.jsonPath, append(b, '\n'), 0o644)
}
