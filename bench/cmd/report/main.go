// Command report turns the raw outputs that bench/run.sh keeps in
// bench/results/ into bench/RESULTS.md and the chart bench/results/chart.svg.
//
//	go run ./bench/cmd/report [-results bench/results] [-out bench/RESULTS.md] [-notes bench/NOTES.md]
//
// It reads micro.txt (BenchmarkSession), e2e.txt (e2ebench), cache.txt and
// cache.json (cachebench), the pprof listings pprof-*.txt and, when present,
// micro.benchstat.txt and loadavg.txt. Medians are used throughout; a
// missing input leaves its section saying so rather than failing, so a
// partial run still gives a report.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	results := flag.String("results", "bench/results", "folder of raw results")
	out := flag.String("out", "bench/RESULTS.md", "report to write")
	notes := flag.String("notes", "bench/NOTES.md", "hand-written analysis to include, if it exists")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("report: ")

	in, err := load(*results)
	if err != nil {
		log.Fatal(err)
	}
	if b, err := os.ReadFile(*notes); err == nil {
		in.notes = string(b)
	}
	chartPath := filepath.Join(*results, "chart.svg")
	if err := os.WriteFile(chartPath, []byte(chart(in)), 0o644); err != nil {
		log.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Dir(*out), chartPath)
	if err != nil {
		rel = chartPath
	}
	md := markdown(in, filepath.ToSlash(rel), filepath.ToSlash(*results))
	if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
		log.Fatal(err)
	}
}

// inputs is everything a report is made from.
type inputs struct {
	micro, e2e, cache samples
	cacheRun          *cacheRun
	cacheLog          string
	benchstat         string
	profiles          map[string]string // file name -> pprof listing
	loadavg           string
	date              string // when run.sh started
	notes             string
	e2eConcurrency    string
}

// cacheRun is the part of cachebench's JSON the report uses.
type cacheRun struct {
	ViewsPerDay int        `json:"views_per_day"`
	Users       int        `json:"users"`
	Concurrency int        `json:"concurrency"`
	ZipfS       float64    `json:"zipf_s"`
	UpdateRate  float64    `json:"update_rate"`
	Searches    int        `json:"search_pages"`
	Days        []cacheDay `json:"days"`
}

// cacheDay is one day of a cachebench run; day 1 starts with an empty cache.
type cacheDay struct {
	Day          int                `json:"day"`
	Views        int                `json:"views"`
	WallSeconds  float64            `json:"wall_seconds"`
	RequestsPerS float64            `json:"requests_per_second"`
	P50Micros    float64            `json:"p50_us"`
	P99Micros    float64            `json:"p99_us"`
	HitRatio     float64            `json:"hit_ratio"`
	Cacheable    float64            `json:"cacheable_hit_ratio"`
	CachedShare  float64            `json:"cached_share"`
	Ceiling      float64            `json:"ceiling"`
	DistinctURLs int                `json:"distinct_urls"`
	NewURLs      int                `json:"new_urls"`
	OriginReqs   uint64             `json:"origin_requests"`
	OriginPerS   float64            `json:"origin_requests_per_second"`
	Kinds        map[string]int     `json:"requests_by_kind"`
	XCache       map[string]int     `json:"x_cache"`
	Toggles      int                `json:"script_toggles"`
	Errors       int                `json:"errors"`
	FirstError   string             `json:"first_error"`
	Violations   int                `json:"personalisation_violations"`
	Samples      []string           `json:"violation_samples"`
	Varnish      map[string]uint64  `json:"varnish"`
	CPU          map[string]float64 `json:"cpu_seconds"`
}

func load(dir string) (*inputs, error) {
	in := &inputs{profiles: map[string]string{}}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return ""
		}
		return string(b)
	}
	in.micro, _ = parseBench(strings.NewReader(read("micro.txt")))
	e2e := read("e2e.txt")
	in.e2e, _ = parseBench(strings.NewReader(e2e))
	for _, line := range strings.Split(e2e, "\n") {
		if v, ok := strings.CutPrefix(line, "concurrency: "); ok {
			in.e2eConcurrency = strings.TrimSpace(v)
		}
	}
	in.cacheLog = read("cache.txt")
	in.cache, _ = parseBench(strings.NewReader(in.cacheLog))
	if b := read("cache.json"); b != "" {
		in.cacheRun = new(cacheRun)
		if err := json.Unmarshal([]byte(b), in.cacheRun); err != nil {
			return nil, fmt.Errorf("cache.json: %w", err)
		}
		if len(in.cacheRun.Days) == 0 {
			return nil, fmt.Errorf("cache.json: no days")
		}
	}
	in.benchstat = read("micro.benchstat.txt")
	in.loadavg = strings.TrimSpace(read("loadavg.txt"))
	in.date = strings.TrimSpace(read("date.txt"))
	matches, _ := filepath.Glob(filepath.Join(dir, "pprof-*.txt"))
	for _, m := range matches {
		in.profiles[filepath.Base(m)] = read(filepath.Base(m))
	}
	if len(in.micro) == 0 && len(in.e2e) == 0 && in.cacheRun == nil {
		return nil, fmt.Errorf("no results in %s: run bench/run.sh first", dir)
	}
	return in, nil
}

// machine describes the computer the report is written on (run.sh writes it
// right after the runs, on the same machine).
func machine(date string) [][2]string {
	if date == "" {
		date = time.Now().UTC().Format("2006-01-02 15:04 MST")
	}
	cpu, mem := "unknown", "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	kernel := "unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	return [][2]string{
		{"CPUs (nproc)", fmt.Sprint(runtime.NumCPU())},
		{"CPU model", cpu},
		{"memory", mem},
		{"Go", runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH},
		{"kernel", kernel},
		{"date of the run", date},
	}
}
