// queue_test.go: PurgeQueue and MultiPurger against two real varnishd
// (issue 11): purges survive a cache whose purge path is blocked, or that
// hangs, and reach it when it returns.
package cachehint_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/cachehint/varnish"
	"github.com/fullsession/fullsession/internal/testkit/varnishtest"
)

// dataOrigin serves /v/<tag> with the current version of its data,
// cacheable for an hour and tagged with <tag>.
type dataOrigin struct {
	mu      sync.Mutex
	version map[string]int
	fetches atomic.Int64
}

func (o *dataOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.fetches.Add(1)
	tag := strings.TrimPrefix(r.URL.Path, "/v/")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("xkey", tag)
	io.WriteString(w, o.body(tag))
}

func (o *dataOrigin) body(tag string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return tag + " v" + fmt.Sprint(o.version[tag])
}

// change is a committed data change of tag.
func (o *dataOrigin) change(tag string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.version[tag]++
}

// fleet is a dataOrigin behind n varnishd; backend is its address.
func fleet(t testing.TB, n int) (o *dataOrigin, vs []*varnishtest.Varnish, backend string) {
	o = &dataOrigin{version: map[string]int{}}
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	backend = srv.Listener.Addr().String()
	for i := 0; i < n; i++ {
		vs = append(vs, varnishtest.Start(t, varnishtest.Options{VCL: varnish.DefaultVCL, Backend: backend}))
	}
	return o, vs, backend
}

// blockedVCL is the shipped VCL with a purgers ACL that refuses localhost:
// the instance stays up and serves, but rejects every purge with 403.
func blockedVCL(t testing.TB) string {
	const acl = "acl purgers {\n    \"127.0.0.1\";\n    \"::1\";\n}"
	if !strings.Contains(varnish.DefaultVCL, acl) {
		t.Fatal("the shipped VCL's purgers ACL changed; update blockedVCL")
	}
	return strings.Replace(varnish.DefaultVCL, acl, "acl purgers {\n    \"192.0.2.1\";\n}", 1)
}

var fleetClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func fetch(t testing.TB, url string) (string, error) {
	resp, err := fleetClient.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// stale returns the tags whose page, through v, differs from the origin's
// current data.
func stale(t testing.TB, o *dataOrigin, v *varnishtest.Varnish, tags []string) []string {
	t.Helper()
	var out []string
	for _, tag := range tags {
		got, err := fetch(t, v.URL+"/v/"+tag)
		if err != nil {
			t.Fatal(err)
		}
		if got != o.body(tag) {
			out = append(out, tag)
		}
	}
	return out
}

func purgerFor(v *varnishtest.Varnish) *cachehint.VarnishPurger {
	return &cachehint.VarnishPurger{URL: v.PurgeURL, Client: &http.Client{Timeout: 2 * time.Second}}
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPurgeQueueTwoVarnish(t *testing.T) {
	o, vs, backend := fleet(t, 2)
	v1, v2 := vs[0], vs[1]
	tags := make([]string, 500)
	for i := range tags {
		tags[i] = fmt.Sprint("property-", i)
	}
	// Warm both caches; the pages now stay an hour unless purged.
	for _, v := range vs {
		stale(t, o, v, tags)
		before := o.fetches.Load()
		if s := stale(t, o, v, tags); len(s) != 0 || o.fetches.Load() != before {
			t.Fatalf("cache not warm: %d stale, %d fetches", len(s), o.fetches.Load()-before)
		}
	}
	q := cachehint.NewPurgeQueue(cachehint.MultiPurger(purgerFor(v1), purgerFor(v2)), cachehint.PurgeQueueOptions{
		MaxBatch: 100, MinBackoff: 50 * time.Millisecond, MaxBackoff: 400 * time.Millisecond, Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- q.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	t.Run("one Varnish refuses purges during a burst of 500", func(t *testing.T) {
		if err := v2.UseVCL("blocked", blockedVCL(t), backend); err != nil {
			t.Fatal(err)
		}
		// The block is real: a direct purge is refused.
		if err := purgerFor(v2).Purge(context.Background(), "property-0"); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("blocked Varnish accepted a purge: %v", err)
		}
		for _, tag := range tags {
			o.change(tag)
			q.Enqueue(tag)
		}
		waitUntil(t, "v1 fresh", 30*time.Second, func() bool { return len(stale(t, o, v1, tags)) == 0 })
		if n := q.Pending(); n != 500 {
			t.Errorf("Pending %d while v2 refuses, want 500", n)
		}
		if s := stale(t, o, v2, tags); len(s) != 500 {
			t.Errorf("v2 has %d stale pages while blocked, want 500 (is the block real?)", len(s))
		}
		time.Sleep(time.Second) // several retries, with backoff
		if err := v2.UseVCL("unblocked", varnish.DefaultVCL, backend); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "Pending back to 0", 30*time.Second, func() bool { return q.Pending() == 0 })
		for i, v := range vs {
			if s := stale(t, o, v, tags); len(s) != 0 {
				t.Errorf("varnish %d: %d pages stale after recovery, e.g. %q", i+1, len(s), s[0])
			}
		}
	})

	t.Run("one Varnish hangs (SIGSTOP) during a burst, cache intact", func(t *testing.T) {
		sub := tags[:100]
		if err := v1.Pause(); err != nil {
			t.Fatal(err)
		}
		paused := true
		defer func() {
			if paused {
				v1.Resume()
			}
		}()
		for _, tag := range sub {
			o.change(tag)
			q.Enqueue(tag)
		}
		waitUntil(t, "v2 fresh", 30*time.Second, func() bool { return len(stale(t, o, v2, sub)) == 0 })
		time.Sleep(2500 * time.Millisecond) // two 1 s timeouts at least
		if n := q.Pending(); n != 100 {
			t.Errorf("Pending %d while v1 hangs, want 100", n)
		}
		if err := v1.Resume(); err != nil {
			t.Fatal(err)
		}
		paused = false
		waitUntil(t, "Pending back to 0", 30*time.Second, func() bool { return q.Pending() == 0 })
		for i, v := range vs {
			if s := stale(t, o, v, tags); len(s) != 0 {
				t.Errorf("varnish %d: %d pages stale after resume", i+1, len(s))
			}
		}
		// The cache survived: untouched pages are still hits.
		before := o.fetches.Load()
		stale(t, o, v1, tags[100:])
		if n := o.fetches.Load() - before; n != 0 {
			t.Errorf("v1 refetched %d untouched pages: cache lost", n)
		}
	})
}

// BenchmarkPurgeToFresh measures the time from Enqueue until a GET through
// each of two Varnish instances shows the new content, under a background
// load (16 clients reading Zipf-distributed pages, mostly cache hits, as
// cachebench does, and an updater changing and purging 200 other pages a
// second), and reports p50 and p99 (target: p99 <= 1 s).
//
//	cd integration && go test -run '^$' -bench PurgeToFresh -benchtime=500x ./cachehint/
func BenchmarkPurgeToFresh(b *testing.B) {
	o, vs, _ := fleet(b, 2)
	const pages = 2000
	tags := make([]string, pages)
	for i := range tags {
		tags[i] = fmt.Sprint("property-", i)
	}
	q := cachehint.NewPurgeQueue(cachehint.MultiPurger(purgerFor(vs[0]), purgerFor(vs[1])), cachehint.PurgeQueueOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	// Background load shaped like cachebench's: 16 clients reading pages
	// through both caches, Zipf-distributed (s = 1.1) over the pages.
	var load sync.WaitGroup
	var loadReqs atomic.Int64
	for c := 0; c < 16; c++ {
		load.Add(1)
		go func() {
			defer load.Done()
			r := rand.New(rand.NewPCG(uint64(c), 1))
			zipf := rand.NewZipf(r, 1.1, 1, pages-1)
			for ctx.Err() == nil {
				v := vs[r.IntN(len(vs))]
				if _, err := fetch(b, v.URL+"/v/"+tags[zipf.Uint64()]); err == nil {
					loadReqs.Add(1)
				}
			}
		}()
	}
	// Background updates: 200 changes a second on the other half of the pages.
	load.Add(1)
	go func() {
		defer load.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			tag := tags[pages/2+rand.IntN(pages/2)]
			o.change(tag)
			q.Enqueue(tag)
		}
	}()
	var lat []time.Duration
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tag := tags[rand.IntN(pages/2)]
		o.change(tag)
		want := o.body(tag)
		t0 := time.Now()
		q.Enqueue(tag)
		for _, v := range vs {
			for {
				got, err := fetch(b, v.URL+"/v/"+tag)
				if err != nil {
					b.Fatal(err)
				}
				if got == want {
					break
				}
				time.Sleep(500 * time.Microsecond)
			}
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	elapsed := time.Since(start)
	cancel()
	load.Wait()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(loadReqs.Load())/elapsed.Seconds(), "load-req/s")
	b.ReportMetric(0, "ns/op")
}
