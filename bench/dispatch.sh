#!/usr/bin/env bash
# Benchmark: how fast launched cases turn into invitations on an SMTP server, against what
# that SMTP server takes from Postfix's own load generator; the same with the job workers
# moved into `vouch worker` processes; memory of the processes; and referee submissions
# against pgbench replaying the SQL of one submission. On PostgreSQL, with a release
# build. Not a test: it prints figures.
#
#   bench/dispatch.sh                       # all modes
#   MODES="serve submit" bench/dispatch.sh  # some of them
#
# What it does: builds the release binary (cargo build --release --bin vouch, into
# $CARGO_TARGET_DIR when set, else target/), takes smtp-sink and smtp-source out of
# Debian's postfix package (apt-get download + dpkg -x into a cache dir; nothing is
# installed, no MTA runs) and starts one smtp-sink on a free loopback port, counting
# messages (-c) and storing nothing. Then:
#   0. probe: one invitation is sent by a throw-away `vouch serve` to a second sink that
#      dumps it, to learn its size; stripped of the sink's own headers it becomes the
#      message smtp-source sends, so the baseline moves the same bytes;
#   1. baseline: smtp-source sends N copies of that invitation into the counting sink over
#      SMTP_POOL parallel sessions (= mail.smtp.pool_size of the Vouch processes; in the
#      workerK modes each process has a pool of its own), each session reusing its
#      connection (-d), like Vouch's pooled SMTP connections (the stronger of the two
#      baselines; the one connection per message figure is printed too, for information)
#      -> msg/s, the best of BASELINE_RUNS runs (other work on the machine only lowers it);
#   2. dispatch modes (MODES), each on its own throw-away database vouch_bench_<random>
#      (dropped at exit): `vouch serve` (SMTP to the counting sink, TLS none), an ops user
#      and token from the CLI, CASES cases x REFS references through the JSON API, then
#      every case launched at once (LAUNCH_CONCURRENCY requests in flight), timed from the
#      first launch request until the sink has counted CASES x REFS messages ->
#      invitations/s and ratio = invitations/s / baseline msg/s (bench/dispatch.py seeds,
#      launches and watches the sink's counter). Modes:
#        serve     `vouch serve` with its in-process workers (workflow.workers: SERVE_WORKERS,
#                  or the configured default) and nothing else;
#        workerK   `vouch serve` with VOUCH__WORKFLOW__WORKERS=0 (no in-process workers,
#                  where the binary supports it: older ones still run one) plus K
#                  `vouch worker` processes with WORKER_TASKS workers each (worker1, worker2, ...);
#      memory: VmRSS of each process after IDLE_SECS idle, VmHWM (peak) after the dispatch;
#        mailer    not Vouch but its mail path alone: crates/mailer's bench_send example
#                  (built with cargo build --release -p mailer --example bench_send) renders,
#                  composes and sends N invitations through one Mailer with a pool of
#                  SMTP_POOL into the same counting sink, with no database and no queue:
#                  the most any dispatch through this mailer can reach here;
#   3. submit (a mode in MODES): referee submissions (POST /r/{token}, action=submit,
#      bench/referee_post.lua) with wrk at SUBMIT_CONNECTIONS connections, each of SUBMITS
#      references once, versus pgbench running bench/submit.pgbench (the statements one
#      submission runs, captured from the PostgreSQL log this very run and printed) with
#      as many clients, each transaction on a fresh reference of the same database.
#      References are taken round-robin over cases, so concurrent submissions (in wrk as
#      in pgbench) are for different cases and do not queue on one case's row lock.
#      Vouch stops before pgbench runs; rates are submissions/s from the submitted_at span
#      (as bench/referee_post.sh) and pgbench's tps without connection time.
#
# Knobs (environment), with defaults:
#   MODES="mailer serve worker1 worker2 submit"
#   CASES=300 REFS=20        cases and references per case for each dispatch mode
#   N=6000                   messages per baseline run; BASELINE_RUNS=3 (the best is reported)
#   SMTP_POOL=16             mail.smtp.pool_size of every Vouch process, and smtp-source's
#                            session count (-s)
#   LAUNCH_CONCURRENCY=8     launch requests in flight
#   SERVE_WORKERS=           workflow.workers of `vouch serve` in mode serve (empty: config default)
#   WORKER_TASKS=1           workflow.workers of each `vouch worker` process
#   POLL_MS=                 workflow.poll_interval_ms (empty: config default)
#   IDLE_SECS=5              idle time before the idle RSS is read
#   DISPATCH_TIMEOUT=900     seconds to wait for all invitations of a mode
#   SUBMITS=2000             submissions measured (wrk) and as many pgbench transactions
#   SUBMIT_CONNECTIONS=16    wrk connections and pgbench clients; SUBMIT_THREADS=2 (wrk -t, pgbench -j)
#   SUBMIT_DURATION=30s      wrk's -d for the submit run (wrk always runs its full -d)
#   QUIET_WAIT=600           before each measurement, wait up to this many seconds for the
#                            machine to be under 15% busy (the machine is shared with builds)
#   KEEP_TMP=0               1 keeps the temp dir (logs, captured SQL, wrk/pgbench output)
#   BENCH_VOUCH_LOG=warn,engine::jobs=info   VOUCH_LOG of the Vouch processes (the info
#                            lines of engine::jobs give the jobs each worker ran)
#   VOUCH_BIN=               use this binary instead of building (e.g. another worktree's build)
#   POSTFIX_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vouch-bench   where the postfix package is unpacked
#   PG_LOG=/var/log/postgresql/postgresql-<major>-main.log   the server log the submit SQL is read from
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres (trust auth, superuser: the capture sets
#                            log_statement on its own connections)
#   PG_SSLMODE=disable       sslmode of Vouch's database URL and of pgbench (PGSSLMODE)
#
# Needs: cargo, psql, pgbench, curl, jq, python3, wrk, apt-get + dpkg (postfix's tools);
# wrk and the postfix package are fetched with apt-get when missing.
set -euo pipefail

MODES=${MODES:-mailer serve worker1 worker2 submit}
CASES=${CASES:-300}
REFS=${REFS:-20}
N=${N:-6000}
BASELINE_RUNS=${BASELINE_RUNS:-3}
SMTP_POOL=${SMTP_POOL:-16}
LAUNCH_CONCURRENCY=${LAUNCH_CONCURRENCY:-8}
SERVE_WORKERS=${SERVE_WORKERS:-}
WORKER_TASKS=${WORKER_TASKS:-1}
POLL_MS=${POLL_MS:-}
IDLE_SECS=${IDLE_SECS:-5}
DISPATCH_TIMEOUT=${DISPATCH_TIMEOUT:-900}
SUBMITS=${SUBMITS:-2000}
SUBMIT_CONNECTIONS=${SUBMIT_CONNECTIONS:-16}
SUBMIT_THREADS=${SUBMIT_THREADS:-2}
SUBMIT_DURATION=${SUBMIT_DURATION:-30s}
QUIET_WAIT=${QUIET_WAIT:-600}
KEEP_TMP=${KEEP_TMP:-0}
POSTFIX_CACHE=${POSTFIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch-bench}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
# PostgreSQL on the same host: no TLS for Vouch's connections nor pgbench's (PGSSLMODE);
# `prefer` (the default of sqlx and libpq) would encrypt every round trip on loopback.
PG_SSLMODE=${PG_SSLMODE:-disable}
# Per-IP limit on the public routes; lifted so one load generator is not throttled.
RATE_LIMIT=100000000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
HELPER="$ROOT/bench/dispatch.py"
LUA="$ROOT/bench/referee_post.lua"
PGBENCH_SCRIPT="$ROOT/bench/submit.pgbench"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/vouch"
if [ -n "${VOUCH_BIN:-}" ]; then BIN=$VOUCH_BIN; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has_mode() { [[ " $MODES " == *" $1 "* ]]; }

for tool in psql curl jq python3 dpkg; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
[ -n "${VOUCH_BIN:-}" ] || command -v cargo >/dev/null || die "cargo is required (or VOUCH_BIN)"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
APT_UPDATED=0
apt_update_once() { [ "$APT_UPDATED" = 1 ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }; }
if has_mode submit; then
    if ! command -v wrk >/dev/null; then
        log "wrk not found; installing the Debian package"
        apt_update_once && $SUDO apt-get install -y -qq wrk >/dev/null
    fi
    PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -n1 || true)
    [ -n "$PGBENCH" ] && [ -x "$PGBENCH" ] || die "pgbench is required for mode submit"
    [ -f "$PGBENCH_SCRIPT" ] || die "$PGBENCH_SCRIPT is missing"
fi

# ------------------------------------------------------------------ postfix's test tools
# smtp-sink / smtp-source from the Debian package, unpacked, never installed as a service.
PF="$POSTFIX_CACHE/postfix"
if [ ! -x "$PF/usr/sbin/smtp-sink" ] || [ ! -x "$PF/usr/sbin/smtp-source" ]; then
    log "unpacking Debian's postfix package into $PF (smtp-sink, smtp-source)"
    mkdir -p "$POSTFIX_CACHE"
    rm -f "$POSTFIX_CACHE"/postfix_*.deb
    # apt-get download writes into the current directory (as root it warns that the
    # _apt user cannot write there; harmless)
    (cd "$POSTFIX_CACHE" && { apt-get download postfix >/dev/null 2>&1 \
        || { apt_update_once && apt-get download postfix >/dev/null 2>&1; }; }) \
        || die "apt-get download postfix failed"
    rm -rf "$PF"
    dpkg -x "$POSTFIX_CACHE"/postfix_*.deb "$PF"
fi
export PF_LIB="$PF/usr/lib/postfix"
missing=$(LD_LIBRARY_PATH=$PF_LIB ldd "$PF/usr/sbin/smtp-sink" "$PF/usr/sbin/smtp-source" | grep 'not found' || true)
[ -z "$missing" ] || die "postfix's tools miss shared libraries (apt-get install the ones named): $missing"
SMTP_SINK="$PF/usr/sbin/smtp-sink"   # started as `LD_LIBRARY_PATH=$PF_LIB "$SMTP_SINK" ... &` so that $! is its pid
smtp_source() { LD_LIBRARY_PATH=$PF_LIB "$PF/usr/sbin/smtp-source" "$@"; }
# smtp-sink refuses to run as root without dropping privileges
SINK_USER=(); [ "$(id -u)" -eq 0 ] && SINK_USER=(-u nobody)

# ------------------------------------------------------------------ cleanup at exit
TMP=$(mktemp -d /tmp/vouch-bench.XXXXXX)
# the dump sink runs as nobody: its directory must be reachable for it
DUMP=$(mktemp -d /tmp/vouch-bench-dump.XXXXXX); chmod 1777 "$DUMP"
PIDS=()       # every process this script started (vouch, sinks)
DBS=()        # every database it created
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres "$@"; }
psql_db() { local db=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" "$@"; }

stop_pid() {   # TERM, up to 10 s for a graceful stop, then KILL
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
drop_db() {
    psql_admin -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1 \
        || log "could not drop database $1; drop it by hand"
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local pid db
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    for db in "${DBS[@]}"; do drop_db "$db"; done
    rm -rf "$DUMP"
    if [ "$rc" -ne 0 ]; then
        for f in "$TMP"/*.log; do
            [ -f "$f" ] || continue
            log "failed (exit $rc); last lines of $(basename "$f"):"
            tail -n 15 "$f" >&2 || true
        done
    fi
    if [ "$KEEP_TMP" = 1 ] || [ "$rc" -ne 0 ]; then
        log "kept $TMP (logs, captured SQL, wrk and pgbench output)"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build
if [ -z "${VOUCH_BIN:-}" ]; then
    log "building the release binary (cargo waits if another build holds the lock)"
    cargo build --release --bin vouch
else
    log "using $BIN as given by VOUCH_BIN (no build)"
fi
[ -x "$BIN" ] || die "$BIN was not built"
MAILER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_send"
if has_mode mailer; then
    log "building the mailer's benchmark (cargo build --release -p mailer --example bench_send)"
    (cd "$ROOT" && cargo build --release -p mailer --example bench_send)
    [ -x "$MAILER_BIN" ] || die "$MAILER_BIN was not built"
fi
# Which binary was measured; checked again at the end, since a build into the same target
# dir during the run would swap it under the later modes.
bin_id() { echo "sha256 $(sha256sum "$BIN" | cut -c1-12), built $(date -r "$BIN" '+%F %T')"; }
BIN_ID=$(bin_id)

# ------------------------------------------------------------------ helpers
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
new_db() {   # prints the name of a fresh database
    local db="vouch_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    psql_admin -c "CREATE DATABASE \"$db\""
    echo "$db"
}
vm() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { python3 -c "import sys; print(f'{int(sys.argv[1] or 0)/1024:.1f}')" "$1"; }

# Points the VOUCH__* environment at database $1, HTTP port $2 (mail settings: set_mail_*).
vouch_env() {
    export VOUCH__DATABASE__URL="postgres://$PGUSER@$PGHOST:$PGPORT/$1?sslmode=$PG_SSLMODE"
    export VOUCH__SERVER__BIND="127.0.0.1:$2"
    export VOUCH__SERVER__PUBLIC_URL="http://127.0.0.1:$2"
    export VOUCH__LIMITS__PUBLIC_REQUESTS_PER_MINUTE=$RATE_LIMIT
    export VOUCH__WORKFLOW__MAX_REFERENCES_PER_CASE=$((REFS > 50 ? REFS : 50))
    if [ -n "$POLL_MS" ]; then export VOUCH__WORKFLOW__POLL_INTERVAL_MS=$POLL_MS; fi
    unset VOUCH__WORKFLOW__WORKERS VOUCH_LOG_FORMAT
    # warn, plus the workers' start/stop lines (jobs run per worker) where they live today
    export VOUCH_LOG=${BENCH_VOUCH_LOG:-warn,engine::jobs=info} NO_COLOR=1
    BASE="http://127.0.0.1:$2"
}
set_mail_smtp() {   # port
    export VOUCH__MAIL__TRANSPORT=smtp
    export VOUCH__MAIL__SMTP__HOST=127.0.0.1
    export VOUCH__MAIL__SMTP__PORT=$1
    export VOUCH__MAIL__SMTP__TLS=none
    export VOUCH__MAIL__SMTP__POOL_SIZE=$SMTP_POOL
    unset VOUCH__MAIL__DIR
}
set_mail_file() {   # dir
    export VOUCH__MAIL__TRANSPORT=file
    export VOUCH__MAIL__DIR=$1
    unset VOUCH__MAIL__SMTP__HOST VOUCH__MAIL__SMTP__PORT VOUCH__MAIL__SMTP__TLS VOUCH__MAIL__SMTP__POOL_SIZE
}

seed_token() {   # creates the ops user, sets TOKEN (admin commands migrate a fresh database)
    "$BIN" admin create-user --email ops@bench.example --name Bench --role ops >/dev/null
    TOKEN=$("$BIN" admin create-token --email ops@bench.example)
    [ -n "$TOKEN" ] || die "create-token printed nothing"
    export TOKEN BASE
}

# start_vouch LOGNAME ARGS... : starts "$BIN" ARGS in the background, sets LAST_PID.
start_vouch() {
    local name=$1; shift
    "$BIN" "$@" >"$TMP/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}
wait_ready() {   # pid base
    for _ in $(seq 300); do   # up to ~30 s
        kill -0 "$1" 2>/dev/null || die "vouch serve exited during start"
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$2/readyz" || true)" = 200 ] && return 0
        sleep 0.1
    done
    die "$2/readyz did not answer 200 within 30 s"
}

# api METHOD PATH [JSON] -> body on stdout; any non-2xx stops the script with the body
api() {
    local method=$1 path=$2 out="$TMP/api.out" code
    local body=()
    [ $# -ge 3 ] && body=(-H 'Content-Type: application/json' --data "$3")
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" "$BASE/api/v1$path" \
        -H "Authorization: Bearer $TOKEN" "${body[@]}")
    case "$code" in
        2??) cat "$out" ;;
        *) die "$method $path answered $code: $(head -c 1000 "$out")" ;;
    esac
}

# Waits (at most QUIET_WAIT seconds) until the machine is nearly idle before measuring.
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
            log "machine still ${p}% busy after ${QUIET_WAIT}s; measuring anyway (see CPU lines)"
            QUIET=0; return 0
        fi
        [ $((waited % 30)) -eq 0 ] && log "machine ${p}% busy (other work: $(ps -eo comm= --sort=-%cpu | grep -v -e '^vouch$' -e '^postgres$' -e '^ps$' | head -n3 | paste -sd, -)); waiting for it to settle"
        sleep 3; waited=$((waited + 5))
    done
}

# CPU accounting over a measurement, from /proc: the given vouch processes, PostgreSQL,
# the sink, the load generator, everything else, processes that exited before the second
# snapshot (pgbench and its sessions, the launcher), idle; in % of one core.
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
# report BEFORE AFTER "label=pid,pid label=pid ..." : named groups of pids, then postgres,
# smtp-sink, the rest, idle
a, b = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
hz, ncpu = os.sysconf("SC_CLK_TCK"), os.cpu_count()
d = [y - x for x, y in zip(a["cpu"], b["cpu"])]
total, idle = sum(d[:8]), d[3] + d[4]
secs = total / hz / ncpu
pct = lambda ticks: 100.0 * ticks / hz / secs
per = {pid: (c, t1 - a["procs"].get(pid, [c, 0])[1]) for pid, (c, t1) in b["procs"].items()}
parts, seen = [], set()
for group in sys.argv[4].split():
    label, pids = group.split("=")
    t = sum(per.get(p, ("", 0))[1] for p in pids.split(",") if p)
    seen.update(pids.split(","))
    parts.append(f"{label} {pct(t):.0f}%")
def take(pred):
    t = 0
    for pid, (c, ticks) in per.items():
        if pid not in seen and pred(c):
            seen.add(pid); t += ticks
    return t
parts.append(f"postgres {pct(take(lambda c: c.startswith('postgres'))):.0f}%")
parts.append(f"smtp-sink {pct(take(lambda c: c == 'smtp-sink')):.0f}%")
parts.append(f"load generator {pct(take(lambda c: c in ('python3', 'wrk', 'pgbench', 'smtp-source'))):.0f}%")
rest = sorted(((t, c) for pid, (c, t) in per.items() if pid not in seen and t > 0), reverse=True)
parts.append(f"other {pct(sum(t for t, _ in rest)):.0f}% (top: {', '.join(f'{c} {pct(t):.0f}%' for t, c in rest[:3]) or 'none'})")
# processes gone by the second snapshot (a load generator and its database sessions)
gone = total - idle - sum(t for _, t in per.values())
parts.append(f"exited {max(pct(gone), 0):.0f}%")
parts.append(f"idle {pct(idle):.0f}%")
print(", ".join(parts) + f" -- % of one core, {ncpu} cores = {ncpu * 100}%")
PY
cpu_snap() { python3 "$TMP/cpu.py" snap "$1"; }
cpu_report() { python3 "$TMP/cpu.py" report "$1" "$2" "$3"; }

# Jobs a process ran, from its workers' "worker stopped ... jobs=N" lines (info level);
# "?" when there are none (the line moved, or the process runs no worker).
jobs_run() {
    { grep -h 'worker stopped' "$@" 2>/dev/null || true; } | sed -n 's/.*jobs=\([0-9]*\).*/\1/p' \
        | awk '{s += $1; n++} END {print (n ? s : "?")}'
}
sum_lines() { awk '{s += $1} END {print s + 0}'; }
errors_of() { cat "$@" 2>/dev/null | { grep -cE ' ERROR |panicked' || true; } | sum_lines; }
warns_of() { cat "$@" 2>/dev/null | { grep -cE ' WARN ' || true; } | sum_lines; }

PG_VERSION=$(psql -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c 'show server_version')
PG_MAJOR=${PG_VERSION%%.*}; PG_MAJOR=${PG_MAJOR%% *}

# ------------------------------------------------------------------ the counting sink
SINK_PORT=$(free_port)
LD_LIBRARY_PATH=$PF_LIB "$SMTP_SINK" "${SINK_USER[@]}" -c "127.0.0.1:$SINK_PORT" 256 >"$TMP/sink.counter" 2>"$TMP/sink.err" &
SINK_PID=$!; PIDS+=("$SINK_PID")
sink_count() { python3 "$HELPER" count --counter "$TMP/sink.counter"; }
for _ in $(seq 50); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$SINK_PORT" 2>/dev/null && break
    kill -0 "$SINK_PID" 2>/dev/null || die "smtp-sink exited: $(cat "$TMP/sink.err")"
    sleep 0.1
done
log "smtp-sink counting on 127.0.0.1:$SINK_PORT (pid $SINK_PID)"

DISPATCHING=0
for mode in $MODES; do [ "$mode" = submit ] || DISPATCHING=1; done
MAILER_DONE=0
INV_BYTES="" INV_LINES="" SRC_BYTES="" BASELINE="" BASE_RUNS="" BASELINE_NOREUSE="" BASE_NOREUSE_RUNS="" BASELINE_CPU=""
if [ "$DISPATCHING" = 1 ]; then
# ------------------------------------------------------------------ 0. probe: one invitation
# A second sink dumps every message (-d) into $DUMP; one throw-away `vouch serve` sends one
# invitation there. The dump starts with the sink's own headers (X-Client-Addr ... and a
# Received: line it adds); what follows them is the message as Vouch sent it.
DUMP_PORT=$(free_port)
LD_LIBRARY_PATH=$PF_LIB "$SMTP_SINK" "${SINK_USER[@]}" -d "$DUMP/%H%M%S." "127.0.0.1:$DUMP_PORT" 256 >/dev/null 2>"$TMP/dumpsink.err" &
DUMP_SINK_PID=$!; PIDS+=("$DUMP_SINK_PID")
DB=$(new_db); DBS+=("$DB")
PORT=$(free_port)
vouch_env "$DB" "$PORT"; set_mail_smtp "$DUMP_PORT"
log "probe: one invitation through a dumping sink (database $DB)"
seed_token
start_vouch probe serve; PROBE_PID=$LAST_PID
wait_ready "$PROBE_PID" "$BASE"
python3 "$HELPER" seed --cases 1 --refs 1 --tag probe --out "$TMP/probe_cases.txt"
api POST "/cases/$(head -n1 "$TMP/probe_cases.txt")/launch" >/dev/null
for _ in $(seq 300); do
    [ -n "$(find "$DUMP" -type f 2>/dev/null | head -n1)" ] && break
    sleep 0.1
done
sleep 0.5   # the file is complete once the sink has answered the final "."
DUMPED=$(find "$DUMP" -type f | head -n1)
[ -n "$DUMPED" ] || die "no invitation reached the dumping sink within 30 s"
stop_pid "$PROBE_PID"
# Strip the sink's headers: X-Client-*, X-Helo-Args, X-Mail-Args, X-Rcpt-Args and the one
# Received: header (with its folded lines) it puts first; and the empty line it appends.
cat >"$TMP/strip_dump.py" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
i = 0
while i < len(lines) and lines[i].split(b":")[0] in (b"X-Client-Addr", b"X-Client-Proto", b"X-Helo-Args", b"X-Mail-Args", b"X-Rcpt-Args"):
    i += 1
if i < len(lines) and lines[i].startswith(b"Received:"):
    i += 1
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
body = lines[i:]
while body and body[-1] in (b"", b"\r"):
    body.pop()
open(sys.argv[2], "wb").write(b"".join(l.rstrip(b"\r") + b"\n" for l in body))
PY
python3 "$TMP/strip_dump.py" "$DUMPED" "$TMP/invitation.eml"
INV_LINES=$(wc -l <"$TMP/invitation.eml")
INV_BYTES=$(( $(wc -c <"$TMP/invitation.eml") + INV_LINES ))   # CRLF on the wire
grep -q '/r/' "$TMP/invitation.eml" || die "the dumped message has no /r/ link: $(head -c 600 "$TMP/invitation.eml")"
# What smtp-source puts on the wire with -F: dump one and compare the sizes.
rm -rf "${DUMP:?}"/*
smtp_source -F "$TMP/invitation.eml" -f vouch@localhost -t referee@client.example -m 1 "127.0.0.1:$DUMP_PORT"
sleep 0.5
SRC_DUMPED=$(find "$DUMP" -type f | head -n1)
SRC_BYTES="?"
if [ -n "$SRC_DUMPED" ]; then
    python3 "$TMP/strip_dump.py" "$SRC_DUMPED" "$TMP/source.eml"
    SRC_BYTES=$(( $(wc -c <"$TMP/source.eml") + $(wc -l <"$TMP/source.eml") ))
fi
stop_pid "$DUMP_SINK_PID"
drop_db "$DB"
log "invitation: $INV_BYTES bytes on the wire ($INV_LINES lines); smtp-source -F sends $SRC_BYTES"

# ------------------------------------------------------------------ 1. baseline
# smtp_source_rate EXTRA_ARGS... -> msg/s of one run (checked against the sink's counter)
smtp_source_rate() {
    local c0 c1 t0 t1
    c0=$(sink_count)
    t0=$(date +%s.%N)
    smtp_source "$@" -s "$SMTP_POOL" -m "$N" -F "$TMP/invitation.eml" \
        -f vouch@localhost -t referee@client.example "127.0.0.1:$SINK_PORT"
    t1=$(date +%s.%N)
    sleep 0.2
    c1=$(sink_count)
    [ $((c1 - c0)) -eq "$N" ] || die "the sink counted $((c1 - c0)) messages of smtp-source's $N"
    python3 -c "import sys; print(f'{int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.0f}')" "$N" "$t0" "$t1"
}
best() { tr ' ' '\n' | grep . | sort -n | tail -n1; }
smtp_source -d -s "$SMTP_POOL" -m 200 -F "$TMP/invitation.eml" -f vouch@localhost -t referee@client.example "127.0.0.1:$SINK_PORT"   # warm-up
wait_quiet
cpu_snap "$TMP/cpu_b0.json"
BASE_RUNS=""
for _ in $(seq "$BASELINE_RUNS"); do BASE_RUNS+=" $(smtp_source_rate -d)"; done
cpu_snap "$TMP/cpu_b1.json"
BASELINE=$(best <<<"$BASE_RUNS")
BASELINE_CPU=$(cpu_report "$TMP/cpu_b0.json" "$TMP/cpu_b1.json" "")
BASE_NOREUSE_RUNS=""
for _ in $(seq "$BASELINE_RUNS"); do BASE_NOREUSE_RUNS+=" $(smtp_source_rate)"; done
BASELINE_NOREUSE=$(best <<<"$BASE_NOREUSE_RUNS")
log "baseline: smtp-source -d -s $SMTP_POOL: $BASELINE msg/s (runs:$BASE_RUNS); without -d: $BASELINE_NOREUSE msg/s"
fi   # DISPATCHING

# ------------------------------------------------------------------ 2. dispatch modes
declare -A R   # results, keyed "mode.field"
DISPATCH_MODES=()
run_dispatch() {
    local mode=$1 k=0 serve_workers=$SERVE_WORKERS i expected=$((CASES * REFS))
    case "$mode" in
        serve) ;;
        worker[0-9]*) k=${mode#worker}; serve_workers=0 ;;
        *) die "unknown mode $mode" ;;
    esac
    DB=$(new_db); DBS+=("$DB")
    PORT=$(free_port)
    vouch_env "$DB" "$PORT"; set_mail_smtp "$SINK_PORT"
    log "[$mode] database $DB; vouch serve on $BASE$( [ -n "$serve_workers" ] && echo " with VOUCH__WORKFLOW__WORKERS=$serve_workers")$( [ "$k" -gt 0 ] && echo ", plus $k vouch worker process(es) with $WORKER_TASKS worker(s) each")"
    seed_token
    if [ -n "$serve_workers" ]; then
        VOUCH__WORKFLOW__WORKERS=$serve_workers start_vouch "$mode.serve" serve
    else
        start_vouch "$mode.serve" serve
    fi
    local serve_pid=$LAST_PID worker_pids=()
    wait_ready "$serve_pid" "$BASE"
    for i in $(seq "$k"); do
        VOUCH__WORKFLOW__WORKERS=$WORKER_TASKS start_vouch "$mode.worker$i" worker
        worker_pids+=("$LAST_PID")
    done
    sleep "$IDLE_SECS"
    for pid in "$serve_pid" "${worker_pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || die "[$mode] a vouch process (pid $pid) exited while idle"
    done
    R[$mode.serve_idle]=$(vm "$serve_pid" VmRSS)
    local w_idle=""
    for pid in "${worker_pids[@]}"; do w_idle+=" $(vm "$pid" VmRSS)"; done
    R[$mode.workers_idle]=$w_idle

    log "[$mode] creating $CASES cases x $REFS references through the API"
    local t_seed0=$SECONDS
    python3 "$HELPER" seed --cases "$CASES" --refs "$REFS" --concurrency 4 --tag "$mode" --out "$TMP/$mode.cases"
    log "[$mode] seeded in $((SECONDS - t_seed0)) s"
    wait_quiet
    log "[$mode] launching $CASES cases ($LAUNCH_CONCURRENCY at a time); waiting for $expected invitations at the sink"
    local c0; c0=$(sink_count)
    local db_stats="select xact_commit, (select wal_sync from pg_stat_wal) from pg_stat_database where datname = current_database()"
    local st0; st0=$(psql_db "$DB" -At -F ' ' -c "$db_stats")
    cpu_snap "$TMP/cpu_$mode.0.json"
    python3 "$HELPER" launch --cases-file "$TMP/$mode.cases" --concurrency "$LAUNCH_CONCURRENCY" \
        --counter "$TMP/sink.counter" --expect "$expected" --timeout "$DISPATCH_TIMEOUT" >"$TMP/$mode.launch.json"
    cpu_snap "$TMP/cpu_$mode.1.json"
    R[$mode.serve_peak]=$(vm "$serve_pid" VmHWM)
    local w_peak=""
    for pid in "${worker_pids[@]}"; do w_peak+=" $(vm "$pid" VmHWM)"; done
    R[$mode.workers_peak]=$w_peak
    local j; j=$(cat "$TMP/$mode.launch.json")
    R[$mode.done_s]=$(jq -r .done_s <<<"$j")
    R[$mode.launched_s]=$(jq -r .launched_s <<<"$j")
    R[$mode.received]=$(jq -r .received <<<"$j")
    R[$mode.launch_p50]=$(jq -r .launch_p50_ms <<<"$j")
    R[$mode.launch_max]=$(jq -r .launch_max_ms <<<"$j")
    R[$mode.cpu]=$(cpu_report "$TMP/cpu_$mode.0.json" "$TMP/cpu_$mode.1.json" \
        "serve=$serve_pid workers=$(IFS=,; echo "${worker_pids[*]}")")
    [ "$(jq -r .complete <<<"$j")" = true ] \
        || log "[$mode] WARNING: only ${R[$mode.received]} of $expected invitations within ${DISPATCH_TIMEOUT}s"
    sleep 2   # anything beyond the invitations (there should be nothing) arrives now
    # database work per invitation, over the dispatch (launches included): transactions
    # of this database (each autocommit statement counts as one) and WAL flushes
    # (fsyncs; cluster-wide, so other databases' writes count too)
    local st1; st1=$(psql_db "$DB" -At -F ' ' -c "$db_stats")
    R[$mode.per_inv]=$(python3 -c "import sys; a=sys.argv[1].split(); b=sys.argv[2].split(); n=int(sys.argv[3]) or 1; print(f'{(int(b[0])-int(a[0]))/n:.1f} transactions, {(int(b[1])-int(a[1]))/n:.1f} WAL flushes')" "$st0" "$st1" "${R[$mode.received]}")
    R[$mode.extra]=$(( $(sink_count) - c0 - ${R[$mode.received]} ))
    R[$mode.jobs]=$(psql_db "$DB" -At -F ' ' -c "select kind || ':' || status || '=' || count(*) from jobs group by kind, status order by 1" | paste -sd' ' -)
    for pid in "${worker_pids[@]}" "$serve_pid"; do stop_pid "$pid"; done
    local logs=("$TMP/$mode".*.log)
    R[$mode.jobs_serve]=$(jobs_run "$TMP/$mode.serve.log")
    R[$mode.jobs_workers]=""
    for i in $(seq "$k"); do R[$mode.jobs_workers]+=" $(jobs_run "$TMP/$mode.worker$i.log")"; done
    R[$mode.errors]=$(errors_of "${logs[@]}")
    R[$mode.warns]=$(warns_of "${logs[@]}")
    R[$mode.first_errors]=$(grep -hE ' ERROR | WARN |panicked' "${logs[@]}" | head -n 5 | cut -c1-300 || true)
    R[$mode.rate]=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):.1f}')" "${R[$mode.received]}" "${R[$mode.done_s]}")
    R[$mode.ratio]=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "${R[$mode.rate]}" "$BASELINE")
    log "[$mode] ${R[$mode.received]} invitations in ${R[$mode.done_s]} s: ${R[$mode.rate]}/s, ratio ${R[$mode.ratio]}"
    drop_db "$DB"
    DISPATCH_MODES+=("$mode")
}

# ------------------------------------------------------------------ 3. submit vs pgbench
SUBMIT_DONE=0
run_submit() {
    local refs_needed=$((2 * SUBMITS + 1)) cases
    cases=$(( (refs_needed + REFS - 1) / REFS ))
    [ -n "${PG_LOG:-}" ] || PG_LOG=/var/log/postgresql/postgresql-$PG_MAJOR-main.log
    [ -r "$PG_LOG" ] || die "cannot read the PostgreSQL log $PG_LOG (set PG_LOG)"
    DB=$(new_db); DBS+=("$DB")
    PORT=$(free_port)
    mkdir -p "$TMP/mail"
    vouch_env "$DB" "$PORT"; set_mail_file "$TMP/mail"
    log "[submit] database $DB; vouch serve on $BASE (file mail transport)"
    seed_token
    start_vouch submit.serve serve; local serve_pid=$LAST_PID
    wait_ready "$serve_pid" "$BASE"
    log "[submit] creating $cases cases x $REFS references and launching them"
    python3 "$HELPER" seed --cases "$cases" --refs "$REFS" --concurrency 4 --tag submit --out "$TMP/submit.cases"
    xargs -P "$LAUNCH_CONCURRENCY" -I{} curl -sS -o /dev/null -w '%{http_code}\n' -X POST \
        -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/cases/{}/launch" <"$TMP/submit.cases" >"$TMP/submit.launch_codes"
    [ "$(grep -vc '^200$' "$TMP/submit.launch_codes")" -eq 0 ] || die "some launches failed: $(sort "$TMP/submit.launch_codes" | uniq -c | paste -sd' ')"
    local total=$((cases * REFS)) n=0
    for _ in $(seq 1800); do   # up to ~6 min
        n=$(find "$TMP/mail" -maxdepth 1 -name '*.eml' | wc -l)
        [ "$n" -ge "$total" ] && break
        sleep 0.2
    done
    [ "$n" -ge "$total" ] || die "[submit] only $n of $total invitations written"
    local ntok; ntok=$(python3 "$HELPER" tokens --maildir "$TMP/mail" --out "$TMP/all_tokens.txt")
    [ "$ntok" -eq "$total" ] || die "[submit] $ntok tokens found in $total invitations"
    # the first token is the capture's, the next SUBMITS are wrk's; pgbench takes the
    # references still invited after that, in the same round-robin order
    local capture_token; capture_token=$(head -n1 "$TMP/all_tokens.txt")
    sed -n "2,$((SUBMITS + 1))p" "$TMP/all_tokens.txt" >"$TMP/wrk_tokens.txt"

    # --- capture the SQL of one submission: a second `vouch serve` on the same database
    # whose connections alone log every statement (libpq options in the URL), with a
    # worker that polls only once (at start), so the log window holds the submission only.
    local cport; cport=$(free_port)
    local body
    body=$(lua_body)
    VOUCH__DATABASE__URL="$VOUCH__DATABASE__URL&application_name=vouch-capture&options%5Blog_statement%5D=all" \
    VOUCH__SERVER__BIND="127.0.0.1:$cport" VOUCH__WORKFLOW__POLL_INTERVAL_MS=3600000 \
        start_vouch submit.capture serve
    local cap_pid=$LAST_PID
    wait_ready "$cap_pid" "http://127.0.0.1:$cport"
    sleep 1
    local off; off=$(stat -c %s "$PG_LOG")
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
        --data "$body" "http://127.0.0.1:$cport/r/$capture_token")
    [ "$code" = 303 ] || die "[submit] the capture submission answered $code"
    sleep 1
    tail -c +$((off + 1)) "$PG_LOG" >"$TMP/submit_capture.raw"
    stop_pid "$cap_pid"
    # keep this database's statement lines and their DETAIL continuation lines
    python3 - "$TMP/submit_capture.raw" "$DB" "$TMP/submit_capture.log" "$TMP/submit_sql.txt" <<'PY'
import re, sys
raw, db, out_log, out_sql = sys.argv[1:]
# entries: [statement lines, detail lines]; a line without the log prefix continues
# whichever of the two came last
entries, part = [], None
for line in open(raw, errors="replace"):
    line = line.rstrip("\n")
    if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line):
        part = None
        if f"@{db} " not in line:
            continue
        if " LOG:  statement: " in line or " LOG:  execute " in line:
            entries.append([[line], []])
            part = entries[-1][0]
        elif " DETAIL:  " in line and entries:
            part = entries[-1][1]
            part.append(line)
    elif part is not None:
        part.append(line)
open(out_log, "w").write("".join("\n".join(s + d) + "\n" for s, d in entries))
sql = []
for stmt, _ in entries:
    m = re.search(r"LOG:  (?:statement|execute [^:]*): (.*)", stmt[0])
    sql.append(re.sub(r"\s+", " ", " ".join([m.group(1)] + stmt[1:])).strip())
open(out_sql, "w").write("".join(s + "\n" for s in sql))
print(len(sql))
PY
    R[submit.captured]=$(wc -l <"$TMP/submit_sql.txt")
    # Does bench/submit.pgbench still run the same statements? Compared by shape: verb,
    # table, FOR UPDATE / ON CONFLICT / RETURNING, in order (the plumbing row excluded).
    R[submit.shape]=$(python3 - "$TMP/submit_sql.txt" "$PGBENCH_SCRIPT" <<'PY'
import difflib, re, sys
def shape(sql):
    s = re.sub(r"'[^']*'", "''", sql).replace('"', "")
    verb = s.split()[0].upper()
    m = {"SELECT": r"\bFROM\s+(\w+)", "DELETE": r"\bFROM\s+(\w+)",
         "INSERT": r"\bINTO\s+(\w+)", "UPDATE": r"^UPDATE\s+(\w+)"}.get(verb)
    t = re.search(m, s, re.I) if m else None
    out = verb + (" " + t.group(1) if t else "")
    for extra in ("FOR UPDATE", "ON CONFLICT", "RETURNING"):
        if re.search(r"\b" + extra.replace(" ", r"\s+") + r"\b", s, re.I):
            out += " " + extra
    return out
captured = [shape(l) for l in open(sys.argv[1]) if l.strip()]
text = "\n".join(l for l in open(sys.argv[2]).read().split("\n") if not l.lstrip().startswith(("--", "\\set")))
stmts = [x.strip() for x in re.split(r";\s*\n|\\gset\b[^\n]*\n", text) if x.strip()]
script = [shape(x) for x in stmts if "bench_submit" not in x]
if captured == script:
    print(f"same {len(script)} statements as the capture (by verb and table)")
else:
    print("DIFFERS from the capture: update bench/submit.pgbench --- "
          + " | ".join(l for l in difflib.unified_diff(script, captured, "submit.pgbench", "captured", lineterm="", n=0)
                       if not l.startswith("@@")))
PY
)
    log "[submit] bench/submit.pgbench: ${R[submit.shape]}"
    log "[submit] captured ${R[submit.captured]} statements of one submission ($TMP/submit_capture.log)"

    # --- wrk: SUBMITS submissions, SUBMIT_CONNECTIONS at a time
    wait_quiet
    log "[submit] wrk: $SUBMITS references once each, $SUBMIT_CONNECTIONS at a time"
    local t_wrk; t_wrk=$(psql_db "$DB" -At -c "select now()")
    cpu_snap "$TMP/cpu_submit.0.json"
    TOKENS_FILE="$TMP/wrk_tokens.txt" BENCH_THREADS=$SUBMIT_THREADS BENCH_MODE=submit \
        wrk -t"$SUBMIT_THREADS" -c"$SUBMIT_CONNECTIONS" -d"$SUBMIT_DURATION" --latency -s "$LUA" "$BASE" \
        >"$TMP/wrk_submit.txt" 2>&1
    cpu_snap "$TMP/cpu_submit.1.json"
    R[submit.wrk]=$(grep '^BENCH ' "$TMP/wrk_submit.txt" | tail -n1)
    [ -n "${R[submit.wrk]}" ] || die "wrk printed no BENCH line: $(tail -n 20 "$TMP/wrk_submit.txt")"
    local span
    span=$(psql_db "$DB" -At -c \
        "select count(*), round(extract(epoch from max(submitted_at) - min(submitted_at))::numeric, 3)
           from responses where status = 'submitted' and submitted_at >= '$t_wrk'")
    R[submit.db_submitted]=${span%%|*}
    R[submit.span]=${span##*|}
    R[submit.rps]=$(python3 -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2] or 0); print(f'{(n-1)/s:.1f}' if s>0 and n>1 else 'n/a')" "${R[submit.db_submitted]}" "${R[submit.span]}")
    R[submit.cpu]=$(cpu_report "$TMP/cpu_submit.0.json" "$TMP/cpu_submit.1.json" "serve=$serve_pid")
    # Vouch's processes stop before pgbench runs (their worker would otherwise send the
    # confirmations pgbench queues); the confirmations of wrk's submissions were sent by
    # then or are left unsent: they are not part of either figure.
    stop_pid "$serve_pid"
    # --- pgbench on the same database: the references still invited, round-robin over
    # cases like wrk's tokens; client c takes fixture rows c, c + clients, c + 2 x clients, ...
    local per_client=$((SUBMITS / SUBMIT_CONNECTIONS))
    psql_db "$DB" >/dev/null <<'SQL'
-- a time-ordered UUID, like the v7 ids Vouch makes (index inserts at the right edge)
CREATE FUNCTION bench_uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
          || '7' || substr(md5(random()::text), 1, 19))::uuid $$;
CREATE TABLE bench_submit AS
SELECT (row_number() OVER (ORDER BY pos, case_no) - 1)::int AS idx, token_hash, reference_id
  FROM (SELECT t.token_hash, r.id AS reference_id,
               row_number() OVER (PARTITION BY r.case_id ORDER BY r.created_at, r.id) AS pos,
               dense_rank() OVER (ORDER BY c.created_at, c.id) AS case_no
          FROM reference_requests r
          JOIN vetting_cases c ON c.id = r.case_id
          JOIN reference_tokens t ON t.reference_id = r.id AND t.revoked_at IS NULL
         WHERE r.status = 'invited' AND c.status = 'collecting') s;
ALTER TABLE bench_submit ADD PRIMARY KEY (idx);
ANALYZE;
SQL
    local fixture; fixture=$(psql_db "$DB" -At -c "select count(*) from bench_submit")
    [ "$fixture" -ge $((per_client * SUBMIT_CONNECTIONS)) ] || die "[submit] only $fixture fresh references for pgbench"
    wait_quiet
    log "[submit] pgbench: $SUBMIT_CONNECTIONS clients x $per_client transactions of $PGBENCH_SCRIPT"
    cpu_snap "$TMP/cpu_pgbench.0.json"
    PGSSLMODE=$PG_SSLMODE "$PGBENCH" -n -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -M prepared \
        -c "$SUBMIT_CONNECTIONS" -j "$SUBMIT_THREADS" -t "$per_client" \
        -D k=0 -D clients="$SUBMIT_CONNECTIONS" -f "$PGBENCH_SCRIPT" "$DB" >"$TMP/pgbench.txt" 2>&1 \
        || die "pgbench failed: $(tail -n 20 "$TMP/pgbench.txt")"
    cpu_snap "$TMP/cpu_pgbench.1.json"
    R[submit.pgbench_tps]=$(sed -n 's/^tps = \([0-9]*\.\{0,1\}[0-9]\{0,1\}\)[0-9]* (without initial connection time)/\1/p' "$TMP/pgbench.txt")
    R[submit.pgbench_lat]=$(sed -n 's/^latency average = //p' "$TMP/pgbench.txt")
    R[submit.pgbench_failed]=$(sed -n 's/^number of failed transactions: //p' "$TMP/pgbench.txt")
    R[submit.pgbench_cpu]=$(cpu_report "$TMP/cpu_pgbench.0.json" "$TMP/cpu_pgbench.1.json" "serve=$serve_pid")
    # every pgbench transaction was a real submission: its references are now completed
    R[submit.pgbench_done]=$(psql_db "$DB" -At -c \
        "select count(*) from bench_submit b join reference_requests r on r.id = b.reference_id where r.status = 'completed'")
    R[submit.ratio]=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "${R[submit.rps]}" "${R[submit.pgbench_tps]}")
    local logs=("$TMP"/submit.*.log)
    R[submit.errors]=$(errors_of "${logs[@]}")
    R[submit.warns]=$(warns_of "${logs[@]}")
    R[submit.first_errors]=$(grep -hE ' ERROR | WARN |panicked' "${logs[@]}" | head -n 5 | cut -c1-300 || true)
    drop_db "$DB"
    SUBMIT_DONE=1
}

# The form body bench/referee_post.lua posts for action=submit (the capture posts the same).
lua_body() {
    local keys="values_shared values_tradeoffs dedication_success dedication_extra_mile dedication_minimum accountability_mistakes accountability_delivery communication_proactive communication_responsive partnership_initiative partnership_team confidentiality_trust scope_clarity scope_surprises expertise_quality expertise_current"
    local parts="action=submit" k v
    for k in $keys; do
        v=4; { [ "$k" = dedication_minimum ] || [ "$k" = scope_surprises ]; } && v=2
        parts+="&q_$k=$v"
    done
    parts+="&q_rehire=yes&q_strengths=Clear+monthly+reporting%2C+owns+mistakes+and+fixes+them+fast."
    parts+="&q_concerns=Slow+to+answer+during+the+year-end+close.&consent=on"
    echo "$parts"
}

# The mail path alone: Vouch's mailer (render, compose, pooled SMTP) sending as many
# invitations into the same sink, with no database and no job queue. What no dispatch
# design can exceed on this machine.
run_mailer() {
    wait_quiet
    log "[mailer] bench_send: $N invitations into the counting sink, pool $SMTP_POOL"
    cpu_snap "$TMP/cpu_mailer.0.json"
    BENCH_SINK="127.0.0.1:$SINK_PORT" BENCH_POOLS="$SMTP_POOL" "$MAILER_BIN" "$N" >"$TMP/mailer.txt" 2>&1 \
        || die "bench_send failed: $(tail -n 3 "$TMP/mailer.txt")"
    cpu_snap "$TMP/cpu_mailer.1.json"
    R[mailer.compose]=$(sed -n 's/^render + compose only: .* = *\([0-9]*\) msg\/s.*/\1/p' "$TMP/mailer.txt")
    R[mailer.rate]=$(sed -n 's/^pool_size *[0-9]*: .* = *\([0-9]*\) msg\/s.*/\1/p' "$TMP/mailer.txt")
    R[mailer.cpu]=$(cpu_report "$TMP/cpu_mailer.0.json" "$TMP/cpu_mailer.1.json" "")
    R[mailer.ratio]=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "${R[mailer.rate]}" "$BASELINE")
    MAILER_DONE=1
}

for mode in $MODES; do
    case "$mode" in
        submit) run_submit ;;
        mailer) run_mailer ;;
        *) run_dispatch "$mode" ;;
    esac
done

# ------------------------------------------------------------------ summary
echo
echo "================ Vouch: invitation dispatch and referee submit on PostgreSQL ================"
echo "machine     : $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "postgres    : $PG_VERSION ($PGHOST:$PGPORT; one throw-away database per mode, dropped at exit)"
echo "vouch       : $BIN ($BIN_ID)$( [ -z "${VOUCH_BIN:-}" ] && echo ", git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain 2>/dev/null)" ] && echo ' (+ uncommitted changes)')")"
echo "smtp        : postfix $(dpkg-deb -f "$POSTFIX_CACHE"/postfix_*.deb Version 2>/dev/null || echo '?') smtp-sink -c on 127.0.0.1 (counts, stores nothing); mail.smtp.pool_size=$SMTP_POOL, tls none"
if [ "$DISPATCHING" = 1 ]; then
echo "invitation  : $INV_BYTES bytes on the wire ($INV_LINES lines, headers + body); smtp-source -F sends $SRC_BYTES"
echo
echo "baseline    : smtp-source -d -s $SMTP_POOL -m $N -F <invitation> (connections reused, like the pool)"
echo "  msg/s     : $BASELINE  (best of$BASE_RUNS)"
echo "  no reuse  : $BASELINE_NOREUSE msg/s without -d (a connection per message; for information; runs:$BASE_NOREUSE_RUNS)"
echo "  CPU       : $BASELINE_CPU"
fi
if [ "$MAILER_DONE" = 1 ]; then
    echo
    echo "mail path alone [mailer]: crates/mailer bench_send, no database, pool_size=$SMTP_POOL, 64 senders"
    printf '  invitations/s : %s  (render + compose alone: %s/s on one core)\n' "${R[mailer.rate]}" "${R[mailer.compose]}"
    printf '  ratio         : %s  (the ceiling of any dispatch through this mailer here)\n' "${R[mailer.ratio]}"
    printf '  CPU           : %s\n' "${R[mailer.cpu]}"
fi
for mode in "${DISPATCH_MODES[@]}"; do
    echo
    case "$mode" in
        serve) echo "dispatch [serve]: vouch serve alone, workflow.workers=${SERVE_WORKERS:-<config default>}" ;;
        *) echo "dispatch [$mode]: vouch serve with VOUCH__WORKFLOW__WORKERS=0 + ${mode#worker} x vouch worker (workflow.workers=$WORKER_TASKS each)" ;;
    esac
    printf '  invitations/s : %s  (%s of %s in %s s from the first launch request; launches all answered after %s s, p50 %s ms, max %s ms)\n' \
        "${R[$mode.rate]}" "${R[$mode.received]}" "$((CASES * REFS))" "${R[$mode.done_s]}" "${R[$mode.launched_s]}" "${R[$mode.launch_p50]}" "${R[$mode.launch_max]}"
    printf '  ratio         : %s  (invitations/s / smtp-source msg/s)\n' "${R[$mode.ratio]}"
    printf '  memory        : serve RSS idle %s MiB, peak %s MiB' "$(mib "${R[$mode.serve_idle]}")" "$(mib "${R[$mode.serve_peak]}")"
    if [ -n "$(echo ${R[$mode.workers_idle]})" ]; then
        printf '; workers RSS idle'; for v in ${R[$mode.workers_idle]}; do printf ' %s' "$(mib "$v")"; done
        printf ' MiB, peak'; for v in ${R[$mode.workers_peak]}; do printf ' %s' "$(mib "$v")"; done; printf ' MiB'
    fi
    echo
    printf '  jobs run      : serve %s%s (from the workers'"'"' stop lines)\n' "${R[$mode.jobs_serve]:-?}" \
        "$( [ -n "$(echo ${R[$mode.jobs_workers]})" ] && echo ", workers${R[$mode.jobs_workers]}")"
    printf '  jobs table    : %s\n' "${R[$mode.jobs]}"
    printf '  per invitation: %s (pg_stat_database; WAL flushes from pg_stat_wal, whole cluster)\n' "${R[$mode.per_inv]}"
    [ "${R[$mode.extra]}" -eq 0 ] || printf '  NOTE          : %s messages beyond the invitations reached the sink\n' "${R[$mode.extra]}"
    printf '  CPU           : %s\n' "${R[$mode.cpu]}"
    printf '  logs          : %s ERROR/panic lines, %s WARN lines\n' "${R[$mode.errors]}" "${R[$mode.warns]}"
    [ -z "${R[$mode.first_errors]}" ] || sed 's/^/      /' <<<"${R[$mode.first_errors]}"
done
if [ "$SUBMIT_DONE" = 1 ]; then
    W=${R[submit.wrk]}
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$W"; }
    echo
    echo "submit      : POST /r/{token} action=submit, $SUBMITS references once each, wrk -t$SUBMIT_THREADS -c$SUBMIT_CONNECTIONS"
    printf '  requests/s    : %s  (first to last submitted_at: %s s; %s answered 303, %s submitted in the database)\n' \
        "${R[submit.rps]}" "${R[submit.span]}" "$(field submitted)" "${R[submit.db_submitted]}"
    printf '  latency       : p50 %s ms   p90 %s ms   p99 %s ms   max %s ms; non-303: %s (%s)\n' \
        "$(field p50_ms)" "$(field p90_ms)" "$(field p99_ms)" "$(field max_ms)" "$(field non303)" "$(field statuses)"
    printf '  CPU           : %s\n' "${R[submit.cpu]}"
    echo "pgbench     : bench/submit.pgbench, -M prepared -c $SUBMIT_CONNECTIONS -j $SUBMIT_THREADS, $((SUBMITS / SUBMIT_CONNECTIONS * SUBMIT_CONNECTIONS)) transactions, same database"
    printf '  tps           : %s  (latency average %s; failed: %s; %s fixture references completed)\n' \
        "${R[submit.pgbench_tps]}" "${R[submit.pgbench_lat]}" "${R[submit.pgbench_failed]}" "${R[submit.pgbench_done]}"
    printf '  CPU           : %s\n' "${R[submit.pgbench_cpu]}"
    printf '  ratio         : %s  (Vouch submissions/s / pgbench tps)\n' "${R[submit.ratio]}"
    printf '  submit.pgbench: %s\n' "${R[submit.shape]}"
    echo "  captured SQL of one submission (${R[submit.captured]} statements, parameters elided):"
    cut -c1-150 "$TMP/submit_sql.txt" | sed 's/^/      /'
    printf '  logs          : %s ERROR/panic lines, %s WARN lines\n' "${R[submit.errors]}" "${R[submit.warns]}"
    [ -z "${R[submit.first_errors]}" ] || sed 's/^/      /' <<<"${R[submit.first_errors]}"
fi
echo
[ "$QUIET" = 1 ] || echo "WARNING     : the machine was busy with other work before a measurement; figures are low"
[ "$(bin_id)" = "$BIN_ID" ] || echo "WARNING     : $BIN changed during the run (now $(bin_id)); later modes ran another build"
echo "============================================================================================="
