package main

import (
	"net/http"
	"os"
	"time"

	"github.com/fullsession/fullsession/cachehint"
)

// newPurger returns cachehint's Varnish purger for url, the purge listener
// of the shipped VCL (varnish/run.sh: http://127.0.0.1:6091), or nil when
// url is empty. It sends the secret in CACHEHINT_PURGE_SECRET, the same
// variable varnishd reads, when set.
func newPurger(url string) (cachehint.Purger, error) {
	if url == "" {
		return nil, nil
	}
	return &cachehint.VarnishPurger{URL: url, Secret: os.Getenv("CACHEHINT_PURGE_SECRET"), Client: &http.Client{Timeout: 5 * time.Second}}, nil
}
