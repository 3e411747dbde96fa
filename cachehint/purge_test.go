package cachehint

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeVarnish records purge requests and answers like the shipped VCL,
// or like one without the xkey vmod (noXKey).
type fakeVarnish struct {
	mu     sync.Mutex
	noXKey bool
	reqs   []string // "METHOD header-value"
}

func (f *fakeVarnish) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case "PURGE":
		f.reqs = append(f.reqs, "PURGE "+r.Header.Get("xkey-purge")+soft(r)+secret(r))
		if f.noXKey {
			w.WriteHeader(http.StatusNotImplemented)
			return
		}
	case "BAN":
		f.reqs = append(f.reqs, "BAN "+r.Header.Get("xkey-ban"))
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func secret(r *http.Request) string {
	if s := r.Header.Get("Purge-Secret"); s != "" {
		return " (secret " + s + ")"
	}
	return ""
}

func soft(r *http.Request) string {
	if r.Header.Get("xkey-soft") != "" {
		return " (soft)"
	}
	return ""
}

func (f *fakeVarnish) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

func TestVarnishPurger(t *testing.T) {
	ctx := context.Background()
	t.Run("xkey", func(t *testing.T) {
		fv := &fakeVarnish{}
		srv := httptest.NewServer(fv)
		defer srv.Close()
		p := &VarnishPurger{URL: srv.URL}
		if err := p.Purge(ctx, "property-42", "list"); err != nil {
			t.Fatal(err)
		}
		if err := p.Purge(ctx); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fv.got(), "; "); got != "PURGE property-42 list" {
			t.Errorf("requests %q", got)
		}
	})
	t.Run("soft", func(t *testing.T) {
		fv := &fakeVarnish{}
		srv := httptest.NewServer(fv)
		defer srv.Close()
		if err := (&VarnishPurger{URL: srv.URL + "/", Soft: true}).Purge(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fv.got(), "; "); got != "PURGE a (soft)" {
			t.Errorf("requests %q", got)
		}
	})
	t.Run("secret", func(t *testing.T) {
		fv := &fakeVarnish{}
		srv := httptest.NewServer(fv)
		defer srv.Close()
		if err := (&VarnishPurger{URL: srv.URL, Secret: "s3"}).Purge(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fv.got(), "; "); got != "PURGE a (secret s3)" {
			t.Errorf("requests %q", got)
		}
	})
	t.Run("fallback to BAN", func(t *testing.T) {
		fv := &fakeVarnish{noXKey: true}
		srv := httptest.NewServer(fv)
		defer srv.Close()
		p := &VarnishPurger{URL: srv.URL}
		if err := p.Purge(ctx, "a.b", "c|d"); err != nil {
			t.Fatal(err)
		}
		if err := p.Purge(ctx, "e"); err != nil {
			t.Fatal(err)
		}
		want := `PURGE a.b c|d; BAN a.b c|d; BAN e`
		if got := strings.Join(fv.got(), "; "); got != want {
			t.Errorf("requests %q, want %q (and no second PURGE)", got, want)
		}
	})
	t.Run("Ban option", func(t *testing.T) {
		fv := &fakeVarnish{}
		srv := httptest.NewServer(fv)
		defer srv.Close()
		if err := (&VarnishPurger{URL: srv.URL, Ban: true}).Purge(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fv.got(), "; "); got != "BAN x" {
			t.Errorf("requests %q", got)
		}
	})
	t.Run("batches", func(t *testing.T) {
		fv := &fakeVarnish{}
		srv := httptest.NewServer(fv)
		defer srv.Close()
		tags := make([]string, 300)
		for i := range tags {
			tags[i] = "tag-" + strings.Repeat("x", 20) + "-" + itoa3(i)
		}
		if err := (&VarnishPurger{URL: srv.URL}).Purge(ctx, tags...); err != nil {
			t.Fatal(err)
		}
		var sent []string
		reqs := fv.got()
		if len(reqs) < 2 {
			t.Fatalf("%d requests, want several batches", len(reqs))
		}
		for _, r := range reqs {
			v := strings.TrimPrefix(r, "PURGE ")
			if len(v) > maxPurgeHeader {
				t.Errorf("batch of %d bytes", len(v))
			}
			sent = append(sent, strings.Fields(v)...)
		}
		if strings.Join(sent, " ") != strings.Join(tags, " ") {
			t.Error("tags lost across batches")
		}
	})
	t.Run("errors", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
		}))
		defer srv.Close()
		err := (&VarnishPurger{URL: srv.URL}).Purge(ctx, "a")
		if err == nil || !strings.Contains(err.Error(), "403") || !strings.HasPrefix(err.Error(), "cachehint: ") {
			t.Errorf("err = %v", err)
		}
		if err := (&VarnishPurger{URL: srv.URL}).Purge(ctx, "bad tag"); err == nil || !strings.Contains(err.Error(), `"bad tag"`) {
			t.Errorf("invalid tag: err = %v", err)
		}
		if err := (&VarnishPurger{}).Purge(ctx, "a"); err == nil {
			t.Error("empty URL: no error")
		}
		if err := (&VarnishPurger{URL: "http://127.0.0.1:1"}).Purge(ctx, "a"); err == nil {
			t.Error("unreachable Varnish: no error")
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := (&VarnishPurger{URL: srv.URL}).Purge(cctx, "a"); err == nil {
			t.Error("cancelled context: no error")
		}
	})
}

func itoa3(i int) string {
	return string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)})
}
