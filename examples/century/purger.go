package main

import (
	"net/http"
	"time"

	"github.com/fullsession/fullsession/cachehint"
)

// newPurger returns cachehint's Varnish purger for url (the xkey purge the
// shipped VCL accepts from localhost), or nil when url is empty.
func newPurger(url string) (cachehint.Purger, error) {
	if url == "" {
		return nil, nil
	}
	return &cachehint.VarnishPurger{URL: url, Client: &http.Client{Timeout: 5 * time.Second}}, nil
}
