package h1_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/fullsession/fullsession/bench/internal/h1"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cache", "HIT")
		io.WriteString(w, "hello "+r.Header.Get("Cookie"))
	}))
	defer srv.Close()

	c := &h1.Conn{Addr: strings.TrimPrefix(srv.URL, "http://"), Timeout: 5 * time.Second}
	defer c.Close()
	var resp h1.Response
	if err := c.Do("GET", "/", []h1.Field{{Name: "Cookie", Value: "lang=fr"}}, "", &resp); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header("X-Cache"), string(resp.Body))
	// Output: 200 HIT hello lang=fr
}
