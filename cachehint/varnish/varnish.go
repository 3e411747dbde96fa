// Package varnish ships the Varnish 7.1 configuration that goes with
// cachehint: default.vcl, embedded as DefaultVCL.
//
// Deploy the file as it is, after editing the backend address and, if your
// clientsession Options.Prefix is not "session.", the line marked
// "CONFIGURE". It needs the xkey vmod (Debian package varnish-modules).
// The VCL is safe only together with cachehint.Middleware at the origin; the
// cachehint package documentation explains why.
//
// # Listeners, purges and the purge secret
//
// Run varnishd with a client listener and a dedicated purge listener on
// loopback, named "purge":
//
//	CACHEHINT_PURGE_SECRET=$(openssl rand -hex 32) \
//	varnishd -a 127.0.0.1:6081 -a purge=127.0.0.1:6091 -f default.vcl ...
//
// The VCL accepts PURGE and BAN only on the listener named "purge" (it
// checks local.socket) and from its "purgers" ACL (localhost). Everything
// that arrives on the client listener is refused with 403, so a proxy on
// the same host, such as a TLS terminator that makes every client
// 127.0.0.1, cannot pass purges through. When varnishd's environment holds
// CACHEHINT_PURGE_SECRET (read with std.getenv, so the secret never goes
// into the VCL file), purges must also carry it in a Purge-Secret header;
// set cachehint.VarnishPurger's Secret to the same value. The secret
// guards against other local users and processes that can reach the purge
// port. It is compared as a plain string (not in constant time) and shows
// in varnishlog's request headers: keep varnishlog output private, or rely
// on the loopback listener alone by leaving the variable unset.
//
// The xkey-purge and xkey-ban headers must each be a list of RFC 9110
// tokens (cachehint.ValidTag) separated by spaces or tabs: anything else is
// refused with 400 before use. The VCL builds the ban expression itself,
// regex-quoting each checked tag, so no header byte can add a condition.
//
// # TLS termination and the PROXY protocol
//
// A TLS terminator (hitch, HAProxy, nginx stream) in front of Varnish
// should speak the PROXY protocol to a PROXY listener:
//
//	varnishd -a 127.0.0.1:6081 -a proxy=127.0.0.1:6086,PROXY -a purge=127.0.0.1:6091 ...
//
// Varnish then takes client.ip from the PROXY header, and sends it to the
// origin in X-Forwarded-For, so per-client rate limits at the origin still
// see each client. Purges sent through the PROXY listener are refused like
// those of the client listener, whatever address the PROXY header claims.
// examples/century/varnish/run.sh starts Varnish this way.
package varnish

import _ "embed"

// DefaultVCL is the text of default.vcl. Its backend is 127.0.0.1:8080.
//
//go:embed default.vcl
var DefaultVCL string
