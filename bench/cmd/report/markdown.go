package main

import (
	"fmt"
	"sort"
	"strings"
)

var (
	libs     = []string{"clientsession", "clientsession-revoker", "gorilla", "scs-mem", "scs-redis", "none"}
	requests = []string{"read", "write", "cold", "untouched"}
	apps     = []string{"none", "clientsession", "scs-redis", "gorilla"}
	pages    = []string{"read", "write"}
)

func microName(req, lib string) string { return "BenchmarkSession/req=" + req + "/lib=" + lib }
func e2eName(page, app string) string  { return "BenchmarkE2E/page=" + page + "/app=" + app }
func versusName(req, a, b string) string {
	return "BenchmarkVersus/req=" + req + "/a=" + a + "/b=" + b
}
func pairName(page string) string { return "BenchmarkE2EPair/page=" + page + "/a=none/b=clientsession" }

// speedup states a ratio target: the interleaved figure (BenchmarkVersus)
// when the run has it, which decides met or missed, then the ratio of the
// separate benchmarks' medians.
func speedup(m samples, req string, sep, csNS, gNS float64, ok bool) (string, float64, bool) {
	v, okV := m.median(versusName(req, "gorilla", "clientsession"), "speed-up")
	switch {
	case okV && ok:
		return fmt.Sprintf("%.1f× interleaved; %.1f× from the separate benchmarks (%s vs %s)", v, sep, dur(csNS), dur(gNS)), v, true
	case okV:
		return fmt.Sprintf("%.1f× interleaved", v), v, true
	case ok:
		return fmt.Sprintf("%.1f× (%s vs %s)", sep, dur(csNS), dur(gNS)), sep, true
	}
	return "", 0, false
}

// target is one goal of issues 6 and 13 and what this run measured for it.
type target struct {
	name, goal, measured string
	met, known           bool
}

func targets(in *inputs) []target {
	var t []target
	m := in.micro
	csRead, ok1 := m.median(microName("read", "clientsession"), "ns/op")
	gRead, ok2 := m.median(microName("read", "gorilla"), "ns/op")
	allocs, ok3 := m.median(microName("read", "clientsession"), "allocs/op")
	harnessAllocs, _ := m.median(microName("read", "none"), "allocs/op")
	if text, x, ok := speedup(m, "read", gRead/csRead, csRead, gRead, ok1 && ok2); ok {
		t = append(t, target{"read speed", "≥ 20× gorilla", text, x >= 20, true})
	}
	if ok3 {
		lib := allocs - harnessAllocs
		t = append(t, target{"read allocations in the library", "≤ 8 allocs/op",
			fmt.Sprintf("%.0f allocs/op (%.0f measured, less the harness's %.0f)", lib, allocs, harnessAllocs), lib <= 8, true})
	}
	rv, okR := m.median(microName("read", "clientsession-revoker"), "ns/op")
	if v, ok := m.median(versusName("read", "clientsession-revoker", "clientsession"), "ratio"); ok {
		text := fmt.Sprintf("%+.1f%% interleaved", 100*(v-1))
		if okR && ok1 {
			text += fmt.Sprintf("; %+.1f%% from the separate benchmarks (%s vs %s)", 100*(rv/csRead-1), dur(rv), dur(csRead))
		}
		t = append(t, target{"read with a Revoker", "within 10% of read without", text, v <= 1.10, true})
	} else if okR && ok1 {
		t = append(t, target{"read with a Revoker", "within 10% of read without",
			fmt.Sprintf("%+.1f%% (%s vs %s)", 100*(rv/csRead-1), dur(rv), dur(csRead)), rv/csRead <= 1.10, true})
	}
	csWrite, ok1 := m.median(microName("write", "clientsession"), "ns/op")
	gWrite, ok2 := m.median(microName("write", "gorilla"), "ns/op")
	csSC, ok3 := m.median(microName("write", "clientsession"), "setcookie-B/op")
	gSC, ok4 := m.median(microName("write", "gorilla"), "setcookie-B/op")
	if text, x, ok := speedup(m, "write", gWrite/csWrite, csWrite, gWrite, ok1 && ok2); ok {
		t = append(t, target{"write speed", "≥ 25× gorilla", text, x >= 25, true})
	}
	if ok3 && ok4 && gSC > 0 {
		t = append(t, target{"write Set-Cookie bytes", "≤ 15% of gorilla", fmt.Sprintf("%.1f%% (%.0f B vs %.0f B)", 100*csSC/gSC, csSC, gSC), csSC/gSC <= 0.15, true})
	}
	for _, req := range []string{"cold", "untouched"} {
		if a, ok := m.median(microName(req, "clientsession"), "allocs/op"); ok {
			h, _ := m.median(microName(req, "none"), "allocs/op")
			t = append(t, target{req + " request allocations", "≤ 5 allocs/op, harness included",
				fmt.Sprintf("%.0f allocs/op (library %.0f, harness %.0f)", a, a-h, h), a <= 5, true})
		}
	}
	noneRPS, okN := in.e2e.median(e2eName("read", "none"), "req/s")
	cs, okC := in.e2e.median(e2eName("read", "clientsession"), "req/s")
	rounds := ""
	if okN && okC && noneRPS > 0 {
		rounds = fmt.Sprintf("%.1f%% from the rounds' medians (%.0f vs %.0f req/s)", 100*(1-cs/noneRPS), cs, noneRPS)
	}
	if ba, ok := in.e2e.median(pairName("read"), "b/a"); ok {
		a, _ := in.e2e.median(pairName("read"), "a-req/s")
		b, _ := in.e2e.median(pairName("read"), "b-req/s")
		text := fmt.Sprintf("%.1f%% interleaved (%.0f vs %.0f req/s)", 100*(1-ba), b, a)
		met := 1-ba <= 0.10
		if rounds != "" {
			// Met only if both measurements say so: on a shared machine
			// either can be off by more than the margin.
			text += "; " + rounds + "; met only if both are"
			met = met && 1-cs/noneRPS <= 0.10
		}
		t = append(t, target{"end-to-end overhead, reading page", "≤ 10% fewer req/s than without a session library", text, met, true})
	} else if rounds != "" {
		t = append(t, target{"end-to-end overhead, reading page", "≤ 10% fewer req/s than without a session library", rounds, 1-cs/noneRPS <= 0.10, true})
	}
	csRPS, ok1 := in.e2e.median(e2eName("read", "clientsession"), "req/s")
	rRPS, ok2 := in.e2e.median(e2eName("read", "scs-redis"), "req/s")
	if ok1 && ok2 {
		t = append(t, target{"end-to-end, reading page", "≥ 1.5× scs+Redis req/s",
			fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)", csRPS/rRPS, csRPS, rRPS), csRPS/rRPS >= 1.5, true})
	}
	if c := in.cacheRun; c != nil {
		cold := c.Days[0]
		wall := fmt.Sprintf("%.1f s, from an empty cache", cold.WallSeconds)
		if len(c.Days) > 1 {
			wall += fmt.Sprintf(" (day %d, warm cache: %.1f s)", c.Days[1].Day, c.Days[1].WallSeconds)
		}
		t = append(t, target{"cache, wall time", fmt.Sprintf("%d views ≤ 60 s", cold.Views), wall, cold.WallSeconds <= 60, true})
		for _, d := range c.Days {
			state := "warm cache"
			if d.Day == 1 {
				state = "empty cache at the start"
			}
			t = append(t,
				target{fmt.Sprintf("cache, hit ratio, day %d (%s): Varnish's counters", d.Day, state), "≥ 95%",
					fmt.Sprintf("%.2f%% (cache_hit / (cache_hit + cache_miss))", 100*d.HitRatio), d.HitRatio >= 0.95, true},
				target{fmt.Sprintf("cache, hit ratio, day %d (%s): cacheable pages", d.Day, state), "≥ 95%",
					fmt.Sprintf("%.2f%% (X-Cache HIT / (HIT + MISS); at most %.2f%% possible)", 100*d.Cacheable, 100*d.Ceiling), d.Cacheable >= 0.95, true})
		}
		viol, errs := 0, 0
		for _, d := range c.Days {
			viol += d.Violations
			errs += d.Errors
		}
		t = append(t, target{"cache, personalisation", "no user sees another's data",
			fmt.Sprintf("%d violations, %d errors in %d checked views", viol, errs, len(c.Days)*c.ViewsPerDay), viol == 0 && errs == 0, true})
	}
	return t
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func markdown(in *inputs, chartPath, resultsDir string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# fullsession benchmark results\n\n")
	p("Generated by `bench/run.sh` (with `bench/cmd/report`) from the raw outputs in [`%s/`](%s/). ", resultsDir[strings.LastIndex(resultsDir, "/")+1:], strings.TrimPrefix(resultsDir, "bench/"))
	p("The targets of issues 6 and 13 are goals, not test assertions; this page states which this run met.\n\n")
	p("## Machine\n\n| | |\n|---|---|\n")
	for _, kv := range machine(in.date) {
		p("| %s | %s |\n", kv[0], kv[1])
	}
	if in.loadavg != "" {
		p("| load average before the run | %s |\n", in.loadavg)
	}
	p("\nEverything (load generators, servers, Redis, Varnish) ran on this one machine, over loopback.\n\n")

	p("## Targets\n\n| target | goal | measured | |\n|---|---|---|---|\n")
	for _, t := range targets(in) {
		mark := "missed"
		if t.met {
			mark = "**met**"
		}
		p("| %s | %s | %s | %s |\n", t.name, t.goal, t.measured, mark)
	}
	p("\n![Comparison chart](%s)\n\n", chartPath)

	microSection(&b, in)
	e2eSection(&b, in)
	cacheSection(&b, in)

	if len(in.profiles) > 0 {
		p("## Profiles of clientsession\n\n")
		p("CPU and allocation profiles of the clientsession micro benchmarks (`go tool pprof -top`), taken by run.sh in the same run.\n\n")
		names := make([]string, 0, len(in.profiles))
		for n := range in.profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p("<details><summary>%s</summary>\n\n```\n%s\n```\n</details>\n\n", n, strings.TrimSpace(in.profiles[n]))
		}
	}
	if in.notes != "" {
		p("%s\n\n", strings.TrimSpace(in.notes))
	}
	p("## Raw data\n\n")
	p("`micro.txt`, `e2e.txt` and `cache.txt` are in Go's benchmark format: compare two runs with\n`benchstat old/micro.txt new/micro.txt`, or pivot one run by library with `benchstat -col /lib micro.txt`.\n")
	if in.benchstat != "" {
		p("\n<details><summary>benchstat -col /lib micro.txt</summary>\n\n```\n%s\n```\n</details>\n", strings.TrimSpace(in.benchstat))
	}
	return b.String()
}

func microSection(b *strings.Builder, in *inputs) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Micro benchmarks\n\n")
	if len(in.micro) == 0 {
		p("No micro benchmark results (micro.txt missing).\n\n")
		return
	}
	p("`BenchmarkSession` (bench/micro_test.go): one request through the library's middleware and natural API, on the fixed six-key session ")
	p("(`user`, `selection` of 20 ids, `lang`, `last_search`, `_auth_user_id`, `_csrf`). The request carries the cookies the library itself set at log-in. ")
	p("*read* reads `user` and `_auth_user_id`; *write* changes `lang`; *cold* is the read request without cookies; ")
	p("*untouched* carries the session's cookies to a handler that never reads the session. ")
	p("`clientsession-revoker` is clientsession with a Revoker that answers from memory and revokes nothing. ")
	p("`none` is the harness alone (it copies the request: 1 allocation), counted in every library's figure; *lib allocs* is a library's allocs/op less none's. ")
	p("Medians of %d runs; speed-up is gorilla's ns/op divided by the library's.\n\n", in.micro.count(microName("read", "clientsession")))
	for _, req := range requests {
		p("### %s\n\n| library | time/op | B/op | allocs/op | lib allocs | Cookie header B | Set-Cookie B | speed-up vs gorilla |\n|---|---:|---:|---:|---:|---:|---:|---:|\n", req)
		g, _ := in.micro.median(microName(req, "gorilla"), "ns/op")
		h, _ := in.micro.median(microName(req, "none"), "allocs/op")
		for _, lib := range libs {
			n := microName(req, lib)
			ns, ok := in.micro.median(n, "ns/op")
			if !ok {
				continue
			}
			bop, _ := in.micro.median(n, "B/op")
			al, _ := in.micro.median(n, "allocs/op")
			ck, _ := in.micro.median(n, "cookie-B/op")
			sc, _ := in.micro.median(n, "setcookie-B/op")
			p("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f× |\n", lib, dur(ns), bop, al, al-h, ck, sc, g/ns)
		}
		p("\n")
	}
}

func e2eSection(b *strings.Builder, in *inputs) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## End to end\n\n")
	if len(in.e2e) == 0 {
		p("No end-to-end results (e2e.txt missing).\n\n")
		return
	}
	p("`bench/cmd/e2ebench`: the same chi app (bench/internal/app) built with each library, each in its own process on loopback; ")
	p("the Go load generator (bench/internal/load) runs %s concurrent users, each logged in with its own session, back to back. ", orUnknown(in.e2eConcurrency))
	p("*read* renders a 2 KB page greeting the user from the session (each response is checked to greet its own user); *write* changes `lang`. ")
	p("`none` is the same app without a session library: its page greets a fixed anonymous user and its write does nothing; its users send the same clientsession cookies (which it ignores), so only the server's work differs; each round runs it right before clientsession. ")
	p("Medians of %d rounds; *vs none* is the change in req/s against none (the overhead of the library), *vs scs+Redis* the ratio of req/s.\n\n", in.e2e.count(e2eName("read", "clientsession")))
	p("| page | app | req/s | p50 | p99 | vs none | vs scs+Redis |\n|---|---|---:|---:|---:|---:|---:|\n")
	for _, page := range pages {
		r, _ := in.e2e.median(e2eName(page, "scs-redis"), "req/s")
		none, _ := in.e2e.median(e2eName(page, "none"), "req/s")
		for _, app := range apps {
			n := e2eName(page, app)
			rps, ok := in.e2e.median(n, "req/s")
			if !ok {
				continue
			}
			p50, _ := in.e2e.median(n, "p50-us")
			p99, _ := in.e2e.median(n, "p99-us")
			p("| %s | %s | %.0f | %s | %s | %+.1f%% | %.2f× |\n", page, app, rps, dur(p50*1e3), dur(p99*1e3), 100*(rps/none-1), rps/r)
		}
	}
	p("\n")
	if _, ok := in.e2e.median(pairName("read"), "b/a"); ok {
		p("Interleaved (`BenchmarkE2EPair`): after the rounds, none and clientsession again, in half-second slices alternating none, clientsession, clientsession, none, for as long as the rounds gave each; each side's median req/s over its slices:\n\n")
		p("| page | none req/s | clientsession req/s | change |\n|---|---:|---:|---:|\n")
		for _, page := range pages {
			ba, ok := in.e2e.median(pairName(page), "b/a")
			if !ok {
				continue
			}
			a, _ := in.e2e.median(pairName(page), "a-req/s")
			b, _ := in.e2e.median(pairName(page), "b-req/s")
			p("| %s | %.0f | %.0f | %+.1f%% |\n", page, a, b, 100*(ba-1))
		}
		p("\n")
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "several"
	}
	return s
}

func cacheSection(b *strings.Builder, in *inputs) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Cache\n\n")
	c := in.cacheRun
	if c == nil {
		p("No cache results (cache.json missing).\n\n")
		return
	}
	p("`bench/cmd/cachebench`: examples/century behind Varnish (started by `examples/century/varnish/run.sh`, cachehint's VCL), ")
	p("%d days of %d page views from %d simulated users, each with its own cookie jar, over %d keep-alive connections. ", len(c.Days), c.ViewsPerDay, c.Users, c.Concurrency)
	searches := "504 canonical search URLs"
	if c.Searches > 0 {
		searches = fmt.Sprintf("%d search pages (the first three pages of 168 canonical searches, following the site's keyset Next links)", c.Searches)
	}
	p("Property pages are Zipf-distributed (s = %.2f) over 100,000 ids, search pages over %s; the site's updater changed %.0f properties a second and purged each from Varnish. ", c.ZipfS, searches, c.UpdateRate)
	p("Day 1 starts with an empty cache. Day 2 is the same traffic model the next day, against the same Varnish, site and visitors (who keep their cookies): ")
	p("the steady state of a production cache, where property pages stay cached a day. Each day is measured on its own.\n\n")
	p("| |")
	for _, d := range c.Days {
		state := "warm cache"
		if d.Day == 1 {
			state = "empty cache at the start"
		}
		p(" day %d (%s) |", d.Day, state)
	}
	p("\n|---|%s\n", strings.Repeat("---:|", len(c.Days)))
	row := func(name string, f func(d cacheDay) string) {
		p("| %s |", name)
		for _, d := range c.Days {
			p(" %s |", f(d))
		}
		p("\n")
	}
	pct := func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }
	row("wall time", func(d cacheDay) string { return fmt.Sprintf("%.1f s", d.WallSeconds) })
	row("requests/s through Varnish", func(d cacheDay) string { return fmt.Sprintf("%.0f", d.RequestsPerS) })
	row("latency p50 / p99", func(d cacheDay) string { return dur(d.P50Micros*1e3) + " / " + dur(d.P99Micros*1e3) })
	row("Varnish hit ratio (cache_hit / (cache_hit + cache_miss))", func(d cacheDay) string { return pct(d.HitRatio) })
	row("hit ratio of the cacheable pages (X-Cache HIT / (HIT + MISS))", func(d cacheDay) string { return pct(d.Cacheable) })
	row("best possible cacheable hit ratio (first-ever views of a URL must miss)", func(d cacheDay) string { return pct(d.Ceiling) })
	row("property and search URLs requested / never requested before", func(d cacheDay) string { return fmt.Sprintf("%d / %d", d.DistinctURLs, d.NewURLs) })
	row("requests served from the cache (X-Cache HIT / views)", func(d cacheDay) string { return pct(d.CachedShare) })
	row("private-page lookups counted as misses (cache_hitmiss)", func(d cacheDay) string { return fmt.Sprint(d.Varnish["MAIN.cache_hitmiss"]) })
	row("origin requests (backend_req)", func(d cacheDay) string { return fmt.Sprint(d.OriginReqs) })
	row("origin requests/s", func(d cacheDay) string { return fmt.Sprintf("%.0f", d.OriginPerS) })
	row("selection toggles written by the page script (no request)", func(d cacheDay) string { return fmt.Sprint(d.Toggles) })
	row("personalisation violations", func(d cacheDay) string { return fmt.Sprint(d.Violations) })
	row("failed requests", func(d cacheDay) string { return fmt.Sprint(d.Errors) })
	perView := func(party string) func(d cacheDay) string {
		return func(d cacheDay) string { return fmt.Sprintf("%.0f µs", 1e6*d.CPU[party]/float64(max(d.Views, 1))) }
	}
	if len(c.Days[0].CPU) > 0 {
		row("CPU per view: load generator", perView("load generator"))
		row("CPU per view: Varnish", perView("varnish"))
		row("CPU per view: origin", perView("origin"))
		row("CPU per view: all three", func(d cacheDay) string {
			used := d.CPU["load generator"] + d.CPU["varnish"] + d.CPU["origin"]
			return fmt.Sprintf("%.0f µs", 1e6*used/float64(max(d.Views, 1)))
		})
		row("share of the machine's CPU (cores × wall time) used by the three", func(d cacheDay) string {
			used := d.CPU["load generator"] + d.CPU["varnish"] + d.CPU["origin"]
			return pct(used / max(d.CPU["available"], 1e-9))
		})
	}
	p("\n")
	for _, d := range c.Days {
		p("Day %d requests by kind: %s. X-Cache: %s.\n\n", d.Day, kv(d.Kinds), kv(d.XCache))
	}
	p("CPU times come from /proc (Varnish's and the site's process groups) and getrusage (the load generator), taken at the start and end of each day. ")
	p("Varnish counts a lookup of the private `/selection` page that finds its hit-for-miss marker as a miss (and as `cache_hitmiss`); ")
	p("X-Cache says PASS for those, so the cacheable hit ratio leaves them out.\n\n")
	p("The personalisation check (bench/cmd/cachebench/check.go) runs on every response: a cached (HIT) response never carries Set-Cookie; ")
	p("shared pages hold only the empty greeting placeholder; after every response that set cookies and every script-side toggle, the user's jar must hold exactly ")
	p("that user's name (as the page script would show it from the Signed `user` cookie) and selection; the private `/selection` page must never be a HIT and must show that user's name and exactly that user's selection.\n\n")
	for _, d := range c.Days {
		if len(d.Samples) > 0 {
			p("Day %d, first violations:\n\n", d.Day)
			for _, s := range d.Samples {
				p("- %s\n", s)
			}
			p("\n")
		}
		if d.FirstError != "" {
			p("Day %d, first failed request: `%s`\n\n", d.Day, d.FirstError)
		}
	}
}

func kv[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := k
		if name == "" {
			name = "(none)"
		}
		parts[i] = fmt.Sprintf("%s %v", name, m[k])
	}
	return strings.Join(parts, ", ")
}
