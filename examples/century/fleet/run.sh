#!/usr/bin/env bash
# run.sh starts the century site as a fleet on this machine, every part on
# loopback: a throw-away PostgreSQL cluster, Redis, several origin
# instances and two Varnish nodes in front of them (see ../README.md,
# "Running a fleet").
#
#   examples/century/fleet/run.sh                  # 2 origins, 100,000 properties
#   ORIGINS=3 COUNT=20000 examples/century/fleet/run.sh
#
# Ports (defaults): Varnish A 6081 (purge 6091), Varnish B 6082 (purge
# 6092), origins 8081, 8082, ..., PostgreSQL 55432, Redis 56379. Override
# with VARNISH_A, VARNISH_B, PURGE_A, PURGE_B, ORIGIN_BASE, PG_PORT,
# REDIS_PORT. Everything lives in one temporary folder, deleted at the end;
# nothing is installed and no system service is touched. Ctrl-C (or TERM)
# stops every part.
#
# Needs Go and Debian's postgresql, redis-server, varnish and
# varnish-modules (go_test.sh installs them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
origins=${ORIGINS:-2}
count=${COUNT:-100000}
va=${VARNISH_A:-6081} vb=${VARNISH_B:-6082}
pa=${PURGE_A:-6091} pb=${PURGE_B:-6092}
origin_base=${ORIGIN_BASE:-8081}
pg_port=${PG_PORT:-55432}
redis_port=${REDIS_PORT:-56379}

die() { echo "fleet/run.sh: $*" >&2; exit 1; }
say() { echo "fleet/run.sh: $*"; }

[[ "$origins" =~ ^[0-9]+$ ]] && [ "$origins" -ge 1 ] || die "ORIGINS must be a positive number, got $origins"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/postgres" ] || die "PostgreSQL not found: apt-get install postgresql"
command -v redis-server >/dev/null || die "redis-server not found: apt-get install redis-server"
varnishd=$(command -v varnishd || echo /usr/sbin/varnishd)
[ -x "$varnishd" ] || die "varnishd not found: apt-get install varnish varnish-modules"
vmods=$(ls -d /usr/lib/*/varnish/vmods 2>/dev/null | head -n1 || true)
[ -n "$vmods" ] && [ -f "$vmods/libvmod_xkey.so" ] || die "the xkey vmod is missing: apt-get install varnish-modules"
command -v go >/dev/null || die "go not found"

work=$(mktemp -d "${TMPDIR:-/tmp}/century-fleet.XXXXXX")
chmod 755 "$work"
pids=()
stop() {
  trap - INT TERM EXIT
  say "stopping"
  # The origins first (they flush their purge queues), then the rest.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${KEEP_LOGS:-}" ] && say "logs kept in $work" || rm -rf "$work"
  say "stopped"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_for() { # wait_for WHAT SECONDS COMMAND...
  local what=$1 secs=$2; shift 2
  for _ in $(seq $((secs * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || die "a part exited while waiting for $what (logs in $work: $(ls "$work" | grep log | tr '\n' ' '))"
    done
    sleep 0.1
  done
  die "$what not ready after ${secs}s (logs in $work)"
}

say "building the century binary"
(cd "$repo/examples" && go build -o "$work/century" ./century)

# PostgreSQL refuses to run as root: the cluster then belongs to the
# postgres user that the Debian package creates.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (apt-get install postgresql)"
  mkdir -p "$work/pg" && chown postgres: "$work/pg"
  as_pg=(runuser -u postgres --)
else
  mkdir -p "$work/pg"
fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$work/initdb.log" 2>&1 ||
  die "initdb failed: $(cat "$work/initdb.log")"
"${as_pg[@]}" "$pg_bin/postgres" -D "$work/pg/data" -h 127.0.0.1 -p "$pg_port" -k "$work/pg" \
  -c max_connections=200 >"$work/postgres.log" 2>&1 &
pids+=($!)
wait_for PostgreSQL 30 "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"
db_url="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"

redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$work" \
  --protected-mode yes --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)
wait_for Redis 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$redis_port"

# One set of secrets for the whole fleet: every origin signs and reads the
# same cookies, and every Varnish node wants the same purge secret.
export CENTURY_SESSION_KEYS=${CENTURY_SESSION_KEYS:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}
export CACHEHINT_PURGE_SECRET=${CACHEHINT_PURGE_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}

addrs=()
for i in $(seq 0 $((origins - 1))); do
  addr=127.0.0.1:$((origin_base + i))
  addrs+=("$addr")
  "$work/century" -addr "$addr" -database-url "$db_url" -redis "redis://127.0.0.1:$redis_port" \
    -varnish "http://127.0.0.1:$pa,http://127.0.0.1:$pb" -trusted-proxies 127.0.0.1/32 \
    -count "$count" >"$work/origin-$((i + 1)).log" 2>&1 &
  pids+=($!)
done
say "origins starting (the first start generates $count properties in PostgreSQL; progress: tail -f $work/origin-1.log)"
for i in "${!addrs[@]}"; do
  wait_for "origin ${addrs[$i]}" 600 curl -fsS "http://${addrs[$i]}/healthz"
done

"$work/century" vcl "${addrs[@]}" >"$work/fleet.vcl"
chmod 644 "$work/fleet.vcl"
for node in a b; do
  if [ $node = a ]; then port=$va purge=$pa; else port=$vb purge=$pb; fi
  mkdir -p "$work/varnish-$node"
  "$varnishd" -F -n "$work/varnish-$node/n" -a "127.0.0.1:$port" -a "purge=127.0.0.1:$purge" -T 127.0.0.1:0 \
    -f "$work/fleet.vcl" -s malloc,256m -p "vmod_path=$vmods" >"$work/varnish-$node.log" 2>&1 &
  pids+=($!)
done
wait_for "Varnish A" 60 curl -fsS -o /dev/null "http://127.0.0.1:$va/healthz"
wait_for "Varnish B" 60 curl -fsS -o /dev/null "http://127.0.0.1:$vb/healthz"

cat <<EOF
fleet/run.sh: the fleet is up.
  open            http://127.0.0.1:$va  (Varnish A)   http://127.0.0.1:$vb  (Varnish B)
  origins         $(printf 'http://%s ' "${addrs[@]}")
  PostgreSQL      $db_url
  Redis           redis://127.0.0.1:$redis_port
  purge listeners http://127.0.0.1:$pa http://127.0.0.1:$pb (secret in CACHEHINT_PURGE_SECRET)
  logs            $work/*.log    VCL $work/fleet.vcl
  varnishstat     varnishstat -n $work/varnish-a/n
Ctrl-C stops everything.
EOF
# Stop when any part dies, or on Ctrl-C/TERM.
wait -n "${pids[@]}" || true
say "a part of the fleet exited; see the logs above"
