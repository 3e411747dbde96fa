// Example of making a cookie-setting response unstorable by shared caches.
package httpcache_test

import (
	"fmt"
	"net/http"

	"github.com/fullsession/fullsession/internal/httpcache"
)

func ExampleForbidShared() {
	h := http.Header{}
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("Cloudflare-CDN-Cache-Control", "max-age=86400")
	h.Set("xkey", "home")
	h.Add("Set-Cookie", "session.user=ann")
	httpcache.ForbidShared(h)
	httpcache.AddVary(h, "Cookie")
	fmt.Println(h.Get("Cache-Control"), "|", h.Get("Vary"), "|", len(h))
	// Output: private, no-store | Cookie | 3
}
