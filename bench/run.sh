#!/usr/bin/env bash
# run.sh runs every benchmark of bench/ and writes bench/RESULTS.md:
#
#   1. the micro benchmarks (BenchmarkSession, -count runs for benchstat),
#      then CPU and allocation profiles of clientsession's read and write;
#   2. the end-to-end load of the chi app built three ways (e2ebench);
#   3. examples/century behind Varnish (cachebench): a day of 1,000,000 page
#      views from an empty cache, then a second day against the warm cache;
#   4. the report (bench/cmd/report): bench/RESULTS.md and results/chart.svg.
#
# Raw outputs stay in bench/results/ in Go's benchmark format (benchstat reads
# them). Run it from anywhere; it takes about 10 minutes on 2 cores.
#
#   COUNT=6 BENCHTIME=1s E2E_COUNT=5 E2E_DURATION=8s VIEWS=1000000 DAYS=2 bench/run.sh
#
# Needs redis-server, varnishd and the xkey vmod (Debian: redis-server,
# varnish, varnish-modules). A failed step is reported in RESULTS.md and
# makes the script exit non-zero after the report is written.
set -uo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
E2E_COUNT=${E2E_COUNT:-5}
E2E_DURATION=${E2E_DURATION:-8s}
VIEWS=${VIEWS:-1000000}
DAYS=${DAYS:-2}
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

res=bench/results
tmp=bench/out
mkdir -p "$res" "$tmp"
status=0
log() { printf '\n==> %s\n' "$*" >&2; }
fail() { echo "run.sh: $*" >&2; status=1; }

cut -d' ' -f1-3 /proc/loadavg >"$res/loadavg.txt"
date -u '+%Y-%m-%d %H:%M UTC' >"$res/date.txt"

log "micro benchmarks (count $COUNT)"
go test -run '^$' -bench '^Benchmark(Session|Versus)$' -benchtime "$BENCHTIME" -count "$COUNT" ./bench \
  | tee "$res/micro.txt" || fail "micro benchmarks failed"

log "profiles of clientsession"
rm -f "$res"/pprof-*.txt
if go test -c -o "$tmp/bench.test" ./bench; then
  for req in read write; do
    "$tmp/bench.test" -test.run '^$' -test.bench "^BenchmarkSession/req=$req/lib=clientsession\$" \
      -test.benchtime 2s -test.cpuprofile "$tmp/$req.cpu.prof" >/dev/null &&
    "$tmp/bench.test" -test.run '^$' -test.bench "^BenchmarkSession/req=$req/lib=clientsession\$" \
      -test.benchtime 200000x -test.memprofile "$tmp/$req.mem.prof" -test.memprofilerate 1 >/dev/null &&
    go tool pprof -top -nodecount 25 "$tmp/bench.test" "$tmp/$req.cpu.prof" >"$res/pprof-$req-cpu.txt" 2>/dev/null &&
    go tool pprof -top -nodecount 25 -sample_index alloc_objects "$tmp/bench.test" "$tmp/$req.mem.prof" \
      >"$res/pprof-$req-allocs.txt" 2>/dev/null || fail "profiling $req failed"
  done
else
  fail "could not build the benchmark binary"
fi

log "benchstat"
go run "$BENCHSTAT" -col /lib "$res/micro.txt" >"$res/micro.benchstat.txt" 2>/dev/null ||
  { rm -f "$res/micro.benchstat.txt"; echo "run.sh: benchstat unavailable, skipped" >&2; }

log "end to end (count $E2E_COUNT, $E2E_DURATION per case)"
go run ./bench/cmd/e2ebench -count "$E2E_COUNT" -duration "$E2E_DURATION" \
  | tee "$res/e2e.txt" || fail "e2ebench failed"

log "cache: $DAYS days of $VIEWS page views through Varnish"
rm -f "$res/cache.json"
go run ./bench/cmd/cachebench -views "$VIEWS" -days "$DAYS" -json "$res/cache.json" \
  | tee "$res/cache.txt" || fail "cachebench failed"

log "report"
go run ./bench/cmd/report -results "$res" -out bench/RESULTS.md || fail "report failed"
echo "run.sh: wrote bench/RESULTS.md" >&2
exit $status
