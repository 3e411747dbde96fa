// market.go simulates the real estate market: which property changes next,
// and how.

package demo

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Market plays the real estate market: it picks random properties and
// changes their price (mostly up) or their status. Its methods are safe for
// concurrent use. The zero Market is not usable: call NewMarket.
type Market struct {
	mu  sync.Mutex
	rng *rand.Rand
}

// NewMarket returns a market seeded from the clock.
func NewMarket() *Market {
	return &Market{rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), Seed))}
}

// Change is one market move on one property.
type Change struct {
	ID   int64 // the property
	roll int   // < 15: a status change, else a price change
	pct  int   // price change, in percent
	down bool  // the price falls
}

// Next picks the next change among properties 1..count (count >= 1).
func (m *Market) Next(count int64) Change {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Change{
		ID:   1 + m.rng.Int64N(max(count, 1)),
		roll: m.rng.IntN(100),
		pct:  1 + m.rng.IntN(5),
		down: m.rng.IntN(3) == 0, // prices tend to rise
	}
}

// Apply returns the property's price and status after the change, given
// the current ones. Prices move by 1 to 5 %, in steps of 1,000 euros, and
// never fall below 1,000.
func (c Change) Apply(price int64, status string) (int64, string) {
	if c.roll < 15 {
		return price, NextStatus(status, c.roll)
	}
	delta := max(price*int64(c.pct)/100/1000*1000, 1000)
	if c.down && price > 2*delta {
		delta = -delta
	}
	return price + delta, status
}

// NextStatus moves a property along available → under offer → sold, and
// sometimes back on the market; roll decides between the two ways out of
// "under offer".
func NextStatus(s string, roll int) string {
	switch s {
	case StatusAvailable:
		return StatusUnderOffer
	case StatusUnderOffer:
		if roll%2 == 0 {
			return StatusSold
		}
		return StatusAvailable
	default:
		return StatusAvailable // relisted
	}
}
