# Shared by the benchmarks that compare Vouch with its limits on this machine
# (bench/submit.sh, bench/dispatch.sh, bench/referee_page.sh): sourced, never run.
#
# It gives them one way to: find or build the release binary, make throw-away PostgreSQL
# databases (dropped at exit) and stop every process started (cleanup at exit), start
# `vouch serve` and wait for it, seed an ops user and token, seed launched cases and
# collect the referee tokens, capture the SQL one request runs (log_statement on one
# connection's options), run pgbench, wait for a quiet machine and account CPU per
# process (snapshots of /proc), and unpack postfix's smtp-sink / smtp-source.
#
# Knobs every script shares (environment), with defaults:
#   QUIET_WAIT=600      before each measurement, wait up to this many seconds for the
#                       machine to be under 15% busy (the machine is shared with builds)
#   KEEP_TMP=0          1 keeps the temp dir (logs, captured SQL, wrk/pgbench output)
#   VOUCH_BIN=          use this binary instead of building (e.g. another worktree's build)
#   BENCH_VOUCH_LOG=warn,engine::jobs=info   VOUCH_LOG of the Vouch processes
#   PG_LOG=/var/log/postgresql/postgresql-<major>-main.log   where captured SQL is read
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres (trust auth, superuser: the capture sets
#                       log_statement on its own connections)
#   PG_SSLMODE=disable  sslmode of Vouch's database URL and of pgbench (PGSSLMODE)
#   POSTFIX_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vouch-bench   where postfix is unpacked
set -euo pipefail

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
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/vouch"
if [ -n "${VOUCH_BIN:-}" ]; then BIN=$VOUCH_BIN; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in psql curl jq python3; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
[ -n "${VOUCH_BIN:-}" ] || command -v cargo >/dev/null || die "cargo is required (or VOUCH_BIN)"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
APT_UPDATED=0
apt_update_once() { [ "$APT_UPDATED" = 1 ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }; }
need_wrk() {
    if ! command -v wrk >/dev/null; then
        log "wrk not found; installing the Debian package"
        apt_update_once && $SUDO apt-get install -y -qq wrk >/dev/null
    fi
}
need_pgbench() {   # sets PGBENCH
    PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -n1 || true)
    [ -n "$PGBENCH" ] && [ -x "$PGBENCH" ] || die "pgbench is required"
}

# ------------------------------------------------------------------ postfix's test tools
# smtp-sink / smtp-source from the Debian package, unpacked, never installed as a service.
need_postfix_tools() {
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
}
smtp_source() { LD_LIBRARY_PATH=$PF_LIB "$PF/usr/sbin/smtp-source" "$@"; }
# smtp-sink refuses to run as root without dropping privileges
SINK_USER=(); [ "$(id -u)" -eq 0 ] && SINK_USER=(-u nobody)

# ------------------------------------------------------------------ cleanup at exit
TMP=$(mktemp -d /tmp/vouch-bench.XXXXXX)
PIDS=()       # every process this script started (vouch, sinks)
DBS=()        # every database it created
CLEANUP_DIRS=()   # more directories removed at exit
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
    for d in "${CLEANUP_DIRS[@]}"; do rm -rf "$d"; done
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
build_vouch() {
    if [ -z "${VOUCH_BIN:-}" ]; then
        log "building the release binary (cargo waits if another build holds the lock)"
        cargo build --release --bin vouch
    else
        log "using $BIN as given by VOUCH_BIN (no build)"
    fi
    [ -x "$BIN" ] || die "$BIN was not built"
    BIN_ID=$(bin_id)
}
# Which binary was measured; checked again at the end, since a build into the same target
# dir during the run would swap it under the later modes.
bin_id() { echo "sha256 $(sha256sum "$BIN" | cut -c1-12), built $(date -r "$BIN" '+%F %T')"; }

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
    export VOUCH__WORKFLOW__MAX_REFERENCES_PER_CASE=$((${REFS:-20} > 50 ? ${REFS:-20} : 50))
    if [ -n "${POLL_MS:-}" ]; then export VOUCH__WORKFLOW__POLL_INTERVAL_MS=$POLL_MS; fi
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
ratio() { python3 -c "import sys; a, b = float(sys.argv[1] or 0), float(sys.argv[2] or 0); print(f'{a / b:.3f}' if b > 0 else 'n/a')" "$1" "$2"; }
load_line() { echo "load average $(cut -d' ' -f1-3 /proc/loadavg) (uptime)"; }

# ------------------------------------------------------------------ launched cases
# serve_with_file_mail NAME: a fresh database, `vouch serve` on it (file mail transport into
# $TMP/mail = $MAIL_DIR) with an ops user and token, ready; sets DB, BASE, serve_pid.
serve_with_file_mail() {
    local name=$1
    DB=$(new_db); DBS+=("$DB")
    MAIL_DIR="$TMP/mail"; mkdir -p "$MAIL_DIR"
    vouch_env "$DB" "$(free_port)"; set_mail_file "$MAIL_DIR"
    log "database $DB; vouch serve on $BASE (file mail transport)"
    seed_token
    start_vouch "$name.serve" serve; serve_pid=$LAST_PID
    wait_ready "$serve_pid" "$BASE"
}

# seed_launched NAME CASES REFS: on the running `vouch serve` at $BASE (file mail transport
# into $MAIL_DIR), CASES cases x REFS references through the API, every case launched,
# waits until every invitation is written and puts the referee tokens into
# $TMP/NAME.tokens, ordered round-robin over cases (consecutive tokens belong to
# different cases, so concurrent requests do not queue on one case's row lock).
seed_launched() {
    local name=$1 cases=$2 refs=$3 total n=0
    total=$((cases * refs))
    log "[$name] creating $cases cases x $refs references and launching them"
    python3 "$HELPER" seed --cases "$cases" --refs "$refs" --concurrency 4 --tag "$name" --out "$TMP/$name.cases"
    xargs -P "${LAUNCH_CONCURRENCY:-8}" -I{} curl -sS -o /dev/null -w '%{http_code}\n' -X POST \
        -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/cases/{}/launch" <"$TMP/$name.cases" >"$TMP/$name.launch_codes"
    [ "$(grep -vc '^200$' "$TMP/$name.launch_codes")" -eq 0 ] || die "some launches failed: $(sort "$TMP/$name.launch_codes" | uniq -c | paste -sd' ')"
    for _ in $(seq 1800); do   # up to ~6 min
        n=$(find "$MAIL_DIR" -maxdepth 1 -name '*.eml' | wc -l)
        [ "$n" -ge "$total" ] && break
        sleep 0.2
    done
    [ "$n" -ge "$total" ] || die "[$name] only $n of $total invitations written"
    local ntok; ntok=$(python3 "$HELPER" tokens --maildir "$MAIL_DIR" --out "$TMP/$name.tokens")
    [ "$ntok" -eq "$total" ] || die "[$name] $ntok tokens found in $total invitations"
}

# ------------------------------------------------------------------ SQL capture
# capture_sql NAME EXPECTED_STATUS CURL_ARGS... (a path on the server, e.g. /r/TOKEN):
# the statements one request runs, from the PostgreSQL log. A second `vouch serve` on the
# same database ($VOUCH__DATABASE__URL) whose connections alone log every statement
# (libpq options in the URL), with a worker that polls only once (at start), so the log
# window holds the request only (CAPTURE_WARM: a path requested first, outside the
# window, to warm the caches). Writes $TMP/NAME_sql.txt (one statement a line,
# parameters inlined from the DETAIL lines) and $TMP/NAME_capture.log; prints the count.
capture_sql() {
    local name=$1 expect=$2; shift 2
    [ -n "${PG_LOG:-}" ] || PG_LOG=/var/log/postgresql/postgresql-$PG_MAJOR-main.log
    [ -r "$PG_LOG" ] || die "cannot read the PostgreSQL log $PG_LOG (set PG_LOG)"
    local cport; cport=$(free_port)
    VOUCH__DATABASE__URL="$VOUCH__DATABASE__URL&application_name=vouch-capture&options%5Blog_statement%5D=all" \
    VOUCH__SERVER__BIND="127.0.0.1:$cport" VOUCH__WORKFLOW__POLL_INTERVAL_MS=3600000 \
        start_vouch "$name.capture" serve
    local cap_pid=$LAST_PID
    wait_ready "$cap_pid" "http://127.0.0.1:$cport"
    # a request first (CAPTURE_WARM, a path) fills the process's caches (questionnaire
    # versions), so that the capture is what a running server does, not its first request
    [ -z "${CAPTURE_WARM:-}" ] || curl -s -o /dev/null "http://127.0.0.1:$cport$CAPTURE_WARM"
    sleep 1
    local off code args=()
    off=$(stat -c %s "$PG_LOG")
    for a in "$@"; do args+=("${a//@BASE@/http://127.0.0.1:$cport}"); done
    code=$(curl -s -o /dev/null -w '%{http_code}' "${args[@]}")
    [ "$code" = "$expect" ] || die "[$name] the captured request answered $code, not $expect"
    sleep 1
    tail -c +$((off + 1)) "$PG_LOG" >"$TMP/${name}_capture.raw"
    stop_pid "$cap_pid"
    local db=${VOUCH__DATABASE__URL##*/}; db=${db%%\?*}
    # keep this database's statement lines and their DETAIL continuation lines
    python3 - "$TMP/${name}_capture.raw" "$db" "$TMP/${name}_capture.log" "$TMP/${name}_sql.txt" <<'PY'
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
}

# The columns of a generated pgbench script's fixture: per live link, the ids a request
# about it may name (bench/pgbench_from_capture.py turns them into variables).
FIXTURE_SELECT="t.token_hash AS th, t.id AS token_id, r.id AS rid, c.id AS cid, c.provider_id AS pid,
       c.template_version_id AS tvid, c.owner_id AS oid, d.id AS did
  FROM reference_tokens t
  JOIN reference_requests r ON r.id = t.reference_id
  JOIN vetting_cases c ON c.id = r.case_id
  LEFT JOIN responses d ON d.reference_id = r.id
 WHERE t.revoked_at IS NULL"

# pgbench_from_capture NAME DB TABLE TOKEN MODE: $TMP/NAME.pgbench, the captured request of
# TOKEN (capture_sql NAME) for another row of fixture TABLE each transaction (MODE: see
# bench/pgbench_from_capture.py).
pgbench_from_capture() {
    local name=$1 db=$2 table=$3 token=$4 mode=$5 hash row rows
    hash=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$token")
    row=$(psql_db "$db" -At -c "select row_to_json(x) from (select $FIXTURE_SELECT and t.token_hash = '$hash') x")
    [ -n "$row" ] || die "the captured token is not in the database (is token_hash the hex SHA-256?)"
    # a request that changes its reference ("once") made its draft response itself: that
    # id is a fresh one for every other reference, not a fixture column
    [ "$mode" != once ] || row=$(jq -c 'del(.did)' <<<"$row")
    rows=$(psql_db "$db" -At -c "select count(*) from $table")
    python3 "$ROOT/bench/pgbench_from_capture.py" "$TMP/${name}_capture.log" "$table" "$row" "$rows" "$mode" >"$TMP/$name.pgbench"
    grep -q ':th\|:rid' "$TMP/$name.pgbench" || die "the generated pgbench script names no reference: $(cat "$TMP/$name.pgbench")"
}

# ------------------------------------------------------------------ pgbench
# run_pgbench NAME SCRIPT DB PGBENCH_ARGS...: runs it into $TMP/NAME.pgbench.txt and sets
# R[NAME.tps] (without connection time), R[NAME.lat], R[NAME.failed], R[NAME.cpu].
run_pgbench() {
    local name=$1 script=$2 db=$3; shift 3
    wait_quiet
    cpu_snap "$TMP/cpu_$name.pg0.json"
    PGSSLMODE=$PG_SSLMODE "$PGBENCH" -n -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -M prepared \
        "$@" -f "$script" "$db" >"$TMP/$name.pgbench.txt" 2>&1 \
        || die "pgbench failed: $(tail -n 20 "$TMP/$name.pgbench.txt")"
    cpu_snap "$TMP/cpu_$name.pg1.json"
    R[$name.tps]=$(sed -n 's/^tps = \([0-9]*\.\{0,1\}[0-9]\{0,1\}\)[0-9]* (without initial connection time)/\1/p' "$TMP/$name.pgbench.txt")
    R[$name.lat]=$(sed -n 's/^latency average = //p' "$TMP/$name.pgbench.txt")
    R[$name.failed]=$(sed -n 's/^number of failed transactions: //p' "$TMP/$name.pgbench.txt")
    R[$name.cpu]=$(cpu_report "$TMP/cpu_$name.pg0.json" "$TMP/cpu_$name.pg1.json" "")
}

# bench_uuid7(): a time-ordered UUID, like the v7 ids Vouch makes (index inserts at the
# right edge), for pgbench scripts that insert rows.
define_uuid7() {
    psql_db "$1" >/dev/null <<'SQL'
CREATE FUNCTION bench_uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
          || '7' || substr(md5(random()::text), 1, 19))::uuid $$;
SQL
}

# ------------------------------------------------------------------ request stages
# The per-stage time of a route's requests, from the process's /metrics
# (vouch_request_stage_seconds, recorded by the stage spans): stage_snap FILE before the
# run, stage_report BEFORE AFTER ROUTE after it prints "stage mean ms (share)" per stage.
stage_snap() { curl -s "$BASE/metrics" >"$1" || true; }
stage_report() {
    python3 - "$1" "$2" "$3" <<'PY'
import re, sys
def read(path):
    out = {}
    for line in open(path, errors="replace"):
        m = re.match(r'vouch_request_stage_seconds_(sum|count)\{(.*)\} ([0-9.eE+-]+)$', line.strip())
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if labels.get("request") != sys.argv[3]:
            continue
        out.setdefault(labels["stage"], {})[m.group(1)] = float(m.group(3))
    return out
a, b = read(sys.argv[1]), read(sys.argv[2])
rows = []
for stage, v in b.items():
    n = v.get("count", 0) - a.get(stage, {}).get("count", 0)
    s = v.get("sum", 0) - a.get(stage, {}).get("sum", 0)
    if n > 0:
        rows.append((stage, n, s / n * 1000))
if not rows:
    print("      (no stage timings: this build records none)")
total = next((ms for st, _, ms in rows if st == "handler"), None)
for stage, n, ms in sorted(rows, key=lambda r: (r[0] != "handler", -r[2])):
    share = f"  {100 * ms / total:5.1f}% of the handler" if total and stage not in ("handler", "before_handler", "rate_limiter") else ""
    print(f"      {stage:<22} {ms:8.2f} ms mean over {int(n)}{share}")
PY
}
