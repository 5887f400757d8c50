#!/usr/bin/env bash
# Benchmark: what the request metrics cost. GET /r/{token} (the referee questionnaire of a
# real invited reference) under wrk, against two `vouch serve` processes that differ only
# in metrics.enabled (true: the counting middleware runs; false: it does not, and /metrics
# answers 404), both on the same database, measured in alternating rounds of the same run.
# Release build. Not a test: it prints figures.
#
#   bench/metrics.sh
#
# What it does: builds the release binary (into $CARGO_TARGET_DIR when set, else target/),
# creates a throw-away database (PostgreSQL vouch_bench_<random>, dropped at exit; or a
# SQLite file with DB=sqlite), seeds an ops user and token with the CLI, starts one
# `vouch serve` with a job worker and the file mail transport, creates a provider, a case
# with one reference and launches it, takes the link token out of the invitation email,
# opens the form once (the first view marks the reference opened; later views only read)
# and stops that server. Then it starts the two servers to compare, with no job workers
# (VOUCH__WORKFLOW__WORKERS=0) so that only HTTP is measured, warms each up, and runs
# ROUNDS rounds of wrk on each, in the order on/off, off/on, on/off, ... so that a drift
# of the machine falls on both. Reported: requests/s and p99 of each round, their medians,
# and the cost of metrics in % of the median requests/s and in ms of the median p99.
#
# Knobs (environment), with defaults:
#   ROUNDS=4 DURATION=15s WARMUP=5s CONNECTIONS=32 THREADS=2
#   DB=postgres        or sqlite
#   QUIET_WAIT=600     before the measurements, wait up to this many seconds for the
#                      machine to be under 15% busy (it is shared with builds)
#   KEEP_TMP=0         1 keeps the temp dir (server logs, mail, wrk output)
#   VOUCH_BIN=         use this binary instead of building
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres (trust auth expected)
#
# Needs: cargo, curl, jq, python3, wrk (installed with apt-get when missing), psql for
# DB=postgres.
set -euo pipefail

ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
DB=${DB:-postgres}
QUIET_WAIT=${QUIET_WAIT:-600}
KEEP_TMP=${KEEP_TMP:-0}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
# Per-IP limit on the public routes; lifted so one load generator is not throttled.
RATE_LIMIT=100000000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/vouch"
if [ -n "${VOUCH_BIN:-}" ]; then BIN=$VOUCH_BIN; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in cargo curl jq python3; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
[ "$DB" = postgres ] && { command -v psql >/dev/null || die "psql is required for DB=postgres"; }
case "$DB" in postgres|sqlite) ;; *) die "DB must be postgres or sqlite" ;; esac
if ! command -v wrk >/dev/null; then
    log "wrk not found; installing the Debian package"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

# ------------------------------------------------------------------ cleanup at exit
TMP=$(mktemp -d /tmp/vouch-bench-metrics.XXXXXX)
DBNAME="vouch_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
PIDS=()
DB_CREATED=0
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres "$@"; }

stop_server() {
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do stop_server "$pid"; done
    if [ "$DB_CREATED" = 1 ]; then
        psql_admin -c "DROP DATABASE IF EXISTS \"$DBNAME\" WITH (FORCE)" >/dev/null 2>&1 \
            || log "could not drop database $DBNAME; drop it by hand"
    fi
    if [ "$rc" -ne 0 ]; then
        for f in "$TMP"/*.log; do
            [ -f "$f" ] || continue
            log "failed (exit $rc); last lines of $(basename "$f"):"
            tail -n 20 "$f" >&2 || true
        done
    fi
    if [ "$KEEP_TMP" = 1 ] || [ "$rc" -ne 0 ]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ 1. build
if [ -z "${VOUCH_BIN:-}" ]; then
    log "building the release binary (cargo waits if another build holds the lock)"
    cargo build --release --bin vouch
else
    log "using $BIN as given by VOUCH_BIN (no build)"
fi
[ -x "$BIN" ] || die "$BIN was not built"

# ------------------------------------------------------------------ 2. database, config
if [ "$DB" = postgres ]; then
    log "creating database $DBNAME"
    psql_admin -c "CREATE DATABASE \"$DBNAME\""
    DB_CREATED=1
    export VOUCH__DATABASE__URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DBNAME"
else
    export VOUCH__DATABASE__URL="sqlite://$TMP/vouch.db?mode=rwc"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
mkdir -p "$TMP/mail"
export VOUCH__MAIL__TRANSPORT=file
export VOUCH__MAIL__DIR="$TMP/mail"
export VOUCH__LIMITS__PUBLIC_REQUESTS_PER_MINUTE=$RATE_LIMIT
export VOUCH__WORKFLOW__POLL_INTERVAL_MS=100
export VOUCH_LOG=warn NO_COLOR=1
unset VOUCH__METRICS__TOKEN VOUCH__METRICS__ENABLED

# serve NAME PORT [VAR=value...]: starts `vouch serve` on PORT with the extra variables,
# waits for /readyz, and leaves its pid in SERVED_PID.
serve() {
    local name=$1 port=$2 pid
    shift 2
    env VOUCH__SERVER__BIND="127.0.0.1:$port" VOUCH__SERVER__PUBLIC_URL="http://127.0.0.1:$port" \
        "$@" "$BIN" serve >"$TMP/$name.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 300); do   # up to ~30 s
        kill -0 "$pid" 2>/dev/null || die "vouch serve ($name) exited during start"
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)" = 200 ]; then
            SERVED_PID=$pid
            return 0
        fi
        sleep 0.1
    done
    die "/readyz of $name did not answer 200 within 30 s"
}

# ------------------------------------------------------------------ 3. one invited reference
log "seeding the ops user and API token"
"$BIN" admin create-user --email ops@bench.example --name Bench --role ops >/dev/null
TOKEN=$("$BIN" admin create-token --email ops@bench.example)
[ -n "$TOKEN" ] || die "create-token printed nothing"

SEED_PORT=$(free_port)
serve seed "$SEED_PORT" VOUCH__WORKFLOW__WORKERS=1
SEED_PID=$SERVED_PID
SEED="http://127.0.0.1:$SEED_PORT"
api() {
    local method=$1 path=$2 out="$TMP/api.out" code
    local body=()
    [ $# -ge 3 ] && body=(-H 'Content-Type: application/json' --data "$3")
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" "$SEED/api/v1$path" \
        -H "Authorization: Bearer $TOKEN" "${body[@]}")
    case "$code" in
        2??) cat "$out" ;;
        *) die "$method $path answered $code: $(head -c 1000 "$out")" ;;
    esac
}
log "creating a provider and a case with one reference, and launching it"
PROVIDER_ID=$(api POST /providers '{"name":"Ledger & Co (bench)","category":"accounting","contact_name":"Pat Ledger","contact_email":"pat@ledger.example"}' | jq -r .id)
CASE_ID=$(api POST /cases "{\"provider_id\":\"$PROVIDER_ID\",\"min_responses\":1,\"deadline_days\":30}" | jq -r .id)
api POST "/cases/$CASE_ID/references" \
    '{"name":"Referee One","email":"referee1@client1.example","company":"Client 1 Ltd","relationship":"client since 2022, CFO"}' >/dev/null
api POST "/cases/$CASE_ID/launch" >/dev/null

# The invitation's text carries {public_url}/r/{token}; the body may be quoted-printable
# or base64, so the email module decodes it before the link is matched.
cat >"$TMP/token.py" <<'PY'
import email, email.policy, pathlib, re, sys
link = re.compile(r"/r/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.eml")):
    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            found = link.findall(part.get_content())
            if found:
                print(found[0])
                sys.exit()
PY
LINK=""
for _ in $(seq 300); do   # up to ~60 s
    LINK=$(python3 "$TMP/token.py" "$TMP/mail")
    [ -n "$LINK" ] && break
    sleep 0.2
done
[ -n "$LINK" ] || die "no invitation in $TMP/mail after 60 s"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SEED/r/$LINK")
[ "$code" = 200 ] || die "the first GET /r/<token> answered $code"
stop_server "$SEED_PID"
log "reference invited and opened; its form is what wrk fetches"

# ------------------------------------------------------------------ 4. the two servers
ON_PORT=$(free_port)
serve on "$ON_PORT" VOUCH__WORKFLOW__WORKERS=0 VOUCH__METRICS__ENABLED=true
ON_PID=$SERVED_PID
OFF_PORT=$(free_port)
serve off "$OFF_PORT" VOUCH__WORKFLOW__WORKERS=0 VOUCH__METRICS__ENABLED=false
OFF_PID=$SERVED_PID
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ON_PORT/metrics")" = 200 ] \
    || die "metrics on: /metrics does not answer 200"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$OFF_PORT/metrics")" = 404 ] \
    || die "metrics off: /metrics does not answer 404"

cat >"$TMP/report.lua" <<'LUA'
-- One machine-readable line for the script: requests/s, p50 and p99 in ms, errors.
done = function(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format("BENCH rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d non2xx=%d socket_errors=%d\n",
      summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

busy_pct() {
    local a b
    a=$(head -n1 /proc/stat); sleep 2; b=$(head -n1 /proc/stat)
    python3 -c 'import sys; a=[int(x) for x in sys.argv[1].split()[1:9]]; b=[int(x) for x in sys.argv[2].split()[1:9]]; d=[y-x for x,y in zip(a,b)]; print(round(100*(sum(d)-d[3]-d[4])/max(sum(d),1)))' "$a" "$b"
}
QUIET=1
wait_quiet() {
    local waited=0 p
    while :; do
        p=$(busy_pct)
        [ "$p" -le 15 ] && return 0
        if [ "$waited" -ge "$QUIET_WAIT" ]; then
            log "machine still ${p}% busy after ${QUIET_WAIT}s; measuring anyway"
            QUIET=0; return 0
        fi
        [ $((waited % 30)) -eq 0 ] && log "machine ${p}% busy; waiting for it to settle"
        sleep 3; waited=$((waited + 5))
    done
}

# run SIDE DURATION -> the BENCH line
run() {
    local side=$1 duration=$2 port
    [ "$side" = on ] && port=$ON_PORT || port=$OFF_PORT
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -s "$TMP/report.lua" \
        "http://127.0.0.1:$port/r/$LINK" >"$TMP/wrk.out" 2>&1 || die "wrk failed: $(cat "$TMP/wrk.out")"
    grep '^BENCH ' "$TMP/wrk.out" | tail -n1
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

log "warm-up, $WARMUP on each (not reported)"
run on "$WARMUP" >/dev/null
run off "$WARMUP" >/dev/null
wait_quiet

RESULTS="$TMP/results.txt"
: >"$RESULTS"
for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
    for side in $order; do
        log "round $round/$ROUNDS, metrics $side: $DURATION, $CONNECTIONS connections"
        line=$(run "$side" "$DURATION")
        [ -n "$line" ] || die "wrk printed no BENCH line"
        [ "$(field "$line" non2xx)" = 0 ] || die "non-2xx answers: $line"
        echo "$round $side $line" >>"$RESULTS"
    done
done

COUNTED=$(curl -s "http://127.0.0.1:$ON_PORT/metrics" \
    | sed -n 's/^vouch_http_requests_total{.*route="\/r\/{token}".*status="200".*} \(.*\)$/\1/p' | head -n1)

# ------------------------------------------------------------------ 5. summary
echo
echo "================ Vouch: cost of request metrics, GET /r/{token} ================"
echo "machine     : $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "database    : $DB (both servers on the same one; no job workers)"
echo "vouch       : ${BIN#"$ROOT"/}, git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain 2>/dev/null)" ] && echo ' (+ uncommitted changes)')"
echo "load        : wrk -t$THREADS -c$CONNECTIONS -d$DURATION per round, $ROUNDS rounds per side, alternating"
echo "counted     : vouch_http_requests_total{route=\"/r/{token}\",status=\"200\"} = ${COUNTED:-?} on the metrics-on server"
echo
python3 - "$RESULTS" <<'PY'
import re, statistics, sys
rows = {"on": [], "off": []}
print(f"{'round':>5}  {'metrics':>7}  {'requests/s':>10}  {'p50 ms':>7}  {'p99 ms':>7}")
for line in open(sys.argv[1]):
    rnd, side, rest = line.split(" ", 2)
    f = dict(re.findall(r"(\w+)=([\d.]+)", rest))
    rows[side].append((float(f["rps"]), float(f["p99_ms"])))
    print(f"{rnd:>5}  {side:>7}  {float(f['rps']):>10.1f}  {float(f['p50_ms']):>7.2f}  {float(f['p99_ms']):>7.2f}")
med = {s: (statistics.median(r for r, _ in v), statistics.median(p for _, p in v)) for s, v in rows.items()}
print()
for s in ("on", "off"):
    print(f"median, metrics {s:<3}: {med[s][0]:.1f} requests/s, p99 {med[s][1]:.2f} ms")
cost = 100.0 * (med["off"][0] - med["on"][0]) / med["off"][0]
spread = lambda s: 100.0 * (max(r for r, _ in rows[s]) - min(r for r, _ in rows[s])) / med[s][0]
print(f"cost of metrics : {cost:+.1f}% requests/s, {med['on'][1] - med['off'][1]:+.2f} ms p99 "
      f"(round-to-round spread: on {spread('on'):.1f}%, off {spread('off'):.1f}%)")
PY
[ "$QUIET" = 1 ] || echo "WARNING     : the machine was busy with other work before the measurements"
echo "==============================================================================="
