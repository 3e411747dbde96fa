// proxy_test.go checks the loopback proxy WebKit runs behind: plain HTTP
// reaches 127.0.0.1 (InsecureHost included); other hosts and CONNECT are
// refused.
package browsertest

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestLoopbackProxy(t *testing.T) {
	w := &webkit{}
	addr, err := w.startProxy()
	if err != nil {
		t.Fatal(err)
	}
	defer w.proxy.Close()
	h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { io.WriteString(rw, "host "+r.Host) })
	plain, secure := httptest.NewServer(h), httptest.NewTLSServer(h)
	defer plain.Close()
	defer secure.Close()
	proxy, _ := url.Parse("http://" + addr)
	c := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(proxy),
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	port := func(s *httptest.Server) string { return s.URL[strings.LastIndex(s.URL, ":")+1:] }
	for _, u := range []string{plain.URL, "http://" + InsecureHost + ":" + port(plain) + "/x"} {
		if code, body := get(u); code != 200 || !strings.HasPrefix(body, "host ") {
			t.Errorf("%s: %d %s", u, code, body)
		}
	}
	for _, u := range []string{"http://192.0.2.1/", "https://example.com/", secure.URL} {
		if code, body := get(u); code == 200 {
			t.Errorf("%s went through: %s", u, body)
		}
	}
}
