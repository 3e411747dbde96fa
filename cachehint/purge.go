package cachehint

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Purger removes every cached response that carries one of the given tags
// (see Tag). Purge with no tags does nothing and returns nil.
type Purger interface {
	Purge(ctx context.Context, tags ...string) error
}

// VarnishPurger purges by tag from a Varnish running the VCL in
// cachehint/varnish, with responses tagged through the XKey tag header.
//
// It sends "PURGE /" with the tags in an "xkey-purge" header (the xkey
// vmod's purge, or softpurge when Soft is set). When Varnish answers 501
// Not Implemented (a VCL without the xkey vmod) it falls back to
// "BAN /" with the tags in an "xkey-ban" header, which bans objects whose
// xkey header holds one of the tags, and keeps using BAN afterwards. Both
// headers hold the tags separated by spaces; the VCL refuses anything but
// tokens, and builds the ban expression itself. Many tags are sent in
// several requests of at most 4000 bytes of tags each.
//
// The shipped VCL accepts both only on its dedicated listener named
// "purge" (varnishd -a purge=127.0.0.1:6091), from its "purgers" ACL
// (localhost), and, when varnishd runs with CACHEHINT_PURGE_SECRET in its
// environment, only with that secret in the Purge-Secret header: set
// Secret to the same value.
type VarnishPurger struct {
	// URL is the base URL of the Varnish purge listener, such as
	// "http://127.0.0.1:6091". Required. The client listener refuses
	// purges.
	URL string
	// Secret, when set, is sent in the Purge-Secret header. It must equal
	// varnishd's CACHEHINT_PURGE_SECRET. Keep it out of logs and URLs.
	Secret string
	// Client sends the requests. Default: a client with a 10 s timeout.
	Client *http.Client
	// Soft asks for xkey.softpurge: objects expire but stay usable for
	// grace (stale-while-revalidate) while Varnish refetches them.
	// BAN has no soft form.
	Soft bool
	// Ban sends BAN from the start, for a VCL without the xkey vmod.
	Ban bool

	noXKey atomic.Bool // PURGE answered 501 once
}

var _ Purger = (*VarnishPurger)(nil)

var defaultPurgeClient = &http.Client{Timeout: 10 * time.Second}

// maxPurgeHeader bounds the tags sent in one request, well under Varnish's
// http_req_hdr_len (8 KiB by default).
const maxPurgeHeader = 4000

// Purge purges tags. Tags that are not tokens (see ValidTag) make it fail
// before anything is sent. It returns the first failure, naming the status
// and the reason Varnish gave; batches sent before it stay purged.
func (p *VarnishPurger) Purge(ctx context.Context, tags ...string) error {
	if p.URL == "" {
		return fmt.Errorf("cachehint: VarnishPurger.URL is empty")
	}
	for _, t := range tags {
		if !ValidTag(t) {
			return fmt.Errorf("cachehint: purge: invalid tag %q", t)
		}
	}
	for len(tags) > 0 {
		var batch []string
		batch, tags = nextBatch(tags)
		if err := p.purgeBatch(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// String names the target in errors: "varnish " and the URL.
func (p *VarnishPurger) String() string { return "varnish " + p.URL }

// nextBatch splits off the first tags that fit in maxPurgeHeader bytes.
func nextBatch(tags []string) (batch, rest []string) {
	n := 0
	for i, t := range tags {
		n += len(t) + 1
		if n > maxPurgeHeader && i > 0 {
			return tags[:i], tags[i:]
		}
	}
	return tags, nil
}

func (p *VarnishPurger) purgeBatch(ctx context.Context, tags []string) error {
	if !p.Ban && !p.noXKey.Load() {
		status, reason, err := p.send(ctx, "PURGE", "xkey-purge", strings.Join(tags, " "))
		if err != nil {
			return err
		}
		if status != http.StatusNotImplemented {
			return checkStatus("PURGE", status, reason)
		}
		p.noXKey.Store(true)
	}
	status, reason, err := p.send(ctx, "BAN", "xkey-ban", strings.Join(tags, " "))
	if err != nil {
		return err
	}
	return checkStatus("BAN", status, reason)
}

func checkStatus(method string, status int, reason string) error {
	if status >= 200 && status < 300 {
		return nil
	}
	return fmt.Errorf("cachehint: %s: Varnish answered %d %s", method, status, reason)
}

// send makes one purge request and returns its status and reason phrase.
func (p *VarnishPurger) send(ctx context.Context, method, header, value string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(p.URL, "/")+"/", nil)
	if err != nil {
		return 0, "", fmt.Errorf("cachehint: %s: %w", method, err)
	}
	req.Header.Set(header, value)
	if p.Secret != "" {
		req.Header.Set("Purge-Secret", p.Secret)
	}
	if p.Soft && method == "PURGE" {
		req.Header.Set("xkey-soft", "1")
	}
	c := p.Client
	if c == nil {
		c = defaultPurgeClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("cachehint: %s: %w", method, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	reason := strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode)))
	return resp.StatusCode, reason, nil
}
