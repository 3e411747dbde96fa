package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReport writes a report from small inputs and checks the targets table
// and that the chart is well-formed XML.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("micro.txt", `BenchmarkSession/req=read/lib=clientsession-2 1 2000 ns/op 600 cookie-B/op 0 setcookie-B/op 2000 B/op 12 allocs/op
BenchmarkSession/req=read/lib=gorilla-2 1 25000 ns/op 1000 cookie-B/op 0 setcookie-B/op 16000 B/op 290 allocs/op
BenchmarkVersus/req=read/a=clientsession-revoker/b=clientsession-2 1 1 ns/op 1.2 ratio
BenchmarkSession/req=read/lib=clientsession-revoker-2 1 2100 ns/op 600 cookie-B/op 0 setcookie-B/op 2000 B/op 12 allocs/op
BenchmarkSession/req=read/lib=none-2 1 100 ns/op 0 cookie-B/op 0 setcookie-B/op 320 B/op 1 allocs/op
BenchmarkSession/req=cold/lib=clientsession-2 1 400 ns/op 0 cookie-B/op 0 setcookie-B/op 1100 B/op 6 allocs/op
BenchmarkSession/req=cold/lib=none-2 1 100 ns/op 0 cookie-B/op 0 setcookie-B/op 320 B/op 1 allocs/op
BenchmarkSession/req=write/lib=clientsession-2 1 2000 ns/op 600 cookie-B/op 70 setcookie-B/op 2000 B/op 12 allocs/op
BenchmarkSession/req=write/lib=gorilla-2 1 80000 ns/op 1000 cookie-B/op 1100 setcookie-B/op 16000 B/op 350 allocs/op
`)
	write("e2e.txt", "concurrency: 16\nBenchmarkE2E/page=read/app=clientsession-2 1 1 ns/op 30000 req/s 300 p50-us 3000 p99-us\nBenchmarkE2E/page=read/app=scs-redis-2 1 1 ns/op 10000 req/s 300 p50-us 3000 p99-us\nBenchmarkE2E/page=read/app=none-2 1 1 ns/op 32000 req/s 300 p50-us 3000 p99-us\nBenchmarkE2EPair/page=read/a=none/b=clientsession-2 1 1 ns/op 20000 a-req/s 19000 b-req/s 0.95 b/a\n")
	write("cache.json", `{"views_per_day":1000000,"days":[
		{"day":1,"views":1000000,"wall_seconds":70,"hit_ratio":0.93,"cacheable_hit_ratio":0.935,"ceiling":0.936},
		{"day":2,"views":1000000,"wall_seconds":50,"hit_ratio":0.949,"cacheable_hit_ratio":0.97,"ceiling":0.98,"errors":1}]}`)
	in, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	md := markdown(in, "results/chart.svg", "bench/results")
	for _, want := range []string{
		"| read speed | ≥ 20× gorilla | 12.5× (2.00 µs vs 25.00 µs) | missed |",
		"| read allocations in the library | ≤ 8 allocs/op | 11 allocs/op (12 measured, less the harness's 1) | missed |",
		"| read with a Revoker | within 10% of read without | +20.0% interleaved; +5.0% from the separate benchmarks (2.10 µs vs 2.00 µs) | missed |",
		"| write speed | ≥ 25× gorilla | 40.0× (2.00 µs vs 80.00 µs) | **met** |",
		"| cold request allocations | ≤ 5 allocs/op, harness included | 6 allocs/op (library 5, harness 1) | missed |",
		"| end-to-end overhead, reading page | ≤ 10% fewer req/s than without a session library | 5.0% interleaved (19000 vs 20000 req/s); 6.2% from the rounds' medians (30000 vs 32000 req/s); met only if both are | **met** |",
		"| read | 20000 | 19000 | -5.0% |",
		"| read | clientsession | 30000 | 300.00 µs | 3.00 ms | -6.2% | 3.00× |",
		"| write Set-Cookie bytes | ≤ 15% of gorilla | 6.4% (70 B vs 1100 B) | **met** |",
		"| end-to-end, reading page | ≥ 1.5× scs+Redis req/s | 3.00× (30000 vs 10000 req/s) | **met** |",
		"| cache, wall time | 1000000 views ≤ 60 s | 70.0 s, from an empty cache (day 2, warm cache: 50.0 s) | missed |",
		"| cache, hit ratio, day 1 (empty cache at the start): Varnish's counters | ≥ 95% | 93.00% (cache_hit / (cache_hit + cache_miss)) | missed |",
		"| cache, hit ratio, day 1 (empty cache at the start): cacheable pages | ≥ 95% | 93.50% (X-Cache HIT / (HIT + MISS); at most 93.60% possible) | missed |",
		"| cache, hit ratio, day 2 (warm cache): Varnish's counters | ≥ 95% | 94.90% (cache_hit / (cache_hit + cache_miss)) | missed |",
		"| cache, hit ratio, day 2 (warm cache): cacheable pages | ≥ 95% | 97.00% (X-Cache HIT / (HIT + MISS); at most 98.00% possible) | **met** |",
		"| cache, personalisation | no user sees another's data | 0 violations, 1 errors in 2000000 checked views | missed |",
		"| wall time | 70.0 s | 50.0 s |",
		"16 concurrent users",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	svg := chart(in)
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("chart is not well-formed: %v", err)
	}
	if !strings.Contains(svg, "clientsession") || !strings.Contains(svg, "30000 req/s") {
		t.Error("chart lacks its series or values")
	}
	if _, err := load(t.TempDir()); err == nil {
		t.Error("load of an empty folder succeeded")
	}
	write("cache.json", `{"views_per_day":1000000,"days":[]}`)
	if _, err := load(dir); err == nil {
		t.Error("load of a cache run without days succeeded")
	}
}
