// queue_test.go tests MultiPurger and PurgeQueue with fake purgers.
package cachehint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePurger records its calls; it fails while down is set, and each call
// first waits on gate when gate is not nil.
type fakePurger struct {
	name string

	mu      sync.Mutex
	calls   [][]string
	down    bool
	fails   int
	entered int // calls started, including those waiting on gate
	gate    chan struct{}
}

func (f *fakePurger) String() string { return f.name }

func (f *fakePurger) Purge(ctx context.Context, tags ...string) error {
	f.mu.Lock()
	gate := f.gate
	f.entered++
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, append([]string(nil), tags...))
	if f.down {
		f.fails++
		return errors.New("down")
	}
	return nil
}

func (f *fakePurger) setDown(b bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = b
}

// purged returns the tags of every call (failed ones too), in order.
func (f *fakePurger) purged() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, c...)
	}
	return out
}

func (f *fakePurger) nCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// anonPurger has no String method.
type anonPurger struct{ err error }

func (a anonPurger) Purge(context.Context, ...string) error { return a.err }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestMultiPurger(t *testing.T) {
	ctx := context.Background()
	a, b, c := &fakePurger{name: "a"}, &fakePurger{name: "b", down: true}, &fakePurger{name: "c"}
	m := MultiPurger(a, nil, MultiPurger(b, c), anonPurger{errors.New("boom")})
	if got := len(m.(multiPurger)); got != 4 {
		t.Fatalf("%d targets, want 4 (nil dropped, nested flattened)", got)
	}
	err := m.Purge(ctx, "x", "y")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "b: down") || !strings.Contains(msg, "purger 3 (cachehint.anonPurger): boom") || strings.Contains(msg, "a:") {
		t.Errorf("error %q does not name exactly the failing targets", msg)
	}
	for _, f := range []*fakePurger{a, b, c} {
		if got := f.purged(); !slices.Equal(got, []string{"x", "y"}) {
			t.Errorf("%s got %q: every target must be tried", f.name, got)
		}
	}
	if err := m.Purge(ctx); err != nil || a.nCalls() != 1 {
		t.Errorf("no tags: err %v, calls %d", err, a.nCalls())
	}
	if err := MultiPurger().Purge(ctx, "x"); err != nil {
		t.Errorf("no targets: %v", err)
	}
	if err := MultiPurger(a, c).Purge(ctx, "z"); err != nil {
		t.Errorf("all good: %v", err)
	}
	if n := (&VarnishPurger{URL: "http://h:1"}).String(); n != "varnish http://h:1" {
		t.Errorf("VarnishPurger name %q", n)
	}
}

func TestPurgeQueueMergesAndBatches(t *testing.T) {
	f := &fakePurger{name: "f"}
	q := NewPurgeQueue(f, PurgeQueueOptions{MaxBatch: 3, Logger: quiet})
	q.Enqueue("a", "b", "a", "c", "d", "b", "e", "bad tag", "")
	if n := q.Pending(); n != 5 {
		t.Errorf("Pending %d, want 5 (merged, invalid dropped)", n)
	}
	if err := q.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.purged(); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("purged %q, want each tag once, oldest first", got)
	}
	for _, c := range f.calls {
		if len(c) > 3 {
			t.Errorf("batch of %d > MaxBatch", len(c))
		}
	}
	if q.Pending() != 0 {
		t.Errorf("Pending %d after Flush", q.Pending())
	}
}

func TestPurgeQueueEnqueueNeverBlocks(t *testing.T) {
	f := &fakePurger{name: "stuck", gate: make(chan struct{})} // never answers
	q := NewPurgeQueue(f, PurgeQueueOptions{Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20000; i++ {
			q.Enqueue(fmt.Sprint("t", i%5000))
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Enqueue blocked while the purger hangs")
	}
	if n := q.Pending(); n != 5000 {
		t.Errorf("Pending %d, want 5000", n)
	}
}

func TestPurgeQueuePerTargetRetries(t *testing.T) {
	good, bad := &fakePurger{name: "good"}, &fakePurger{name: "bad", down: true}
	var logs strings.Builder
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), nil))
	q := NewPurgeQueue(MultiPurger(good, bad), PurgeQueueOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error)
	go func() { ran <- q.Run(ctx) }()
	var want []string
	for i := 0; i < 500; i++ {
		tag := fmt.Sprint("p-", i)
		want = append(want, tag)
		q.Enqueue(tag)
	}
	waitFor(t, "good target purged everything", func() bool { return len(good.purged()) >= 500 })
	waitFor(t, "bad target retried", func() bool {
		bad.mu.Lock()
		defer bad.mu.Unlock()
		return bad.fails >= 5
	})
	if n := q.Pending(); n != 500 {
		t.Errorf("Pending %d while one target is down, want 500", n)
	}
	bad.setDown(false)
	waitFor(t, "Pending back to 0", func() bool { return q.Pending() == 0 })
	if got := good.purged(); !slices.Equal(got, want) {
		t.Errorf("good target got %d tags, want each of 500 exactly once", len(got))
	}
	// The bad target got every tag, possibly several times before it came back.
	got := map[string]bool{}
	bad.mu.Lock()
	after := bad.calls[bad.fails:]
	bad.mu.Unlock()
	for _, c := range after {
		for _, tag := range c {
			got[tag] = true
		}
	}
	if len(got) != 500 {
		t.Errorf("bad target confirmed %d of 500 tags after recovery", len(got))
	}
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if n := strings.Count(logs.String(), "purge failed"); n != 1 {
		t.Errorf("%d failure log lines for one outage, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "recovered") || !strings.Contains(logs.String(), "target=bad") {
		t.Errorf("no recovery line naming the target:\n%s", logs.String())
	}
}

func TestPurgeQueueResendsTagEnqueuedInFlight(t *testing.T) {
	f := &fakePurger{name: "f", gate: make(chan struct{})}
	q := NewPurgeQueue(f, PurgeQueueOptions{Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	q.Enqueue("a")
	f.gate <- struct{}{} // lets the first request through...
	waitFor(t, "first purge", func() bool { return f.nCalls() == 1 })
	// ...and now "b" hangs in flight while its data changes again.
	q.Enqueue("b")
	waitFor(t, "b in flight", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.entered == 2
	})
	q.Enqueue("b")
	close(f.gate)
	waitFor(t, "Pending 0", func() bool { return q.Pending() == 0 })
	got := strings.Join(f.purged(), " ")
	if got != "a b b" {
		t.Errorf("purged %q, want %q: a tag enqueued during its own request is sent again", got, "a b b")
	}
}

// memOutbox is an in-memory PurgeOutbox.
type memOutbox struct {
	mu        sync.Mutex
	load      []string
	confirmed []string
	sent      []time.Time
}

func (m *memOutbox) Load(context.Context) ([]string, error) { return m.load, nil }

func (m *memOutbox) Confirmed(_ context.Context, tags []string, sent time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.confirmed = append(m.confirmed, tags...)
	m.sent = append(m.sent, sent)
	return nil
}

func TestPurgeQueueOutbox(t *testing.T) {
	a, b := &fakePurger{name: "a"}, &fakePurger{name: "b", down: true}
	ob := &memOutbox{load: []string{"old-1", "old-2"}}
	q := NewPurgeQueue(MultiPurger(a, b), PurgeQueueOptions{Outbox: ob, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := time.Now()
	go q.Run(ctx)
	waitFor(t, "a purged the outbox's tags", func() bool { return len(a.purged()) == 2 })
	ob.mu.Lock()
	early := len(ob.confirmed)
	ob.mu.Unlock()
	if early != 0 {
		t.Errorf("Confirmed called before every target confirmed")
	}
	q.Enqueue("new")
	b.setDown(false)
	waitFor(t, "all confirmed", func() bool { return q.Pending() == 0 })
	ob.mu.Lock()
	defer ob.mu.Unlock()
	sort.Strings(ob.confirmed)
	if !slices.Equal(ob.confirmed, []string{"new", "old-1", "old-2"}) {
		t.Errorf("confirmed %q", ob.confirmed)
	}
	for _, s := range ob.sent {
		if s.Before(before) || s.After(time.Now()) {
			t.Errorf("sent %v outside the run", s)
		}
	}
}

// TestPurgeQueueOutboxSentAfterReEnqueue: a tag that target a confirmed,
// then was enqueued again (changed again) while b was down, is confirmed
// with a sent time after the second Enqueue, so that the outbox deletes
// the second change's record too.
func TestPurgeQueueOutboxSentAfterReEnqueue(t *testing.T) {
	a, b := &fakePurger{name: "a"}, &fakePurger{name: "b", down: true}
	ob := &memOutbox{}
	q := NewPurgeQueue(MultiPurger(a, b), PurgeQueueOptions{Outbox: ob, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	q.Enqueue("p")
	waitFor(t, "a purged p", func() bool { return len(a.purged()) == 1 })
	time.Sleep(5 * time.Millisecond)
	second := time.Now() // the second change's record is written now
	q.Enqueue("p")
	waitFor(t, "a purged p again", func() bool { return len(a.purged()) == 2 })
	b.setDown(false)
	waitFor(t, "all confirmed", func() bool { return q.Pending() == 0 })
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if len(ob.sent) != 1 || ob.sent[0].Before(second) {
		t.Errorf("Confirmed(p) with sent %v, before the second change at %v: its record would stay forever", ob.sent, second)
	}
}

// TestPurgeQueueOutboxSentPerTag: tags that one target confirmed at
// different times while another was down are each confirmed with their own
// time once it is back, not with the earliest of the batch, which would
// keep the records of the later changes.
func TestPurgeQueueOutboxSentPerTag(t *testing.T) {
	a, b := &fakePurger{name: "a"}, &fakePurger{name: "b", down: true}
	ob := &sentOutbox{sent: map[string]time.Time{}}
	q := NewPurgeQueue(MultiPurger(a, b), PurgeQueueOptions{Outbox: ob, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	q.Enqueue("p1")
	waitFor(t, "a purged p1", func() bool { return len(a.purged()) == 1 })
	time.Sleep(5 * time.Millisecond)
	second := time.Now() // p2's record is written now
	q.Enqueue("p2")
	waitFor(t, "a purged p2", func() bool { return len(a.purged()) == 2 })
	b.setDown(false)
	waitFor(t, "all confirmed", func() bool { return q.Pending() == 0 })
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if s := ob.sent["p2"]; s.Before(second) {
		t.Errorf("Confirmed(p2) with sent %v, before its change at %v: its record would stay", s, second)
	}
	if s := ob.sent["p1"]; s.IsZero() || !s.Before(second) {
		t.Errorf("Confirmed(p1) with sent %v", s)
	}
}

type sentOutbox struct {
	mu   sync.Mutex
	sent map[string]time.Time
}

func (o *sentOutbox) Load(context.Context) ([]string, error) { return nil, nil }

func (o *sentOutbox) Confirmed(_ context.Context, tags []string, sent time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, t := range tags {
		o.sent[t] = sent
	}
	return nil
}

func TestPurgeQueueFlushDeadline(t *testing.T) {
	f := &fakePurger{name: "dead", down: true}
	q := NewPurgeQueue(f, PurgeQueueOptions{MinBackoff: time.Millisecond, Logger: quiet})
	q.Enqueue("a", "b")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := q.Flush(ctx)
	if err == nil || !strings.Contains(err.Error(), "2 tags still pending") || !strings.Contains(err.Error(), "dead: down") ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush: %v", err)
	}
	if q.Pending() != 2 {
		t.Errorf("Pending %d", q.Pending())
	}
}

func TestPurgeQueueRunTwice(t *testing.T) {
	q := NewPurgeQueue(&fakePurger{}, PurgeQueueOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- q.Run(ctx) }()
	waitFor(t, "Run started", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.running
	})
	if err := q.Run(ctx); err == nil {
		t.Error("second Run: no error")
	}
	cancel()
	if err := <-ran; err != nil {
		t.Error(err)
	}
}

func TestPurgeQueueBackoff(t *testing.T) {
	q := NewPurgeQueue(&fakePurger{}, PurgeQueueOptions{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	seen := map[time.Duration]bool{}
	for failures := 1; failures <= 10; failures++ {
		full := min(100*time.Millisecond<<(failures-1), time.Second)
		for i := 0; i < 50; i++ {
			d := q.backoff(failures)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", failures, d, full/2, full)
			}
			seen[d] = true
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct delays: no jitter", len(seen))
	}
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkPurgeQueueEnqueue is the cost a data change pays: one tag
// enqueued for two targets, with nothing running to send it.
func BenchmarkPurgeQueueEnqueue(b *testing.B) {
	q := NewPurgeQueue(MultiPurger(&fakePurger{name: "a"}, &fakePurger{name: "b"}), PurgeQueueOptions{Logger: quiet})
	tags := make([]string, 4096)
	for i := range tags {
		tags[i] = fmt.Sprint("property-", i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q.Enqueue(tags[i%len(tags)])
	}
}
