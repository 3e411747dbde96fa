// Package bench measures clientsession against the session libraries Go
// sites use today, and the cached example site, all in one run. It answers
// the original 2009 claim "nothing is written on server side, which could
// increase performances (not benchmarked yet)".
//
// The package has no API; it holds the benchmarks and the programs that run
// them:
//
//	go test -run '^$' -bench . -benchmem ./bench   # micro benchmarks
//	go run ./bench/cmd/e2ebench                     # chi app, three ways, under load
//	go run ./bench/cmd/cachebench                   # examples/century behind Varnish
//	bench/run.sh                                    # all of it, then bench/RESULTS.md
//
// # Micro benchmarks
//
// BenchmarkSession runs four requests against five setups on one fixed
// six-key session (see package bench/internal/harness):
//
//   - req=read: the middleware plus reading "user" and "_auth_user_id";
//   - req=write: the middleware plus changing "lang";
//   - req=cold: the read request with no cookies at all (a first visit);
//   - req=untouched: the session's cookies, and a handler that never reads
//     the session (a public page behind the middleware);
//
// and lib=clientsession, clientsession-revoker (the same with a Revoker
// that answers from memory and revokes nothing: the library's own cost of
// checking revocations), gorilla (CookieStore, default codec, hash and block
// keys), scs-mem (scs v2 with its memstore) and scs-redis (scs v2 with
// goredisstore and a real redis-server on loopback, started by the
// benchmark). Each request carries the cookies the library itself produced
// for the session. Besides ns/op, B/op and allocs/op each case reports
// cookie-B/op (bytes of the Cookie request header) and setcookie-B/op (bytes
// of the Set-Cookie response headers). lib=none is the harness alone: a
// handler with no session, to show what the measurement itself costs; a
// library's own allocations are its allocs/op less lib=none's.
//
// Under a plain "go test" only TestHarnesses runs: it checks, quickly, that
// every harness reads back what it wrote. It needs redis-server (Debian
// package redis-server): it fails without it when CI=true and skips the
// Redis case otherwise.
//
// # Results
//
// bench/run.sh keeps the raw outputs, in benchstat's format, in
// bench/results/*.txt and writes bench/RESULTS.md from them with
// bench/cmd/report.
package bench
