// queue.go holds PurgeQueue, which sends purges in the background and
// retries them per target until every cache has confirmed them.

package cachehint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// PurgeQueueOptions configures NewPurgeQueue. The zero value works.
type PurgeQueueOptions struct {
	// MaxBatch bounds the tags of one Purge call. Default 500.
	MaxBatch int
	// MinBackoff is the delay before the first retry of a target that
	// failed. Each further consecutive failure doubles it, up to
	// MaxBackoff, and every delay is jittered: a random value between half
	// and all of it. Defaults: 100 ms and 30 s. A target that comes back
	// after an outage thus gets its purges within MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one Purge call. Default 10 s.
	Timeout time.Duration
	// Outbox, when set, makes queued purges survive a crash of the
	// process; see PurgeOutbox.
	Outbox PurgeOutbox
	// Logger receives one error when a target starts failing and one
	// info line when it recovers (not one line per retry), and errors of
	// the Outbox. Default: slog.Default().
	Logger *slog.Logger
}

// PurgeOutbox is the durable record of purges that a PurgeQueue has not
// finished: the transactional outbox pattern. The application writes a
// record of the tags to purge in the same database transaction as the
// data change, then calls Enqueue after the commit. When Run starts, it
// enqueues the tags that Load returns (purges of a previous process that
// crashed or stopped before they were confirmed), and once every target
// has confirmed tags, it calls Confirmed so that the records can go.
//
// A tag purged twice costs nothing but a cache miss, so the pattern errs on
// the side of purging again: a record stays until a purge that was sent
// after it was written is confirmed by every target.
type PurgeOutbox interface {
	// Load returns the tags recorded and not yet confirmed.
	Load(ctx context.Context) ([]string, error)
	// Confirmed reports that every target purged tags with requests sent
	// at or after sent. Delete the records of those tags written before
	// sent; keep newer ones (a change made while the purge was in flight
	// needs another purge, which the queue sends and confirms later).
	// An error is logged; the records then stay and are purged again at
	// the next start.
	Confirmed(ctx context.Context, tags []string, sent time.Time) error
}

// PurgeQueue sends tag purges in the background, merges duplicates,
// batches them, and retries failures with exponential backoff and jitter,
// separately for each target of a MultiPurger, so that a cache that is
// down (for five minutes, or a day) gets every purge when it returns,
// while the others are served at once. A tag is dropped only once every
// target has confirmed it.
//
// Create it with NewPurgeQueue, start Run in a goroutine, call Enqueue
// after each data change, and Flush at shutdown. Its methods are safe for
// concurrent use.
//
// The queue lives in memory: a tag that was enqueued and not yet confirmed
// is lost if the process dies, unless Options.Outbox keeps it. Memory grows
// with the number of distinct unconfirmed tags (duplicates are merged), so
// a target that stays down costs memory in proportion to the distinct tags
// changed meanwhile, not to the number of changes.
type PurgeQueue struct {
	o       PurgeQueueOptions
	log     *slog.Logger
	targets []*purgeTarget

	mu      sync.Mutex
	seq     uint64
	owed    map[string]*owedTag // tag -> targets that have not confirmed it
	running bool
}

// owedTag is a tag that some targets have not confirmed yet.
type owedTag struct {
	n    int       // targets that still owe it
	sent time.Time // earliest start of a confirming request so far
}

// purgeTarget is the state of one target: its own pending tags, in the
// order they were first enqueued, and its backoff.
type purgeTarget struct {
	name string
	p    Purger
	wake chan struct{} // capacity 1: there is something new to send

	send sync.Mutex // one request at a time per target

	// Guarded by PurgeQueue.mu.
	pending  map[string]uint64 // tag -> sequence number of its latest Enqueue
	order    []string          // the pending tags, each once, oldest first
	failures int               // consecutive failed attempts
	retryAt  time.Time
	lastErr  error
}

// NewPurgeQueue returns a queue that purges through p. When p is a
// MultiPurger, each of its purgers is a target with its own state;
// otherwise p is the only target.
func NewPurgeQueue(p Purger, o PurgeQueueOptions) *PurgeQueue {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 500
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(30*time.Second, o.MinBackoff)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	q := &PurgeQueue{o: o, log: o.Logger, owed: map[string]*owedTag{}}
	if q.log == nil {
		q.log = slog.Default()
	}
	ps := []Purger{p}
	if m, ok := p.(multiPurger); ok {
		ps = m
	}
	for i, p := range ps {
		if p == nil {
			continue
		}
		q.targets = append(q.targets, &purgeTarget{
			name: targetName(p, i), p: p, wake: make(chan struct{}, 1), pending: map[string]uint64{},
		})
	}
	return q
}

// Enqueue adds tags to purge from every target and returns at once: it
// never waits for the network. A tag already waiting is merged with the
// new one; a tag whose purge is in flight is sent again afterwards, since
// the data may have changed after that request left. Tags that are not
// valid (see ValidTag) are dropped with a log line.
func (q *PurgeQueue) Enqueue(tags ...string) {
	q.mu.Lock()
	for _, tag := range tags {
		if !ValidTag(tag) {
			q.log.Warn("cachehint: purge queue: invalid tag dropped", "tag", truncate(tag, 64))
			continue
		}
		q.seq++
		if o := q.owed[tag]; o != nil {
			// Every target purges tag again from now on: confirmations of
			// requests sent before this change no longer count for it.
			o.sent = time.Time{}
		}
		for _, t := range q.targets {
			if _, ok := t.pending[tag]; !ok {
				t.order = append(t.order, tag)
				q.owe(tag)
			}
			t.pending[tag] = q.seq
		}
	}
	q.mu.Unlock()
	for _, t := range q.targets {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

func (q *PurgeQueue) owe(tag string) {
	if o := q.owed[tag]; o != nil {
		o.n++
		return
	}
	q.owed[tag] = &owedTag{n: 1}
}

// Pending returns the number of distinct tags that some target has not
// confirmed yet.
func (q *PurgeQueue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.owed)
}

// Run sends queued purges until ctx is done, one goroutine per target,
// and returns nil then; tags still pending stay queued (call Flush to
// send them). With an Outbox, it first enqueues what Outbox.Load returns,
// and returns Load's error if that fails. Run returns an error at once if
// another Run is running.
func (q *PurgeQueue) Run(ctx context.Context) error {
	q.mu.Lock()
	if q.running {
		q.mu.Unlock()
		return errors.New("cachehint: PurgeQueue.Run is already running")
	}
	q.running = true
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		q.running = false
		q.mu.Unlock()
	}()
	if q.o.Outbox != nil {
		tags, err := q.o.Outbox.Load(ctx)
		if err != nil {
			return fmt.Errorf("cachehint: purge outbox: %w", err)
		}
		q.Enqueue(tags...)
	}
	var wg sync.WaitGroup
	for _, t := range q.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.runTarget(ctx, t)
		}()
	}
	wg.Wait()
	<-ctx.Done() // also with no targets
	return nil
}

// runTarget sends t's pending tags as they come, and waits out its backoff
// after a failure.
func (q *PurgeQueue) runTarget(ctx context.Context, t *purgeTarget) {
	for {
		q.mu.Lock()
		n, wait := len(t.order), time.Until(t.retryAt)
		q.mu.Unlock()
		switch {
		case n == 0:
			select {
			case <-ctx.Done():
				return
			case <-t.wake:
				continue
			}
		case wait > 0:
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
		}
		if ctx.Err() != nil {
			return
		}
		q.attempt(ctx, t)
	}
}

// attempt sends one batch of t's oldest pending tags and records the
// outcome. It returns the Purge error.
func (q *PurgeQueue) attempt(ctx context.Context, t *purgeTarget) error {
	t.send.Lock()
	defer t.send.Unlock()
	q.mu.Lock()
	n := min(len(t.order), q.o.MaxBatch)
	if n == 0 {
		q.mu.Unlock()
		return nil
	}
	batch := append([]string(nil), t.order[:n]...)
	seqs := make([]uint64, n)
	for i, tag := range batch {
		seqs[i] = t.pending[tag]
	}
	q.mu.Unlock()

	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, q.o.Timeout)
	err := t.p.Purge(pctx, batch...)
	cancel()

	q.mu.Lock()
	if err != nil && ctx.Err() != nil {
		q.mu.Unlock() // stopped (Run's or Flush's ctx): not the target's failure
		return err
	}
	if err != nil {
		t.failures++
		t.retryAt = time.Now().Add(q.backoff(t.failures))
		t.lastErr = err
		first, pending := t.failures == 1, len(t.order)
		q.mu.Unlock()
		if first {
			q.log.Error("cachehint: purge failed; retrying with backoff", "target", t.name, "err", err, "pending", pending)
		}
		return err
	}
	if t.failures > 0 {
		q.log.Info("cachehint: purge target recovered", "target", t.name, "failed_attempts", t.failures)
	}
	t.failures, t.retryAt, t.lastErr = 0, time.Time{}, nil
	t.order = t.order[n:]
	if len(t.order) == 0 {
		t.order = nil // let the backing array go after a backlog
	}
	// Tags done, by the start of their earliest confirming request: each
	// group is confirmed with its own time, so that a tag confirmed late
	// does not keep the records of one confirmed early (a batch that a
	// target sends after an outage holds tags of many changes).
	var done map[time.Time][]string
	for i, tag := range batch {
		if t.pending[tag] != seqs[i] {
			t.order = append(t.order, tag) // enqueued again while in flight
			continue
		}
		delete(t.pending, tag)
		o := q.owed[tag]
		if o.sent.IsZero() || start.Before(o.sent) {
			o.sent = start
		}
		if o.n--; o.n == 0 {
			delete(q.owed, tag)
			if done == nil {
				done = map[time.Time][]string{}
			}
			done[o.sent] = append(done[o.sent], tag)
		}
	}
	q.mu.Unlock()
	if len(done) > 0 && q.o.Outbox != nil {
		sents := make([]time.Time, 0, len(done))
		for s := range done {
			sents = append(sents, s)
		}
		slices.SortFunc(sents, time.Time.Compare)
		for _, sent := range sents {
			if err := q.o.Outbox.Confirmed(ctx, done[sent], sent); err != nil {
				q.log.Error("cachehint: purge outbox: Confirmed failed; the records stay", "tags", len(done[sent]), "err", err)
			}
		}
	}
	return nil
}

// backoff returns the jittered delay after the given number of
// consecutive failures.
func (q *PurgeQueue) backoff(failures int) time.Duration {
	d := q.o.MinBackoff
	for i := 1; i < failures && d < q.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, q.o.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// Flush sends every pending tag, and those enqueued meanwhile, to every
// target, ignoring the backoff of a target but waiting MinBackoff between
// its failed attempts, until nothing is pending or ctx is done. Call it at
// shutdown with a deadline. It returns nil when nothing is pending, or an
// error that counts the tags left and joins ctx's error with each failing
// target's last error. Flush works with or without a running Run.
func (q *PurgeQueue) Flush(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, t := range q.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.flushTarget(ctx, t)
		}()
	}
	wg.Wait()
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.owed) == 0 {
		return nil
	}
	errs := []error{ctx.Err()}
	for _, t := range q.targets {
		if t.lastErr != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.name, t.lastErr))
		}
	}
	return fmt.Errorf("cachehint: purge queue: %d tags still pending: %w", len(q.owed), errors.Join(errs...))
}

func (q *PurgeQueue) flushTarget(ctx context.Context, t *purgeTarget) {
	for ctx.Err() == nil {
		q.mu.Lock()
		n := len(t.order)
		q.mu.Unlock()
		if n == 0 {
			return
		}
		if q.attempt(ctx, t) != nil {
			select {
			case <-ctx.Done():
			case <-time.After(q.o.MinBackoff):
			}
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
