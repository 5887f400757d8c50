#!/usr/bin/env bash
# Benchmark: latency of POST /r/{token} (the referee questionnaire form post) under
# concurrent clients, on PostgreSQL, with a release build. Not a test: it prints figures.
#
#   bench/referee_post.sh
#
# What it does: builds target/release/vouch, creates a throw-away PostgreSQL database
# vouch_bench_<random> (dropped at exit), starts `vouch serve` on a free port with the file
# mail transport, creates a provider, a case with REFERENCES references and launches it,
# collects the referee tokens from the invitation emails, then runs wrk:
#   1. "save": every request saves a complete draft (action=save, 303 expected), spread
#      round-robin over the tokens; WARMUP first (not reported), then DURATION measured;
#   2. "submit" (SUBMIT=1): every token submitted exactly once (action=submit, 303
#      expected), CONNECTIONS at a time, on the drafts left by step 1.
#
# Knobs (environment), with defaults:
#   CONNECTIONS=50 THREADS=2 DURATION=30s WARMUP=5s REFERENCES=200
#   SUBMIT=1           0 skips step 2
#   SUBMIT_DURATION=20s  wrk's -d for step 2 (wrk always runs its full -d)
#   QUIET_WAIT=600     before each measurement, wait up to this many seconds for the
#                      machine to be under 15% busy (the machine is shared with builds)
#   KEEP_TMP=0         1 keeps the temp dir (server log, mail, tokens, wrk output)
#   VOUCH_BIN=         use this binary instead of building (trying the script out only)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres (trust auth expected)
#
# Needs: cargo, psql, curl, jq, python3, wrk (installed with apt-get when missing).
set -euo pipefail

CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
REFERENCES=${REFERENCES:-200}
SUBMIT=${SUBMIT:-1}
SUBMIT_DURATION=${SUBMIT_DURATION:-20s}   # wrk's -d for the submit run; must outlast it
QUIET_WAIT=${QUIET_WAIT:-600}   # seconds to wait for other work (builds, tests) to finish
KEEP_TMP=${KEEP_TMP:-0}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
# Per-IP limit on the public routes; lifted so one load generator is not throttled.
RATE_LIMIT=100000000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LUA="$ROOT/bench/referee_post.lua"
BIN="$ROOT/target/release/vouch"
# VOUCH_BIN=path skips the build and uses that binary (for trying the script out only:
# figures from a debug build mean nothing).
if [ -n "${VOUCH_BIN:-}" ]; then BIN=$VOUCH_BIN; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in cargo psql curl jq python3; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
if ! command -v wrk >/dev/null; then
    log "wrk not found; installing the Debian package"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

# ------------------------------------------------------------------ cleanup at exit
TMP=$(mktemp -d /tmp/vouch-bench.XXXXXX)
DB="vouch_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
SERVER_PID=""
DB_CREATED=0
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres "$@"; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$DB_CREATED" = 1 ]; then
        psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 \
            || log "could not drop database $DB; drop it by hand"
    fi
    if [ "$rc" -ne 0 ] && [ -f "$TMP/server.log" ]; then
        log "failed (exit $rc); last lines of the server log:"
        tail -n 30 "$TMP/server.log" >&2 || true
    fi
    if [ "$KEEP_TMP" = 1 ] || [ "$rc" -ne 0 ]; then
        log "kept $TMP (server log, mail, tokens, wrk output)"
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

# ------------------------------------------------------------------ 2. database
log "creating database $DB"
psql_admin -c "CREATE DATABASE \"$DB\""
DB_CREATED=1

# ------------------------------------------------------------------ 3. configuration
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
mkdir -p "$TMP/mail"
export VOUCH__DATABASE__URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
export VOUCH__SERVER__BIND="127.0.0.1:$PORT"
export VOUCH__SERVER__PUBLIC_URL="$BASE"
export VOUCH__MAIL__TRANSPORT=file
export VOUCH__MAIL__DIR="$TMP/mail"
export VOUCH__LIMITS__PUBLIC_REQUESTS_PER_MINUTE=$RATE_LIMIT
export VOUCH__WORKFLOW__POLL_INTERVAL_MS=100
export VOUCH__WORKFLOW__MAX_REFERENCES_PER_CASE=$((REFERENCES > 500 ? REFERENCES : 500))
export VOUCH_LOG=warn NO_COLOR=1
unset VOUCH_LOG_FORMAT

# ------------------------------------------------------------------ 4. seed and serve
log "seeding the ops user and API token"
"$BIN" admin create-user --email ops@bench.example --name Bench --role ops >/dev/null
TOKEN=$("$BIN" admin create-token --email ops@bench.example)
[ -n "$TOKEN" ] || die "create-token printed nothing"

log "starting vouch serve on $BASE"
"$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 300); do   # up to ~30 s
    kill -0 "$SERVER_PID" 2>/dev/null || die "vouch serve exited during start"
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz" || true)" = 200 ]; then
        ready=1; break
    fi
    sleep 0.1
done
[ "$ready" = 1 ] || die "/readyz did not answer 200 within 30 s"

# api METHOD PATH [JSON] -> body on stdout; any non-2xx stops the script with the body
api() {
    local method=$1 path=$2 out code
    local body=()
    [ $# -ge 3 ] && body=(-H 'Content-Type: application/json' --data "$3")
    out="$TMP/api.out"
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" "$BASE/api/v1$path" \
        -H "Authorization: Bearer $TOKEN" "${body[@]}")
    case "$code" in
        2??) cat "$out" ;;
        *) die "$method $path answered $code: $(head -c 1000 "$out")" ;;
    esac
}

log "creating a provider, a case and $REFERENCES references"
PROVIDER_ID=$(api POST /providers '{"name":"Ledger & Co (bench)","category":"accounting","contact_name":"Pat Ledger","contact_email":"pat@ledger.example"}' | jq -r .id)
CASE_ID=$(api POST /cases "{\"provider_id\":\"$PROVIDER_ID\",\"min_responses\":20,\"deadline_days\":30}" | jq -r .id)
for i in $(seq "$REFERENCES"); do
    api POST "/cases/$CASE_ID/references" \
        "{\"name\":\"Referee $i\",\"email\":\"referee$i@client$i.example\",\"company\":\"Client $i Ltd\",\"relationship\":\"client since 2022, CFO\"}" >/dev/null
done
api POST "/cases/$CASE_ID/launch" >/dev/null
log "case $CASE_ID launched; waiting for $REFERENCES invitations in $TMP/mail"

# Every invitation's text carries {public_url}/r/{token}; bodies may be quoted-printable
# or base64, so the email module decodes them before the links are matched.
cat >"$TMP/extract_tokens.py" <<'PY'
import email, email.policy, pathlib, re, sys
maildir, base, out = sys.argv[1], sys.argv[2], sys.argv[3]
link = re.compile(re.escape(base) + r"/r/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
tokens = []
for path in sorted(pathlib.Path(maildir).glob("*.eml")):   # skips hidden .partial files
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    found = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            found += link.findall(part.get_content())
    for t in dict.fromkeys(found):   # one token per invitation, first seen first
        if t not in tokens:
            tokens.append(t)
pathlib.Path(out).write_text("".join(t + "\n" for t in tokens))
print(len(tokens))
PY
TOKENS_FILE="$TMP/tokens.txt"
count=0
for _ in $(seq 600); do   # up to ~120 s
    count=$(python3 "$TMP/extract_tokens.py" "$TMP/mail" "$BASE" "$TOKENS_FILE")
    [ "$count" -ge "$REFERENCES" ] && break
    sleep 0.2
done
[ "$count" -ge "$REFERENCES" ] \
    || die "only $count of $REFERENCES referee tokens found in $TMP/mail after 120 s"
[ "$count" -eq "$REFERENCES" ] || die "found $count tokens, expected $REFERENCES"
log "$count referee tokens extracted ($(find "$TMP/mail" -name '*.eml' | wc -l) emails)"

# Sanity check of one token before loading the server with it.
first=$(head -n1 "$TOKENS_FILE")
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/r/$first")
[ "$code" = 200 ] || die "GET /r/<token> answered $code"

# ------------------------------------------------------------------ 5. load
export TOKENS_FILE BENCH_THREADS=$THREADS
# CPU accounting over a measurement: what the server, PostgreSQL, wrk and everything else
# (another build, other tests) used, from /proc. The machine is shared, so a busy
# neighbour shows up here instead of silently inflating the latencies.
cat >"$TMP/cpu.py" <<'PY'
import json, os, sys
def snap():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2:].split()
        procs[pid] = [comm, int(rest[11]) + int(rest[12])]   # utime + stime
    return {"cpu": cpu, "procs": procs}
if sys.argv[1] == "snap":
    json.dump(snap(), open(sys.argv[2], "w"))
    sys.exit()
# report BEFORE AFTER VOUCH_PID CHILDREN_CPU_SECONDS(wrk)
a, b = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
vouch_pid, wrk_s = sys.argv[4], float(sys.argv[5])
hz = os.sysconf("SC_CLK_TCK")
ncpu = os.cpu_count()
d = [y - x for x, y in zip(a["cpu"], b["cpu"])]
total = sum(d[:8])                       # user nice system idle iowait irq softirq steal
idle = d[3] + d[4]
secs = total / hz / ncpu                 # wall seconds covered
pct = lambda ticks: 100.0 * ticks / hz / secs   # % of one core
per = {}
for pid, (comm, t1) in b["procs"].items():
    t0 = a["procs"].get(pid, [comm, 0])[1]
    per[pid] = (comm, t1 - t0)
vouch = per.get(vouch_pid, ("vouch", 0))[1]
pg = sum(t for pid, (c, t) in per.items() if c == "postgres" or c.startswith("postgres"))
busy = total - idle
other = busy - vouch - pg - wrk_s * hz
top = sorted(((t, c) for pid, (c, t) in per.items()
              if pid != vouch_pid and not c.startswith("postgres") and t > 0), reverse=True)[:3]
tops = ", ".join(f"{c} {pct(t):.0f}%" for t, c in top) or "none"
print(f"vouch {pct(vouch):.0f}%, postgres {pct(pg):.0f}%, wrk {pct(wrk_s * hz):.0f}%, "
      f"other {max(pct(other), 0):.0f}% (top: {tops}), idle {pct(idle):.0f}% "
      f"-- % of one core, {ncpu} cores = {ncpu * 100}%")
PY
# Seconds of CPU used by this shell's finished children (wrk and friends): `times` must
# run in this shell itself (a $(...) subshell starts from zero), so it writes to a file.
children_cpu() {
    tail -n1 "$1" | python3 -c 'import re,sys; print(sum(float(m)*60+float(s) for m,s in re.findall(r"(\d+)m([\d.]+)s", sys.stdin.read())))'
}
# Waits (at most QUIET_WAIT seconds) until the machine is nearly idle before measuring.
busy_pct() {
    local a b
    a=$(head -n1 /proc/stat); sleep 2; b=$(head -n1 /proc/stat)
    python3 -c 'import sys; a=[int(x) for x in sys.argv[1].split()[1:9]]; b=[int(x) for x in sys.argv[2].split()[1:9]]; d=[y-x for x,y in zip(a,b)]; print(round(100*(sum(d)-d[3]-d[4])/max(sum(d),1)))' "$a" "$b"
}
wait_quiet() {
    local waited=0 p
    while :; do
        p=$(busy_pct)
        [ "$p" -le 15 ] && return 0
        if [ "$waited" -ge "$QUIET_WAIT" ]; then
            log "machine still ${p}% busy after ${QUIET_WAIT}s; measuring anyway (see CPU lines)"
            QUIET=0; return 0
        fi
        [ $((waited % 30)) -eq 0 ] && log "machine ${p}% busy (other work: $(ps -eo comm= --sort=-%cpu | grep -v -e '^vouch$' -e '^postgres$' -e '^ps$' | head -n3 | paste -sd, -)); waiting for it to settle"
        sleep 3; waited=$((waited + 5))
    done
}
QUIET=1

bench_line() { grep '^BENCH ' "$1" | tail -n1; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

log "save: warm-up, $WARMUP (not reported)"
BENCH_MODE=save wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --latency -s "$LUA" "$BASE" \
    >"$TMP/wrk_warmup.txt" 2>&1
grep -E '^(BENCH|WARNING) ' "$TMP/wrk_warmup.txt" >&2 || true

wait_quiet
log "save: measuring, $DURATION, $CONNECTIONS connections, $THREADS threads"
python3 "$TMP/cpu.py" snap "$TMP/cpu0.json"; times >"$TMP/times0"
BENCH_MODE=save wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$BASE" \
    | tee "$TMP/wrk_save.txt"
times >"$TMP/times1"; python3 "$TMP/cpu.py" snap "$TMP/cpu1.json"
SAVE=$(bench_line "$TMP/wrk_save.txt")
[ -n "$SAVE" ] || die "wrk printed no BENCH line"
SAVE_CPU=$(python3 "$TMP/cpu.py" report "$TMP/cpu0.json" "$TMP/cpu1.json" "$SERVER_PID" \
    "$(python3 -c "print($(children_cpu "$TMP/times1") - $(children_cpu "$TMP/times0"))")")

SUBMIT_LINE=""
if [ "$SUBMIT" = 1 ]; then
    # Every token once; wrk's clock runs for the whole -d, so its req/s is meaningless
    # here: throughput comes from the submitted_at span in the database instead.
    wait_quiet
    log "submit: $count references once each, $CONNECTIONS at a time"
    BENCH_MODE=submit wrk -t"$THREADS" -c"$CONNECTIONS" -d"$SUBMIT_DURATION" --latency -s "$LUA" "$BASE" \
        | tee "$TMP/wrk_submit.txt"
    SUBMIT_LINE=$(bench_line "$TMP/wrk_submit.txt")
    [ -n "$SUBMIT_LINE" ] || die "wrk printed no BENCH line"
    SPAN=$(psql -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -c \
        "select count(*), round(extract(epoch from max(submitted_at) - min(submitted_at))::numeric, 3)
           from responses where status = 'submitted'")
    SUBMITTED_DB=${SPAN%%|*}
    SPAN_S=${SPAN##*|}
    # The move to review happens inside the submitting transactions: nothing to wait for.
    CASE_STATUS=$(api GET "/cases/$CASE_ID" | jq -r .status)
    COUNTS=$(api GET "/cases/$CASE_ID" | jq -c .counts)
fi

# ------------------------------------------------------------------ 6. summary
PG_VERSION=$(psql -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c 'show server_version')
# 5xx answers are logged at info (hidden at VOUCH_LOG=warn); engine errors are ERROR.
ERROR_LINES=$(grep -cE ' ERROR |panicked' "$TMP/server.log" || true)
WARN_LINES=$(grep -cE ' WARN ' "$TMP/server.log" || true)

echo
echo "================ Vouch: POST /r/{token} on PostgreSQL ================"
echo "machine     : $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "postgres    : $PG_VERSION ($PGHOST:$PGPORT, database $DB, dropped at exit)"
echo "vouch       : ${BIN#"$ROOT"/}, git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain 2>/dev/null)" ] && echo ' (+ uncommitted changes)')"
echo "load        : wrk -t$THREADS -c$CONNECTIONS, same machine as the server and the database"
echo "note        : limits.public_requests_per_minute=$RATE_LIMIT (per-IP rate limit lifted so"
echo "              the single load-generator IP is not throttled to 60/min)"
echo "tokens      : $count references of one case, tokens partitioned between wrk threads"
echo
echo "save draft  (action=save, all 19 answers, round-robin over the tokens; $DURATION after $WARMUP warm-up)"
printf '  requests/s : %s  (%s requests)\n' "$(field "$SAVE" rps)" "$(field "$SAVE" requests)"
printf '  latency    : p50 %s ms   p90 %s ms   p99 %s ms   max %s ms\n' \
    "$(field "$SAVE" p50_ms)" "$(field "$SAVE" p90_ms)" "$(field "$SAVE" p99_ms)" "$(field "$SAVE" max_ms)"
printf '  non-303    : %s   (statuses: %s; socket errors: %s)\n' \
    "$(field "$SAVE" non303)" "$(field "$SAVE" statuses)" "$(field "$SAVE" socket_errors)"
printf '  CPU        : %s\n' "$SAVE_CPU"
if [ -n "$SUBMIT_LINE" ]; then
    tput=$(python3 -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2] or 0); print(f'{(n-1)/s:.1f}' if s>0 and n>1 else 'n/a')" "$SUBMITTED_DB" "$SPAN_S")
    echo
    echo "submit      (action=submit + consent, each of the $count references once, $CONNECTIONS concurrent)"
    printf '  submitted  : %s answered 303, %s responses submitted in the database\n' \
        "$(field "$SUBMIT_LINE" submitted)" "$SUBMITTED_DB"
    printf '  requests/s : %s  (first to last submitted_at: %s s)\n' "$tput" "$SPAN_S"
    printf '  latency    : p50 %s ms   p90 %s ms   p99 %s ms   max %s ms\n' \
        "$(field "$SUBMIT_LINE" p50_ms)" "$(field "$SUBMIT_LINE" p90_ms)" \
        "$(field "$SUBMIT_LINE" p99_ms)" "$(field "$SUBMIT_LINE" max_ms)"
    printf '  non-303    : %s   (statuses: %s; socket errors: %s; requests sent with no token left: %s)\n' \
        "$(field "$SUBMIT_LINE" non303)" "$(field "$SUBMIT_LINE" statuses)" \
        "$(field "$SUBMIT_LINE" socket_errors)" "$(field "$SUBMIT_LINE" tokenless)"
    printf '  case after : status %s, counts %s\n' "$CASE_STATUS" "$COUNTS"
    if [ "$CASE_STATUS" = collecting ] && [ "$SUBMITTED_DB" -ge "$count" ]; then
        echo "  NOTE       : every reference is completed but the case is still 'collecting'"
        echo "               (expected 'review': quorum met and nobody outstanding)"
    fi
fi
echo
[ "$QUIET" = 1 ] || echo "WARNING     : the machine was busy with other work before a measurement; figures are inflated"
echo "server log  : $ERROR_LINES ERROR/panic lines, $WARN_LINES WARN lines (VOUCH_LOG=warn)"
if [ $((ERROR_LINES + WARN_LINES)) -gt 0 ]; then
    echo "  first ones:"
    grep -E ' ERROR | WARN |panicked' "$TMP/server.log" | head -n 5 | cut -c1-300 | sed 's/^/    /'
fi
echo "======================================================================="
