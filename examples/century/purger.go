package main

import "errors"

// newPurger returns the Varnish purger for url, or nil when url is empty.
func newPurger(url string) (purger, error) {
	if url == "" {
		return nil, nil
	}
	// Wired to cachehint's Varnish purger as soon as it lands.
	return nil, errors.New("century: -varnish is not supported yet")
}
