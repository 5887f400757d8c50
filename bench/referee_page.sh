#!/usr/bin/env bash
# Benchmark: the first page a referee sees, GET /r/{token} (the questionnaire), against
# pgbench running the same reads, on PostgreSQL, with a release build. Not a test: it
# prints figures, the ratio among them (goal: >= 0.5).
#
#   bench/referee_page.sh
#
# What it does (shared machinery in bench/lib.sh): a throw-away database, `vouch serve`
# with the file mail transport, CASES x REFS references launched, their tokens; every
# link viewed once (the first view marks the reference opened, a write: not what is
# measured); then
#   1. capture: the SQL of one view of an opened link, from the PostgreSQL log, turned
#      into a pgbench script by bench/pgbench_from_capture.py (its ids become variables
#      read from a fixture row of another reference each transaction), printed;
#   2. wrk: GET /r/{token} round-robin over the tokens at CONNECTIONS connections for
#      DURATION -> pages/s, with where a request's time goes per stage (from /metrics);
#   3. Vouch stops; pgbench runs the generated script with as many clients for DURATION
#      -> tps; ratio = pages/s / tps.
#
# Knobs (environment), with defaults (and bench/lib.sh's):
#   CASES=50 REFS=20 CONNECTIONS=16 THREADS=2 DURATION=20s
#
# Needs: cargo, psql, pgbench, curl, jq, python3, wrk (installed with apt-get when missing).
CASES=${CASES:-50}
REFS=${REFS:-20}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_wrk; need_pgbench
build_vouch
declare -A R

serve_with_file_mail page
seed_launched page "$CASES" "$REFS"
log "viewing every link once (opens the references)"
sed "s|^|$BASE/r/|" "$TMP/page.tokens" | xargs -P 8 -I{} curl -s -o /dev/null {}
opened=$(psql_db "$DB" -At -c "select count(*) from reference_requests where status = 'opened'")
[ "$opened" -eq $((CASES * REFS)) ] || die "$opened of $((CASES * REFS)) references opened"

capture_token=$(head -n1 "$TMP/page.tokens")
R[captured]=$(CAPTURE_WARM="/r/$(tail -n1 "$TMP/page.tokens")" capture_sql page 200 "@BASE@/r/$capture_token")
# the fixture: per link, the ids a view of it may name
define_uuid7 "$DB"
psql_db "$DB" >/dev/null <<SQL
CREATE TABLE bench_page AS
SELECT (row_number() OVER (ORDER BY t.token_hash) - 1)::int AS idx, $FIXTURE_SELECT;
ALTER TABLE bench_page ADD PRIMARY KEY (idx);
ANALYZE;
SQL
pgbench_from_capture page "$DB" bench_page "$capture_token" random

# --- wrk: views of opened links, round-robin
wait_quiet
R[load]=$(load_line)
log "wrk: GET /r/{token}, $CONNECTIONS connections, $DURATION"
stage_snap "$TMP/stages0.txt"
cpu_snap "$TMP/cpu_page.0.json"
TOKENS_FILE="$TMP/page.tokens" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -s "$ROOT/bench/referee_page.lua" "$BASE" >"$TMP/wrk_page.txt" 2>&1
cpu_snap "$TMP/cpu_page.1.json"
stage_snap "$TMP/stages1.txt"
R[wrk]=$(grep '^BENCH ' "$TMP/wrk_page.txt" | tail -n1)
[ -n "${R[wrk]}" ] || die "wrk printed no BENCH line: $(tail -n 20 "$TMP/wrk_page.txt")"
W=${R[wrk]}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$W"; }
R[rps]=$(field rps)
R[cpu]=$(cpu_report "$TMP/cpu_page.0.json" "$TMP/cpu_page.1.json" "serve=$serve_pid")
R[peak]=$(vm "$serve_pid" VmHWM)
stop_pid "$serve_pid"

log "pgbench: $CONNECTIONS clients, $DURATION of the captured reads"
run_pgbench pg "$TMP/page.pgbench" "$DB" -c "$CONNECTIONS" -j "$THREADS" -T "${DURATION%s}"
R[pg_load]=$(load_line)
R[ratio]=$(ratio "${R[rps]}" "${R[pg.tps]}")
logs=("$TMP"/page.*.log)
R[errors]=$(errors_of "${logs[@]}")

echo
echo "================ Vouch: the referee's page vs pgbench on PostgreSQL ================"
echo "machine       : $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "postgres      : $PG_VERSION ($PGHOST:$PGPORT; throw-away database)"
echo "vouch         : $BIN ($BIN_ID)$( [ -z "${VOUCH_BIN:-}" ] && echo ", git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')")"
echo "page          : GET /r/{token} of opened links, $((CASES * REFS)) tokens round-robin, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
printf '  pages/s     : %s  (%s requests; non-200: %s; socket errors: %s)\n' "${R[rps]}" "$(field requests)" "$(field non200)" "$(field socket_errors)"
printf '  latency     : p50 %s ms   p90 %s ms   p99 %s ms   max %s ms\n' "$(field p50_ms)" "$(field p90_ms)" "$(field p99_ms)" "$(field max_ms)"
printf '  CPU         : %s\n' "${R[cpu]}"
printf '  memory      : serve peak RSS %s MiB\n' "$(mib "${R[peak]}")"
printf '  load        : %s\n' "${R[load]}"
echo "  stages (GET /r/{token}, mean per request, from /metrics):"
stage_report "$TMP/stages0.txt" "$TMP/stages1.txt" "GET /r/{token}"
echo "pgbench       : the captured reads (generated script), -M prepared -c $CONNECTIONS -j $THREADS -T ${DURATION%s}, same database"
printf '  tps         : %s  (latency average %s; failed: %s)\n' "${R[pg.tps]}" "${R[pg.lat]}" "${R[pg.failed]}"
printf '  CPU         : %s\n' "${R[pg.cpu]}"
printf '  load        : %s\n' "${R[pg_load]}"
echo "  captured SQL of one view (${R[captured]} statements):"
cut -c1-150 "$TMP/page_sql.txt" | sed 's/^/      /'
printf '  logs        : %s ERROR/panic lines\n' "${R[errors]}"
echo
printf 'RATIO page    : %s  (Vouch pages/s %s / pgbench tps %s; goal >= 0.5)\n' "${R[ratio]}" "${R[rps]}" "${R[pg.tps]}"
[ "$QUIET" = 1 ] || echo "WARNING       : the machine was busy with other work before a measurement; figures are low"
echo "===================================================================================="
