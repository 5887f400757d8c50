#!/usr/bin/env bash
# Benchmark: webhook deliveries per second through the job runner into a loopback
# receiver, against what that receiver takes from wrk. PostgreSQL, release build. Not a
# test: it prints figures.
#
#   bench/webhooks.sh                 # N=5000 deliveries, WORKERS=1 `vouch worker` process
#
# What it does: builds the release binary; starts bench/webhook_receiver.py (asyncio,
# counts POSTs, answers 204) on a free loopback port; measures the receiver alone with wrk
# (POSTing a body of a delivery's size, CONNECTIONS connections, 10 s) -> requests/s;
# then on a throw-away database vouch_bench_<random> (dropped at exit): `vouch serve`
# with no in-process workers and webhooks.allow_private_targets (the receiver is on
# 127.0.0.1), an admin and token from the CLI, one endpoint for "*" on the receiver, and N
# deliveries queued through the API (POST /api/v1/webhooks/{id}/test); then WORKERS
# `vouch worker` processes start, and the time from their start until the receiver has
# counted N POSTs gives deliveries/s, and the ratio to the receiver's own rate.
#
# Knobs: N=5000 WORKERS=1 CONNECTIONS=16 (wrk) CONCURRENCY= (workflow.concurrency; empty:
# the default) KEEP_TMP=0 VOUCH_BIN= (use this binary instead of building)
# PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
# Needs: cargo, psql, curl, jq, python3, wrk (apt-get installed when missing).
set -euo pipefail

N=${N:-5000}
WORKERS=${WORKERS:-1}
CONNECTIONS=${CONNECTIONS:-16}
CONCURRENCY=${CONCURRENCY:-}
KEEP_TMP=${KEEP_TMP:-0}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/vouch"
if [ -n "${VOUCH_BIN:-}" ]; then BIN=$VOUCH_BIN; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
for tool in psql curl jq python3; do command -v "$tool" >/dev/null || die "$tool is required"; done
if ! command -v wrk >/dev/null; then
    log "wrk not found; installing the Debian package"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

TMP=$(mktemp -d /tmp/vouch-bench-webhooks.XXXXXX)
PIDS=()
DB="vouch_bench_$RANDOM$RANDOM"
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres "$@"; }
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    if [ "$rc" -ne 0 ]; then for f in "$TMP"/*.log; do [ -f "$f" ] && { log "$f:"; tail -n 15 "$f" >&2; }; done; fi
    if [ "$KEEP_TMP" = 1 ] || [ "$rc" -ne 0 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT INT TERM

if [ -z "${VOUCH_BIN:-}" ]; then
    log "building the release binary"
    cargo build --release --locked --bin vouch >"$TMP/build.log" 2>&1 || die "build failed"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ------------------------------------------------------------------ the receiver alone
python3 "$ROOT/bench/webhook_receiver.py" "$TMP/receiver.port" >"$TMP/receiver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$TMP/receiver.port" ] && break; sleep 0.1; done
RPORT=$(cat "$TMP/receiver.port")
BODY='{"type":"webhook.test","timestamp":"2026-11-27T10:00:00.000Z","data":{"webhook_id":"0190b0c4-8f2e-7c3a-9f1e-2b3c4d5e6f70"}}'
cat >"$TMP/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["content-type"] = "application/json"
wrk.headers["webhook-id"] = "msg_0190b0c48f2e7c3a9f1e2b3c4d5e6f70"
wrk.headers["webhook-timestamp"] = "1795000000"
wrk.headers["webhook-signature"] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
LUA
log "receiver alone: wrk -c $CONNECTIONS -d 10s"
wrk -t 2 -c "$CONNECTIONS" -d 10s -s "$TMP/post.lua" "http://127.0.0.1:$RPORT/hook" >"$TMP/wrk.txt"
BASE=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk.txt")
log "receiver: $BASE requests/s"
START_COUNT=$(curl -fsS "http://127.0.0.1:$RPORT/count")

# ------------------------------------------------------------------ Vouch
psql_admin -c "CREATE DATABASE \"$DB\"" >/dev/null
HPORT=$(free_port)
export VOUCH__DATABASE__URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB?sslmode=disable"
export VOUCH__SERVER__BIND="127.0.0.1:$HPORT"
export VOUCH__SERVER__PUBLIC_URL="http://127.0.0.1:$HPORT"
export VOUCH__WEBHOOKS__ALLOW_PRIVATE_TARGETS=true
export VOUCH__MAIL__TRANSPORT=file VOUCH__MAIL__DIR="$TMP/mail"
export VOUCH_LOG=warn
if [ -n "$CONCURRENCY" ]; then export VOUCH__WORKFLOW__CONCURRENCY=$CONCURRENCY; fi
"$BIN" admin create-user --email admin@bench.example --name Bench --role admin >/dev/null
TOKEN=$("$BIN" admin create-token --email admin@bench.example)
VOUCH__WORKFLOW__WORKERS=0 "$BIN" serve >"$TMP/serve.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$HPORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
API="http://127.0.0.1:$HPORT/api/v1"
ENDPOINT=$(curl -fsS -X POST "$API/webhooks" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"events\":[\"*\"]}" | jq -r .id)
log "queueing $N deliveries through the API"
python3 - "$API/webhooks/$ENDPOINT/test" "$TOKEN" "$N" <<'PY'
import concurrent.futures, sys, urllib.request
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def one(_):
    req = urllib.request.Request(url, method="POST", headers={"authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as res:
        assert res.status == 202, res.status
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(one, range(n)))
PY
QUEUED=$(psql -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -c "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
[ "$QUEUED" = "$N" ] || die "expected $N pending deliveries, found $QUEUED"

log "starting $WORKERS vouch worker process(es)"
T0=$(date +%s.%N)
for i in $(seq "$WORKERS"); do "$BIN" worker >"$TMP/worker$i.log" 2>&1 & PIDS+=($!); done
TARGET=$((START_COUNT + N))
while :; do
    C=$(curl -fsS "http://127.0.0.1:$RPORT/count")
    [ "$C" -ge "$TARGET" ] && break
    sleep 0.05
done
T1=$(date +%s.%N)
DELIVERED=$(psql -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -c "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")
python3 - "$N" "$T0" "$T1" "$BASE" "$DELIVERED" <<'PY'
import sys
n, t0, t1, base, delivered = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rate = n / (t1 - t0)
print(f"receiver alone (wrk): {base:,.0f} requests/s")
print(f"Vouch: {n} deliveries in {t1 - t0:.2f} s = {rate:,.0f} deliveries/s (ratio {rate / base:.3f}); recorded delivered when counted: {delivered}")
PY
