package load_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/fullsession/fullsession/bench/internal/load"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	if err := load.CheckLoopback(srv.URL); err != nil {
		fmt.Println(err)
		return
	}
	client := load.NewClient(8)
	res, err := load.Run(context.Background(), load.Config{
		Concurrency: 8, Requests: 500, Duration: 5 * time.Second,
		Do: func(ctx context.Context, worker int) error {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			return resp.Body.Close()
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Requests, res.Errors, res.Percentile(0.99) > 0)
	// Output: 500 0 true
}
