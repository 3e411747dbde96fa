#!/usr/bin/env bash
# run.sh starts Varnish in front of the century site, with cachehint's VCL:
# the production-like way to run the example (see ../README.md).
#
#   ./run.sh                                   # Varnish on 127.0.0.1:6081 -> site on 127.0.0.1:8080
#   CENTURY_BACKEND=127.0.0.1:9090 ./run.sh    # another site address
#   VARNISH_LISTEN=:6081 ./run.sh              # listen on every interface
#   VARNISH_PURGE_LISTEN=127.0.0.1:6091        # the purge listener (default; keep it on loopback)
#   VARNISH_PROXY_LISTEN=127.0.0.1:6086 ./run.sh  # also a PROXY-protocol listener for a TLS terminator
#   CACHEHINT_PURGE_SECRET=$(openssl rand -hex 32) ./run.sh  # purges also need this secret
#
# The VCL accepts PURGE and BAN only on the purge listener, never on the
# client one (a TLS terminator on this host would make every visitor
# 127.0.0.1). Then start the site so that it purges changed properties
# through that listener and rate-limits by the client address Varnish
# forwards (with the same CACHEHINT_PURGE_SECRET in its environment, if set):
#
#   go run ./examples/century -varnish http://127.0.0.1:6091 -trusted-proxies 127.0.0.1/32
#
# and open http://127.0.0.1:6081. Varnish runs in the foreground; stop it
# with Ctrl-C. Needs Debian's varnish and varnish-modules (the xkey vmod):
#   apt-get install varnish varnish-modules
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vcl_src=${VCL:-$here/../../../cachehint/varnish/default.vcl}
backend=${CENTURY_BACKEND:-127.0.0.1:8080}
listen=${VARNISH_LISTEN:-127.0.0.1:6081}
purge_listen=${VARNISH_PURGE_LISTEN:-127.0.0.1:6091}
proxy_listen=${VARNISH_PROXY_LISTEN:-}
storage=${VARNISH_STORAGE:-malloc,256m}

die() { echo "run.sh: $*" >&2; exit 1; }

varnishd=$(command -v varnishd || true)
[ -n "$varnishd" ] || [ ! -x /usr/sbin/varnishd ] || varnishd=/usr/sbin/varnishd
[ -n "$varnishd" ] || die "varnishd not found: apt-get install varnish varnish-modules"
[ -f "$vcl_src" ] || die "VCL not found at $vcl_src (set VCL=path)"
vmods=$(ls -d /usr/lib/*/varnish/vmods 2>/dev/null | head -n1 || true)
[ -n "$vmods" ] && [ -f "$vmods/libvmod_xkey.so" ] ||
  die "the xkey vmod is missing: apt-get install varnish-modules"

host=${backend%:*}
port=${backend##*:}
[ -n "$host" ] && [ -n "$port" ] && [ "$host" != "$backend" ] || die "CENTURY_BACKEND must be host:port, got $backend"

# A private work folder, readable by the unprivileged user varnishd's cache
# process runs as when started by root.
work=$(mktemp -d "${TMPDIR:-/tmp}/century-varnish.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# The backend is the site. The VCL keeps the session cookies whether the
# site uses the plain "session." prefix (plain HTTP) or "__Host-session."
# (TLS, -insecure-cookies=false), and drops every other cookie.
sed -e "0,/\.host *= *\"[^\"]*\";/s//.host = \"$host\";/" \
    -e "0,/\.port *= *\"[^\"]*\";/s//.port = \"$port\";/" \
    "$vcl_src" >"$work/century.vcl"
chmod 644 "$work/century.vcl"
grep -q "\.host = \"$host\";" "$work/century.vcl" || die "could not set the backend in $vcl_src"
grep -q '(__Host-|__Secure-)?session' "$work/century.vcl" || die "the VCL in $vcl_src does not keep __Host-session. cookies"

listeners=(-a "$listen" -a "purge=$purge_listen")
[ -z "$proxy_listen" ] || listeners+=(-a "proxy=$proxy_listen,PROXY")
secret_note="no purge secret"
[ -z "${CACHEHINT_PURGE_SECRET:-}" ] || { export CACHEHINT_PURGE_SECRET; secret_note="purge secret from CACHEHINT_PURGE_SECRET"; }

echo "run.sh: varnishd on $listen${proxy_listen:+ (PROXY on $proxy_listen)} -> century on $backend (VCL $vcl_src)"
echo "run.sh: purges on $purge_listen only ($secret_note)"
echo "run.sh: stats: varnishstat -n $work/varnishd   log: varnishlog -n $work/varnishd"
# Not exec: the EXIT trap removes the work folder when varnishd stops.
"$varnishd" -F -n "$work/varnishd" "${listeners[@]}" -T 127.0.0.1:0 -f "$work/century.vcl" \
  -s "$storage" -p "vmod_path=$vmods"
