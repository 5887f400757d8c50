#!/usr/bin/env bash
# Benchmark: how fast launched cases turn into invitations on an SMTP server, against the
# machine's serial limit for the same work; the same with the job workers moved into
# `vouch worker` processes; memory of the processes. On PostgreSQL, with a release build.
# Not a test: it prints figures, the ratio among them (goal: >= 0.5).
#
#   bench/dispatch.sh                       # all modes
#   MODES="serve" bench/dispatch.sh         # some of them
#
# The limit (issue #29): the machine's serial cost of the same work, measured this run:
#   smtp = smtp-source -d -s SMTP_POOL into the same sink for the same message (msg/s);
#   pg   = pgbench running bench/dispatch.pgbench, only the rows an invitation must write
#          (claim, link hash, email-log row, audit event, reference state, two reminder
#          jobs, finish; batched by 8), PG_CLIENTS clients (invitations/s = 8 x tps);
#   limit = 1 / (1/smtp + 1/pg); ratio = invitations/s / limit.
#
# What it does (shared machinery in bench/lib.sh): takes smtp-sink and smtp-source out of
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
#   3. pg: after the first dispatch mode, with Vouch stopped, on its database: pgbench
#      runs bench/dispatch.pgbench over its references (fixture tables bench_*).
#
# Referee submissions moved to bench/submit.sh, the referee's page is bench/referee_page.sh.
#
# Knobs (environment), with defaults (and bench/lib.sh's):
#   MODES="mailer serve worker1 worker2"
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
#   PG_CLIENTS=16            pgbench clients of the database half of the limit
#
# Needs: cargo, psql, pgbench, curl, jq, python3, apt-get + dpkg (postfix's tools).
set -euo pipefail

MODES=${MODES:-mailer serve worker1 worker2}
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
PG_CLIENTS=${PG_CLIENTS:-16}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PGBENCH_SCRIPT="$ROOT/bench/dispatch.pgbench"
has_mode() { [[ " $MODES " == *" $1 "* ]]; }
need_pgbench
need_postfix_tools
# the dump sink runs as nobody: its directory must be reachable for it
DUMP=$(mktemp -d /tmp/vouch-bench-dump.XXXXXX); chmod 1777 "$DUMP"; CLEANUP_DIRS+=("$DUMP")
build_vouch
MAILER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_send"
if has_mode mailer; then
    log "building the mailer's benchmark (cargo build --release -p mailer --example bench_send)"
    (cd "$ROOT" && cargo build --release -p mailer --example bench_send)
    [ -x "$MAILER_BIN" ] || die "$MAILER_BIN was not built"
fi

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
for mode in $MODES; do [ "$mode" = mailer ] || DISPATCHING=1; done
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
    R[$mode.smtp_ratio]=$(ratio "${R[$mode.rate]}" "$BASELINE")
    R[$mode.load]=$(load_line)
    log "[$mode] ${R[$mode.received]} invitations in ${R[$mode.done_s]} s: ${R[$mode.rate]}/s (${R[$mode.smtp_ratio]} of smtp-source)"
    [ "$PG_DONE" = 1 ] || run_pg_limit "$DB"
    drop_db "$DB"
    DISPATCH_MODES+=("$mode")
}

# The database half of the limit, on a dispatched database with Vouch stopped: pgbench
# runs bench/dispatch.pgbench, 8 invitations' rows a transaction, over its references.
PG_DONE=0
run_pg_limit() {
    local db=$1 batches per_client
    define_uuid7 "$db"
    psql_db "$db" >/dev/null <<'SQL'
CREATE TABLE bench_refs AS
SELECT (row_number() OVER (ORDER BY r.id) - 1)::int AS idx, r.id AS reference_id, r.case_id
  FROM reference_requests r;
ALTER TABLE bench_refs ADD PRIMARY KEY (idx);
SQL
    batches=$(( $(psql_db "$db" -At -c "select count(*) from bench_refs") / 8 ))
    per_client=$(( batches / PG_CLIENTS ))
    [ "$per_client" -gt 0 ] || die "too few references for $PG_CLIENTS pgbench clients"
    # the jobs the claims take: as many as the transactions will claim, all due
    psql_db "$db" >/dev/null <<SQL
INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, created_at, updated_at)
SELECT bench_uuid7(), 'bench_invite', json_build_object('n', n)::jsonb, 'queued',
       now() - interval '1 hour' + n * interval '1 millisecond', 0, 8, now(), now()
  FROM generate_series(1, $((per_client * PG_CLIENTS * 8))) n;
ANALYZE;
SQL
    log "[pg] pgbench: $PG_CLIENTS clients x $per_client transactions of $PGBENCH_SCRIPT (8 invitations each)"
    run_pgbench pg "$PGBENCH_SCRIPT" "$db" -c "$PG_CLIENTS" -j 2 -t "$per_client" -D k=0 -D clients="$PG_CLIENTS"
    R[pg.load]=$(load_line)
    R[pg.inv]=$(python3 -c "import sys; print(f'{8 * float(sys.argv[1]):.0f}')" "${R[pg.tps]}")
    R[pg.left]=$(psql_db "$db" -At -c "select count(*) from jobs where kind = 'bench_invite' and status <> 'done'")
    log "[pg] ${R[pg.tps]} tps = ${R[pg.inv]} invitations/s (${R[pg.left]} bench jobs left unfinished)"
    PG_DONE=1
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
        mailer) run_mailer ;;
        *) run_dispatch "$mode" ;;
    esac
done

LIMIT=""
if [ "$PG_DONE" = 1 ]; then
    LIMIT=$(python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{1 / (1 / a + 1 / b):.0f}')" "$BASELINE" "${R[pg.inv]}")
    for mode in "${DISPATCH_MODES[@]}"; do R[$mode.ratio]=$(ratio "${R[$mode.rate]}" "$LIMIT"); done
fi

# ------------------------------------------------------------------ summary
echo
echo "================ Vouch: invitation dispatch on PostgreSQL ================"
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
if [ "$PG_DONE" = 1 ]; then
echo "pg          : pgbench bench/dispatch.pgbench -M prepared -c $PG_CLIENTS -j 2 (the rows of 8 invitations a transaction)"
printf '  tps       : %s = %s invitations/s  (latency average %s; failed: %s; unfinished bench jobs: %s)\n' "${R[pg.tps]}" "${R[pg.inv]}" "${R[pg.lat]}" "${R[pg.failed]}" "${R[pg.left]}"
printf '  CPU       : %s\n' "${R[pg.cpu]}"
printf '  load      : %s\n' "${R[pg.load]}"
echo "limit       : 1 / (1/smtp + 1/pg) = 1 / (1/$BASELINE + 1/${R[pg.inv]}) = $LIMIT invitations/s"
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
    printf '  ratio         : %s  (invitations/s / limit %s; %s of smtp-source alone)\n' "${R[$mode.ratio]:-n/a}" "${LIMIT:-?}" "${R[$mode.smtp_ratio]}"
    printf '  load          : %s\n' "${R[$mode.load]}"
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
echo
[ "$QUIET" = 1 ] || echo "WARNING     : the machine was busy with other work before a measurement; figures are low"
[ "$(bin_id)" = "$BIN_ID" ] || echo "WARNING     : $BIN changed during the run (now $(bin_id)); later modes ran another build"
for mode in "${DISPATCH_MODES[@]}"; do
    printf 'RATIO dispatch [%s] : %s  (%s invitations/s / limit %s; goal >= 0.5)\n' "$mode" "${R[$mode.ratio]:-n/a}" "${R[$mode.rate]}" "${LIMIT:-?}"
done
echo "============================================================================================="
