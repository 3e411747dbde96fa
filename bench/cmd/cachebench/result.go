package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// result is what one day of traffic measured.
type result struct {
	views, errors, violations int
	firstErr                  error
	samples                   []string
	wall, p50, p99            time.Duration
	kinds                     [nKinds]int
	xcache                    map[string]int
	jsToggles                 int
	idle                      idleStats
	distinctURLs              int // property and search URLs requested at least once this day
	newURLs                   int // of those, URLs no earlier day requested
	stats                     counters
	gomaxprocs                int
	cpu                       cpuSnapshot
}

// runSummary is the JSON cachebench writes, read by bench/cmd/report.
type runSummary struct {
	ViewsPerDay int       `json:"views_per_day"`
	Users       int       `json:"users"`
	Concurrency int       `json:"concurrency"`
	ZipfS       float64   `json:"zipf_s"`
	UpdateRate  float64   `json:"update_rate"`
	Searches    int       `json:"search_pages"` // distinct search URLs requested
	Days        []summary `json:"days"`         // day 1 starts with an empty cache
}

// summary is one day of a run.
type summary struct {
	Day          int     `json:"day"`
	Views        int     `json:"views"`
	WallSeconds  float64 `json:"wall_seconds"`
	RequestsPerS float64 `json:"requests_per_second"`
	P50Micros    float64 `json:"p50_us"`
	P99Micros    float64 `json:"p99_us"`
	// Varnish's own hit ratio: cache_hit / (cache_hit + cache_miss). Its
	// misses include the lookups of private pages that find a hit-for-miss
	// marker (cache_hitmiss) and go to the origin by design.
	HitRatio float64 `json:"hit_ratio"`
	// X-Cache HIT / (HIT + MISS): the pages Varnish may store, without the
	// private pages (X-Cache PASS).
	CacheableHitRatio float64 `json:"cacheable_hit_ratio"`
	CachedShare       float64 `json:"cached_share"` // X-Cache HIT / views
	// The best cacheable hit ratio possible: the first view of a URL that
	// no earlier day requested must miss.
	Ceiling       float64           `json:"ceiling"`
	DistinctURLs  int               `json:"distinct_urls"`
	NewURLs       int               `json:"new_urls"`
	OriginReqs    uint64            `json:"origin_requests"` // MAIN.backend_req
	OriginPerS    float64           `json:"origin_requests_per_second"`
	Kinds         map[string]int    `json:"requests_by_kind"`
	XCache        map[string]int    `json:"x_cache"`
	ScriptToggles int               `json:"script_toggles"`
	Errors        int               `json:"errors"`
	FirstError    string            `json:"first_error,omitempty"`
	Violations    int               `json:"personalisation_violations"`
	Samples       []string          `json:"violation_samples,omitempty"`
	Varnish       map[string]uint64 `json:"varnish"`
	// CPU seconds used during the day by each party; the machine had
	// cores × wall seconds to give ("available").
	CPU map[string]float64 `json:"cpu_seconds"`
	// Renewals of the login, with -idle-timeout (idle.go).
	Idle *idleSummary `json:"idle,omitempty"`
}

func (r *result) summary(day int) summary {
	hit, miss := float64(r.stats["MAIN.cache_hit"]), float64(r.stats["MAIN.cache_miss"])
	s := summary{
		Day: day, Views: r.views,
		WallSeconds:  r.wall.Seconds(),
		RequestsPerS: float64(r.views) / r.wall.Seconds(),
		P50Micros:    float64(r.p50) / 1e3, P99Micros: float64(r.p99) / 1e3,
		HitRatio:      ratio(hit, hit+miss),
		DistinctURLs:  r.distinctURLs,
		NewURLs:       r.newURLs,
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
	// (Varnish's client_req also counts the site's purges.)
	s.CachedShare = ratio(float64(r.xcache["HIT"]), float64(r.views))
	s.CacheableHitRatio = ratio(float64(r.xcache["HIT"]), float64(r.xcache["HIT"]+r.xcache["MISS"]))
	cacheable := r.kinds[kProperty] + r.kinds[kSearch]
	s.Ceiling = ratio(float64(cacheable-r.newURLs), float64(cacheable))
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

// printDays writes one benchmark line per day to out, a summary to human and,
// when o.jsonPath is set, the summaries as JSON.
func printDays(days []*result, out, human io.Writer, o options) error {
	run := runSummary{ViewsPerDay: o.views, Users: o.users, Concurrency: o.concurrency, ZipfS: o.zipfS, UpdateRate: o.updateRate, Searches: len(searches)}
	for i, r := range days {
		s := r.summary(i + 1)
		s.Idle = r.idle.summary(o.idleTimeout, r.views)
		run.Days = append(run.Days, s)
		fmt.Fprintf(out, "BenchmarkCache/day=%d/views=%d/users=%d-%d\t1\t%d ns/op\t%.2f wall-s\t%.4f hit-ratio\t%.4f cacheable-hit-ratio\t%.4f cached-share\t%.0f origin-req/s\t%.0f req/s\t%.1f p50-us\t%.1f p99-us\t%d violations\n",
			s.Day, o.views, o.users, r.gomaxprocs, r.wall.Nanoseconds(), s.WallSeconds, s.HitRatio, s.CacheableHitRatio, s.CachedShare,
			s.OriginPerS, s.RequestsPerS, s.P50Micros, s.P99Micros, s.Violations)
		state := "cold cache"
		if s.Day > 1 {
			state = "warm cache"
		}
		fmt.Fprintf(human, "cachebench: day %d (%s): %d views in %.1fs (%.0f req/s, p50 %.0fµs, p99 %.0fµs), %d errors\n",
			s.Day, state, s.Views, s.WallSeconds, s.RequestsPerS, s.P50Micros, s.P99Micros, s.Errors)
		fmt.Fprintf(human, "cachebench: day %d: Varnish hit ratio %.2f%%, cacheable pages %.2f%% (ceiling %.2f%%: %d URLs never requested before), %.2f%% of all requests from cache, origin %d requests (%.0f/s)\n",
			s.Day, 100*s.HitRatio, 100*s.CacheableHitRatio, 100*s.Ceiling, s.NewURLs, 100*s.CachedShare, s.OriginReqs, s.OriginPerS)
		fmt.Fprintf(human, "cachebench: day %d: CPU seconds: load generator %.1f, Varnish %.1f, origin %.1f, of %.1f available\n",
			s.Day, s.CPU["load generator"], s.CPU["varnish"], s.CPU["origin"], s.CPU["available"])
		fmt.Fprintf(human, "cachebench: day %d: requests by kind %v, X-Cache %v, script toggles %d\n", s.Day, s.Kinds, s.XCache, s.ScriptToggles)
		if i := s.Idle; i != nil {
			fmt.Fprintf(human, "cachebench: day %d: idle timeout %s: %d renewals (%.2f per 1000 views), %d Set-Cookie lines, %d bytes (%.0f per renewal); %d logins ended idle\n",
				s.Day, o.idleTimeout, i.Renewals, i.PerThousandViews, i.SetCookies, i.Bytes, ratio(float64(i.Bytes), float64(i.Renewals)), i.IdleLogouts)
		}
		fmt.Fprintf(human, "cachebench: day %d: personalisation violations: %d %q\n", s.Day, s.Violations, s.Samples)
		if s.FirstError != "" {
			fmt.Fprintf(human, "cachebench: day %d: first error: %s\n", s.Day, s.FirstError)
		}
	}
	if o.jsonPath == "" {
		return nil
	}
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(o.jsonPath, append(b, '\n'), 0o644)
}
