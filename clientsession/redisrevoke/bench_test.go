// bench_test.go measures the targets of issue 11: a cached NotBefore (cost,
// allocations and Redis round trips per lookup) and how fast a Revoke on
// one server reaches another.
//
//	go test -run '^$' -bench . -benchtime 1s
//	go test -run '^$' -bench Propagation -benchtime 1000x

package redisrevoke_test

import (
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession/redisrevoke"
)

// BenchmarkNotBeforeCached looks up a subject already seen, revoked or
// never revoked. It fails if any lookup reached Redis; roundtrips/op
// counts the commands Redis ran meanwhile (INFO commandstats). cpu-ns/op
// is the process's CPU time per lookup, which, unlike ns/op, does not grow
// when other processes hold the machine's cores.
func BenchmarkNotBeforeCached(b *testing.B) {
	s := startRedis(b)
	r, _ := newRevoker(b, s.Addr(), redisrevoke.Options{})
	c := admin(b, s.Addr())
	if err := r.Revoke(ctx, "revoked", time.Now()); err != nil {
		b.Fatal(err)
	}
	for _, subj := range []string{"revoked", "never-revoked"} {
		b.Run(subj, func(b *testing.B) {
			if _, err := r.NotBefore(ctx, subj); err != nil {
				b.Fatal(err)
			}
			before := calls(b, c)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := r.NotBefore(ctx, subj); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			n := calls(b, c) - before
			b.ReportMetric(float64(n)/float64(b.N), "roundtrips/op")
			if n != 0 {
				b.Fatalf("%d cached lookups cost %d Redis commands, want 0", b.N, n)
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		const subjects = 1000
		for i := range subjects {
			r.NotBefore(ctx, "user"+strconv.Itoa(i))
		}
		before := calls(b, c)
		b.ReportAllocs()
		cpu0 := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := r.NotBefore(ctx, "user"+strconv.Itoa(i%subjects)); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		n := calls(b, c) - before
		b.ReportMetric(float64(n)/float64(b.N), "roundtrips/op")
		if n != 0 {
			b.Fatalf("%d cached lookups cost %d Redis commands, want 0", b.N, n)
		}
	})
}

// cpuTime returns the CPU time used by this process so far (user+system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPropagation revokes on one Revoker (one Redis client) and polls
// another, whose cache holds "not revoked" for the subject, until it sees
// the revocation. It reports the p50, p99 and max of the time from the
// start of Revoke to that moment; one op is one revocation.
func BenchmarkPropagation(b *testing.B) {
	s := startRedis(b)
	a, _ := newRevoker(b, s.Addr(), redisrevoke.Options{})
	other, _ := newRevoker(b, s.Addr(), redisrevoke.Options{})
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		subj := "p" + strconv.Itoa(i)
		i++
		if nb, err := other.NotBefore(ctx, subj); err != nil || !nb.IsZero() {
			b.Fatal(nb, err)
		}
		start := time.Now()
		if err := a.Revoke(ctx, subj, start); err != nil {
			b.Fatal(err)
		}
		for {
			nb, err := other.NotBefore(ctx, subj)
			if err != nil {
				b.Fatal(err)
			}
			if !nb.IsZero() {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatalf("revocation of %s not seen after 5s", subj)
			}
			runtime.Gosched()
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(q(1), "max-µs")
	b.ReportMetric(float64(len(lat)), "revokes")
	if p99 := lat[int(0.99*float64(len(lat)-1))]; p99 > 100*time.Millisecond {
		b.Errorf("p99 propagation %s, target ≤ 100ms", p99)
	}
}
