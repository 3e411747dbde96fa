// search.go finds the search pages cachebench requests: the first page of
// each canonical search and the pages after it, as the site links them.

package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// searchDepth is how many pages of each search the visitors read.
const searchDepth = 3

// firstPages are the first pages of the canonical searches (the site
// redirects any other spelling): city × type × maximum price, 168 in all.
func firstPages() []string {
	var out []string
	for _, city := range []string{"", "Paris", "Lyon", "Marseille", "Bordeaux", "Lille", "Nantes"} {
		for _, typ := range []string{"", "studio", "apartment", "loft", "house", "villa"} {
			for _, maxPrice := range []int{0, 200_000, 400_000, 800_000} {
				var q []string
				if city != "" {
					q = append(q, "city="+url.QueryEscape(city))
				}
				if typ != "" {
					q = append(q, "type="+typ)
				}
				if maxPrice > 0 {
					q = append(q, "max="+strconv.Itoa(maxPrice))
				}
				u := "/"
				if len(q) > 0 {
					u += "?" + strings.Join(q, "&")
				}
				out = append(out, u)
			}
		}
	}
	return out
}

// nextLink is the pager's link to the following page of a search.
var nextLink = regexp.MustCompile(`<a rel="next" href="([^"]+)"`)

// searchPages returns each of first followed by up to depth-1 pages after
// it, taken from the rel="next" links the site renders (its pagination is
// keyset: `?after=<last id>`, so the URLs depend on the data). It asks the
// origin at base directly, so that Varnish's cache stays empty for day 1.
// Every page must answer 200: a redirect means the list is not canonical.
func searchPages(ctx context.Context, client *http.Client, base string, first []string, depth int) ([]string, error) {
	var out []string
	for _, u := range first {
		for range depth {
			out = append(out, u)
			body, err := get(ctx, client, base+u)
			if err != nil {
				return nil, err
			}
			m := nextLink.FindSubmatch(body)
			if m == nil {
				break // the last page of this search
			}
			next := html.UnescapeString(string(m[1]))
			if !strings.HasPrefix(next, "/") {
				return nil, fmt.Errorf("GET %s: next link %q is not a path", u, next)
			}
			u = next
		}
	}
	return out, nil
}

func get(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return body, nil
}
