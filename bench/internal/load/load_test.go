package load_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fullsession/fullsession/bench/internal/load"
)

func TestRunCountBound(t *testing.T) {
	var calls atomic.Int64
	res, err := load.Run(context.Background(), load.Config{
		Concurrency: 4, Requests: 1000, Duration: 10 * time.Second,
		Do: func(ctx context.Context, w int) error {
			if w < 0 || w >= 4 {
				t.Errorf("worker %d out of range", w)
			}
			calls.Add(1)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 1000 || calls.Load() != 1000 || res.Errors != 0 {
		t.Fatalf("Requests %d, calls %d, Errors %d; want 1000, 1000, 0", res.Requests, calls.Load(), res.Errors)
	}
	if res.RPS() <= 0 {
		t.Fatalf("RPS = %v", res.RPS())
	}
}

func TestRunDurationBound(t *testing.T) {
	res, err := load.Run(context.Background(), load.Config{
		Concurrency: 2, Requests: 1 << 30, Duration: 100 * time.Millisecond,
		Do: func(ctx context.Context, w int) error {
			select {
			case <-time.After(5 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed > 2*time.Second {
		t.Fatalf("run took %v, want about 100ms", res.Elapsed)
	}
	if res.Errors != 0 {
		t.Fatalf("requests cut by the deadline counted as errors: %d (%v)", res.Errors, res.FirstErr)
	}
	if p := res.Percentile(0.5); p < 5*time.Millisecond || p > time.Second {
		t.Fatalf("p50 = %v, want ≥ 5ms", p)
	}
}

func TestRunErrors(t *testing.T) {
	boom := errors.New("boom")
	res, err := load.Run(context.Background(), load.Config{
		Concurrency: 1, Requests: 10, Duration: time.Second,
		Do: func(context.Context, int) error { return boom },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 10 || !errors.Is(res.FirstErr, boom) || res.Percentile(0.99) != 0 {
		t.Fatalf("Errors %d FirstErr %v p99 %v", res.Errors, res.FirstErr, res.Percentile(0.99))
	}
	if _, err := load.Run(context.Background(), load.Config{}); err == nil {
		t.Fatal("empty Config accepted")
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080/", "http://localhost/x", "http://[::1]:1/", "http://127.9.9.9/"} {
		if err := load.CheckLoopback(u); err != nil {
			t.Errorf("CheckLoopback(%q) = %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1/", "http://example.com/", "https://127.0.0.1/", "http://192.168.1.1/", "::"} {
		if err := load.CheckLoopback(u); err == nil {
			t.Errorf("CheckLoopback(%q) accepted", u)
		}
	}
}

func TestClientAgainstServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := load.NewClient(4)
	res, err := load.Run(context.Background(), load.Config{
		Concurrency: 4, Requests: 200, Duration: 10 * time.Second,
		Do: func(ctx context.Context, w int) error {
			resp, err := c.Get(srv.URL)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if string(b) != "ok" {
				return errors.New("bad body")
			}
			return nil
		},
	})
	if err != nil || res.Requests != 200 || res.Errors != 0 {
		t.Fatalf("Run: %+v, %v", res, err)
	}
}
