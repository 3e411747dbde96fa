package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fullsession/fullsession/cachehint"
)

// updater plays the real estate market: it changes the price or the status
// of random properties at a steady rate, and purges the changed pages from
// the shared cache so the next visitor sees the change.
type updater struct {
	store  *Store
	purger cachehint.Purger // nil: no cache to purge
	rate   float64          // changes per second
	log    *slog.Logger

	mu  sync.Mutex
	rng *rand.Rand

	// Counters since the last summary line.
	changes, purges, purgeErrors atomic.Int64
	warnedPurge                  atomic.Bool
}

func newUpdater(store *Store, purger cachehint.Purger, rate float64, log *slog.Logger) *updater {
	return &updater{
		store: store, purger: purger, rate: rate, log: logger(log),
		rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), genSeed)),
	}
}

// Run changes properties until ctx is done. It returns at once when the
// rate is zero.
func (u *updater) Run(ctx context.Context) {
	if u.rate <= 0 {
		return
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / u.rate))
	defer t.Stop()
	summary := time.NewTicker(time.Minute)
	defer summary.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-summary.C:
			u.log.Info("real-time updater", "changes", u.changes.Swap(0), "purges", u.purges.Swap(0),
				"purge_errors", u.purgeErrors.Swap(0), "period", time.Minute)
		case <-t.C:
			if err := u.step(ctx); err != nil && ctx.Err() == nil {
				u.log.Warn("property update failed", "err", err)
			}
		}
	}
}

// step changes one random property: mostly its price, sometimes its status.
func (u *updater) step(ctx context.Context) error {
	u.mu.Lock()
	id := 1 + u.rng.Int64N(u.store.Count())
	roll, pct := u.rng.IntN(100), 1+u.rng.IntN(5)
	down := u.rng.IntN(3) == 0 // prices tend to rise
	u.mu.Unlock()

	p, err := u.store.Get(ctx, id)
	if err != nil {
		return err
	}
	price, status := p.Price, p.Status
	switch {
	case roll < 15:
		status = nextStatus(p.Status, roll)
	default:
		delta := max(p.Price*int64(pct)/100/1000*1000, 1000)
		if down && p.Price > 2*delta {
			delta = -delta
		}
		price += delta
	}
	_, err = u.Apply(ctx, id, price, status)
	return err
}

// nextStatus moves a property along available → under offer → sold, and
// sometimes back on the market.
func nextStatus(s string, roll int) string {
	switch s {
	case statusAvailable:
		return statusUnderOffer
	case statusUnderOffer:
		if roll%2 == 0 {
			return statusSold
		}
		return statusAvailable
	default:
		return statusAvailable // relisted
	}
}

// Apply sets a property's price and status and purges its pages. A failed
// purge is logged (a warning the first time) and counted, not returned: the
// change is made, and the cached pages expire with their shared max-age.
func (u *updater) Apply(ctx context.Context, id, price int64, status string) (Property, error) {
	p, err := u.store.Update(ctx, id, price, status)
	if err != nil {
		return p, err
	}
	u.changes.Add(1)
	u.log.Debug("property updated", "id", id, "price", price, "status", status)
	if u.purger == nil {
		return p, nil
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := u.purger.Purge(pctx, propertyTag(id)); err != nil {
		// The page stays stale until its shared max-age runs out. Warn
		// once, then count: an absent Varnish must not flood the log.
		u.purgeErrors.Add(1)
		level := slog.LevelDebug
		if !u.warnedPurge.Swap(true) {
			level = slog.LevelWarn
		}
		u.log.Log(ctx, level, "cache purge failed; pages stay stale until their shared max-age ends",
			"id", id, "tag", propertyTag(id), "err", err)
		return p, nil
	}
	u.purges.Add(1)
	return p, nil
}
