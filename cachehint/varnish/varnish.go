// Package varnish ships the Varnish 7.1 configuration that goes with
// cachehint: default.vcl, embedded as DefaultVCL.
//
// Deploy the file as it is, after editing the backend address and, if your
// clientsession Options.Prefix is not "session.", the line marked
// "CONFIGURE". It needs the xkey vmod (Debian package varnish-modules).
// The VCL is safe only together with cachehint.Middleware at the origin; the
// cachehint package documentation explains why.
package varnish

import _ "embed"

// DefaultVCL is the text of default.vcl. Its backend is 127.0.0.1:8080.
//
//go:embed default.vcl
var DefaultVCL string
