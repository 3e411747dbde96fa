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
// "BAN /" with an "xkey-ban" header, which bans objects whose xkey header
// holds one of the tags, and keeps using BAN afterwards. Many tags are sent
// in several requests of at most 4000 bytes of tags each.
//
// Varnish accepts both only from the VCL's "purgers" ACL (localhost).
type VarnishPurger struct {
	// URL is the base URL of a Varnish HTTP listener, such as
	// "http://127.0.0.1:6081". Required.
	URL string
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

// nextBatch splits off the first tags that fit in maxPurgeHeader bytes,
// counting the regex quoting that BAN may need.
func nextBatch(tags []string) (batch, rest []string) {
	n := 0
	for i, t := range tags {
		n += 2*len(t) + 1
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
	quoted := make([]string, len(tags))
	for i, t := range tags {
		quoted[i] = quoteRegex(t)
	}
	status, reason, err := p.send(ctx, "BAN", "xkey-ban", strings.Join(quoted, "|"))
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

// quoteRegex escapes the token characters that are special in PCRE.
// Tokens hold no whitespace, so the ban expression stays one argument.
func quoteRegex(tag string) string {
	var b strings.Builder
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if strings.IndexByte(`.+*?^$|()[]{}\#`, c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
