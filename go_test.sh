#!/usr/bin/env bash
# go_test.sh runs every test of fullsession: vet, the race-enabled Go tests
# (which drive real Chromium, Firefox and WebKit, Varnish and Redis), the jsclient Node tests and
# a short run of every fuzz target. It installs what the tests need and is
# safe to run again. It exits non-zero on any failure.
#
#   FUZZTIME=10s ./go_test.sh      # fuzz time per target (default 5s)
set -euo pipefail
cd "$(dirname "$0")"

FUZZTIME=${FUZZTIME:-5s}
log() { printf '\n==> %s\n' "$*"; }

# System packages the tests use: a real browser, a real cache, a real store.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# The other two browser engines (internal/testkit/browsertest): Firefox, and
# WebKit through WebKitWebDriver driving Epiphany under Xvfb and D-Bus.
command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || need+=(webkit2gtk-driver)
command -v epiphany >/dev/null 2>&1 || need+=(epiphany-browser)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus)
command -v varnishd >/dev/null 2>&1 || need+=(varnish)
dpkg -s varnish-modules >/dev/null 2>&1 || need+=(varnish-modules)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm) # jsclient: node --test, esbuild, npm pack
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Debian starts some packages as services on install; the tests start their
# own, on loopback, in temp dirs. Stop only the services of the packages this
# run just installed: a service that was there before is left as it was.
for pkg in ${need[@]+"${need[@]}"}; do
  case $pkg in
    varnish) svcs="varnish varnishncsa" ;;
    redis-server) svcs="redis-server" ;;
    postgresql) svcs="postgresql" ;;
    *) svcs="" ;;
  esac
  for svc in $svcs; do
    log "stopping the $svc service that installing $pkg started"
    (systemctl stop "$svc" || service "$svc" stop) >/dev/null 2>&1 || true
  done
done

# Every module of the workspace (go.work): the library at the root, and the
# examples, bench, integration and test-kit modules beside it. A module left
# out here would go untested, so the list comes from go itself.
mapfile -t modules < <(go list -m -f '{{.Dir}}')
pkgs=(); for d in "${modules[@]}"; do pkgs+=("$d/..."); done

# Every tracked Go file is gofmt-formatted (gofmt -l lists those that are not).
log "gofmt"
unformatted=$(git ls-files -z '*.go' | xargs -0 gofmt -l)
[ -z "$unformatted" ] || { printf 'not gofmt-formatted (run gofmt -w):\n%s\n' "$unformatted" >&2; exit 1; }

log "go vet (${#modules[@]} modules)"
go vet "${pkgs[@]}"

# staticcheck at a pinned version, over the same modules.
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
log "staticcheck ($STATICCHECK)"
go run "$STATICCHECK" "${pkgs[@]}"

# clientsession's vectors are generated deterministically (fixed nonces):
# a testdata/vectors.json that the code would not write again is stale.
log "clientsession test vectors are current"
go test -count=1 -run '^TestVectorsCurrent$' ./clientsession ||
  { echo "clientsession/testdata/vectors.json is stale: run go generate ./clientsession" >&2; exit 1; }

log "go test -race"
go test -race -count=1 -timeout 12m "${pkgs[@]}"

# The root packages' unit tests on a 32-bit build too (int is 32 bits
# there; amd64 runs 386 binaries). -race needs a 64-bit target.
log "go test (GOARCH=386, root packages)"
GOARCH=386 go test -count=1 ./clientsession/... ./cachehint/... ./jsclient/...

if [ -f jsclient/package.json ]; then
  log "jsclient: served file, npm package, node tests"
  (
    cd jsclient
    npm ci --no-audit --no-fund --silent
    # module.min.mjs, the file Go serves, must be what build.mjs makes of src/.
    node build.mjs --check
    # The npm package still packs; test/module.test.mjs checks its file list.
    npm pack --dry-run --json --ignore-scripts | node -e '
      const [p] = JSON.parse(require("fs").readFileSync(0, "utf8"))
      console.log(`npm pack --dry-run: ${p.filename}, ${p.entryCount} files, ${p.size} B packed`)'
    # A summary of the TAP output; all of it when something fails.
    out=$(mktemp)
    if node --test --test-reporter=tap test/ >"$out" 2>&1; then
      grep -o 'jsclient size: .*' "$out" || true
      awk '/^# (tests|pass|fail|skipped|todo|duration_ms) /{v[$2]=$3}
        END{printf "node --test: %d tests, %d pass, %d fail, %d skipped, %d todo (%.1f s)\n",
          v["tests"], v["pass"], v["fail"], v["skipped"], v["todo"], v["duration_ms"]/1000}' "$out"
      rm -f "$out"
    else
      cat "$out"; rm -f "$out"; exit 1
    fi
  )
fi

# deadline_flake reports whether a failed fuzz run is only Go 1.26's
# coordinator race at the -fuzztime boundary (golang/go#75804, fixed in Go
# 1.27): "context deadline exceeded" with no reproducer written, no panic
# and no test failure message. A real finding always writes a reproducer.
deadline_flake() {
  grep -q 'context deadline exceeded' "$1" &&
    ! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$1"
}

fuzz_one() { # pkg target
  local out; out=$(mktemp)
  for attempt in 1 2; do
    if go test -run='^$' -fuzz="^${2}\$" -fuzztime="$FUZZTIME" "$1" >"$out" 2>&1; then
      tail -n 1 "$out"; rm -f "$out"; return 0
    fi
    deadline_flake "$out" || { cat "$out"; rm -f "$out"; return 1; }
    echo "    $2: fuzz deadline race (golang/go#75804), no reproducer written; attempt $attempt"
  done
  echo "    $2: fuzzed for ${FUZZTIME} twice without a reproducer; accepted"
  rm -f "$out"
}

log "fuzz (${FUZZTIME} per target)"
for pkg in $(go list "${pkgs[@]}"); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "--- $pkg $target"
    fuzz_one "$pkg" "$target"
  done
done

log "all tests passed"
