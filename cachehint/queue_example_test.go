// queue_example_test.go: runnable examples of PurgeQueue and MultiPurger.
package cachehint_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fullsession/fullsession/cachehint"
)

// printPurger stands in for a cache: it prints what it purges.
type printPurger string

func (p printPurger) Purge(_ context.Context, tags ...string) error {
	fmt.Printf("%s purged %s\n", p, strings.Join(tags, " "))
	return nil
}

func (p printPurger) String() string { return string(p) }

// A queue in front of two caches. In production the purgers are
// VarnishPurgers, one per node, on each Varnish's purge listener:
//
//	p := cachehint.MultiPurger(
//		&cachehint.VarnishPurger{URL: "http://10.0.0.1:6091", Secret: secret},
//		&cachehint.VarnishPurger{URL: "http://10.0.0.2:6091", Secret: secret},
//	)
//
// Run goes in its own goroutine for the life of the process; Enqueue is
// called after each committed data change; Flush at shutdown.
func ExampleNewPurgeQueue() {
	q := cachehint.NewPurgeQueue(cachehint.MultiPurger(printPurger("varnish-1")), cachehint.PurgeQueueOptions{})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Run(ctx) }()

	// After a price change is committed: never waits for the network,
	// and the duplicate tag is merged.
	q.Enqueue("property-42", "list", "property-42")

	// At shutdown: send what is left, with a deadline.
	flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.Flush(flushCtx); err != nil {
		fmt.Println(err)
	}
	stop()
	<-done
	fmt.Println("pending:", q.Pending())
	// Output:
	// varnish-1 purged property-42 list
	// pending: 0
}

// Every target is tried; the error names each one that failed.
func ExampleMultiPurger() {
	p := cachehint.MultiPurger(printPurger("varnish-1"), &cachehint.VarnishPurger{URL: "http://127.0.0.1:1"})
	err := p.Purge(context.Background(), "list")
	fmt.Println(strings.HasPrefix(err.Error(), "varnish http://127.0.0.1:1: "))
	// Output:
	// varnish-1 purged list
	// true
}
