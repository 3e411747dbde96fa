// purge_multi.go holds MultiPurger, which purges through several caches.

package cachehint

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// MultiPurger returns a Purger that purges through every one of ps (each
// Varnish of a fleet, a CDN), concurrently. Its Purge waits for all of
// them and returns every failure, joined with errors.Join, each prefixed
// with the name of its target: its String method when it has one (a
// VarnishPurger says "varnish <URL>"), otherwise "purger <index> (<type>)".
// A target that fails does not stop the others.
//
// Nil purgers are left out, and MultiPurgers in ps are flattened. With no
// purgers, Purge does nothing and returns nil.
//
// A PurgeQueue given a MultiPurger keeps its state per target: a tag that
// one cache confirmed is retried only on the others.
func MultiPurger(ps ...Purger) Purger {
	var m multiPurger
	for _, p := range ps {
		switch p := p.(type) {
		case nil:
		case multiPurger:
			m = append(m, p...)
		default:
			m = append(m, p)
		}
	}
	return m
}

// multiPurger is what MultiPurger returns.
type multiPurger []Purger

// Purge purges tags through every target.
func (m multiPurger) Purge(ctx context.Context, tags ...string) error {
	if len(tags) == 0 || len(m) == 0 {
		return nil
	}
	errs := make([]error, len(m))
	var wg sync.WaitGroup
	for i, p := range m {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Purge(ctx, tags...); err != nil {
				errs[i] = fmt.Errorf("%s: %w", targetName(p, i), err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// targetName names p, the i-th target, in errors and logs.
func targetName(p Purger, i int) string {
	if s, ok := p.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("purger %d (%T)", i, p)
}
