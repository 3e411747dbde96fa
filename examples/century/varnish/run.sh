#!/usr/bin/env bash
# run.sh starts the century site and Varnish in front of it, with
# cachehint's VCL: the production-like way to run the example (see
# ../README.md). The site purges changed properties through Varnish's purge
# listener, with a purge secret both share, and rate-limits by the client
# address Varnish forwards.
#
#   ./run.sh                                   # site on 127.0.0.1:8080, Varnish on 127.0.0.1:6081
#   ./run.sh -update-rate 10 -count 20000      # arguments go to the site
#   CENTURY_SITE=none ./run.sh                 # Varnish only; prints the exact site command
#   CENTURY_BACKEND=127.0.0.1:9090 ./run.sh    # another site address
#   VARNISH_LISTEN=:6081 ./run.sh              # Varnish on every interface
#   VARNISH_PURGE_LISTEN=127.0.0.1:6091        # the purge listener (default; keep it on loopback)
#   VARNISH_PROXY_LISTEN=127.0.0.1:6086 ./run.sh  # also a PROXY-protocol listener for a TLS terminator
#   CACHEHINT_PURGE_SECRET=... ./run.sh        # the purge secret (default: a random one per run)
#   CENTURY_BIN=/path/to/century ./run.sh      # a site binary built already (default: go build)
#
# The VCL accepts PURGE and BAN only on the purge listener, never on the
# client one (a TLS terminator on this host would make every visitor
# 127.0.0.1). Open http://127.0.0.1:6081 once run.sh says so. Stop both
# with Ctrl-C (or SIGTERM, SIGHUP): run.sh stops the site and varnishd on
# every exit path, also when one of them fails, and removes its work folder.
# Needs Debian's varnish and varnish-modules (the xkey vmod):
#   apt-get install varnish varnish-modules
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
vcl_src=${VCL:-$repo/cachehint/varnish/default.vcl}
backend=${CENTURY_BACKEND:-127.0.0.1:8080}
listen=${VARNISH_LISTEN:-127.0.0.1:6081}
purge_listen=${VARNISH_PURGE_LISTEN:-127.0.0.1:6091}
proxy_listen=${VARNISH_PROXY_LISTEN:-}
storage=${VARNISH_STORAGE:-malloc,256m}
site_mode=${CENTURY_SITE:-run}

die() { echo "run.sh: $*" >&2; exit 1; }

# Everything started is stopped on every way out: the EXIT trap runs after
# an error (set -e), a signal (the traps below exit, which runs it) or the
# end. varnishd and the site run in the background and the script waits on
# them, so a signal is handled at once, not after they exit.
pids=()
work=""
stop_all() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  [ -z "$work" ] || rm -rf "$work"
}
trap stop_all EXIT
trap 'echo "run.sh: SIGINT, stopping" >&2; exit 130' INT
trap 'echo "run.sh: SIGTERM, stopping" >&2; exit 143' TERM
trap 'echo "run.sh: SIGHUP, stopping" >&2; exit 129' HUP

case $site_mode in run | none) ;; *) die "CENTURY_SITE must be run or none, got $site_mode" ;; esac
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

# port_open HOST:PORT reports whether something accepts connections there.
port_open() {
  local h=${1%:*} p=${1##*:}
  h=${h#[}; h=${h%]}
  [ -n "$h" ] || h=127.0.0.1
  (exec 3<>"/dev/tcp/$h/$p") 2>/dev/null
}
for a in "$listen" "$purge_listen" ${proxy_listen:+"$proxy_listen"}; do
  ! port_open "$a" || die "$a is in use (another run.sh or varnishd?)"
done

# A private work folder, readable by the unprivileged user varnishd's cache
# process runs as when started by root.
work=$(mktemp -d "${TMPDIR:-/tmp}/century-varnish.XXXXXX")
chmod 755 "$work"

# The purge secret: the site sends it, varnishd (the VCL) requires it. When
# run.sh starts both, it makes one up unless given one; it never prints it.
if [ -z "${CACHEHINT_PURGE_SECRET:-}" ] && [ "$site_mode" = run ]; then
  CACHEHINT_PURGE_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
fi
[ -z "${CACHEHINT_PURGE_SECRET:-}" ] || export CACHEHINT_PURGE_SECRET
site_flags=(-addr "$backend" -varnish "http://$purge_listen" -trusted-proxies 127.0.0.1/32)

if [ "$site_mode" = run ]; then
  ! port_open "$backend" || die "$backend is in use: stop what runs there, or set CENTURY_BACKEND"
  if [ -n "${CENTURY_BIN:-}" ]; then
    bin=$CENTURY_BIN
  else
    bin=$work/century
    echo "run.sh: building the site (the first build takes about a minute, silently)"
    (cd "$repo" && go build -o "$bin" ./examples/century)
  fi
else
  [ $# -eq 0 ] || die "arguments are for the site, which CENTURY_SITE=none does not start"
fi

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
"$varnishd" -F -n "$work/varnishd" "${listeners[@]}" -T 127.0.0.1:0 -f "$work/century.vcl" \
  -s "$storage" -p "vmod_path=$vmods" &
pids+=($!)
echo "run.sh: varnishd pid $! on $listen${proxy_listen:+ (PROXY on $proxy_listen)} -> century on $backend (VCL $vcl_src)"
for _ in $(seq 1 150); do
  port_open "$listen" && break
  kill -0 "${pids[-1]}" 2>/dev/null || die "varnishd stopped before it listened"
  sleep 0.2
done
port_open "$listen" || die "varnishd did not listen on $listen within 30 s"
# Then the site, so that its first purges find Varnish.
if [ "$site_mode" = run ]; then
  "$bin" "${site_flags[@]}" "$@" &
  pids+=($!)
  echo "run.sh: century pid $! on $backend"
  # The first run generates the database (a few seconds).
  for _ in $(seq 1 600); do
    port_open "$backend" && break
    kill -0 "${pids[-1]}" 2>/dev/null || die "the site stopped before it served"
    sleep 0.2
  done
  port_open "$backend" || die "the site did not listen on $backend within 2 minutes"
fi

if [ -n "${CACHEHINT_PURGE_SECRET:-}" ]; then
  echo "run.sh: purges on $purge_listen only, with the secret in CACHEHINT_PURGE_SECRET"
else
  echo "run.sh: purges on $purge_listen only, from localhost, no secret"
fi
echo "run.sh: stats: varnishstat -n $work/varnishd   log: varnishlog -n $work/varnishd"
if [ "$site_mode" = none ]; then
  echo "run.sh: now start the site from the repository root${CACHEHINT_PURGE_SECRET:+, with the same CACHEHINT_PURGE_SECRET in its environment}:"
  echo "  go run ./examples/century ${site_flags[*]}"
fi
lhost=${listen%:*}
[ -n "$lhost" ] || lhost=127.0.0.1
echo "run.sh: open http://$lhost:${listen##*:}"

# Until one of them stops: then the other is stopped too (EXIT trap).
set +e
wait -n "${pids[@]}"
status=$?
set -e
echo "run.sh: a process stopped (status $status); stopping the rest" >&2
exit $(( status == 0 ? 1 : status ))
