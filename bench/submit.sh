#!/usr/bin/env bash
# Benchmark: referee submissions (POST /r/{token}, action=submit) against pgbench running
# the same statements, on PostgreSQL, with a release build. Not a test: it prints figures,
# the ratio among them (goal: >= 0.5).
#
#   bench/submit.sh
#
# What it does (shared machinery in bench/lib.sh): a throw-away database, `vouch serve`
# with the file mail transport, CASES cases x REFS references launched through the API,
# the referee tokens from the invitations; then
#   1. capture: the SQL of one submission, from the PostgreSQL log (log_statement on a
#      second, warmed-up server's connections only), printed, and turned into a pgbench
#      script by bench/pgbench_from_capture.py (its ids become variables of another fixture
#      reference each transaction, the rows it makes get fresh ids);
#   2. wrk: SUBMITS references submitted once each (bench/referee_post.lua, BENCH_MODE=submit)
#      at CONNECTIONS connections -> submissions/s from the first to the last submitted_at,
#      with where a request's time goes, per stage (from /metrics, the stage spans);
#   3. Vouch stops; pgbench runs that script with as many clients, each transaction
#      on a fresh reference of the same database -> tps; ratio = submissions/s / tps.
# References are taken round-robin over cases, so concurrent submissions (in wrk as in
# pgbench) are for different cases and do not queue on one case's row lock.
#
# Knobs (environment), with defaults (and bench/lib.sh's):
#   SUBMITS=2000 CONNECTIONS=16 THREADS=2 (wrk -t, pgbench -j) REFS=20
#   SUBMIT_DURATION=30s   wrk's -d (wrk always runs its full -d; it must outlast the run)
#
# Needs: cargo, psql, pgbench, curl, jq, python3, wrk (installed with apt-get when missing).
SUBMITS=${SUBMITS:-2000}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
REFS=${REFS:-20}
SUBMIT_DURATION=${SUBMIT_DURATION:-30s}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_wrk; need_pgbench
build_vouch
declare -A R

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

cases=$(( (2 * SUBMITS + 1 + REFS - 1) / REFS ))
serve_with_file_mail submit
seed_launched submit "$cases" "$REFS"
# the first token is the capture's, the next SUBMITS are wrk's; pgbench takes the
# references still invited after that, in the same round-robin order
capture_token=$(head -n1 "$TMP/submit.tokens")
sed -n "2,$((SUBMITS + 1))p" "$TMP/submit.tokens" >"$TMP/wrk_tokens.txt"

R[captured]=$(CAPTURE_WARM="/r/$(tail -n1 "$TMP/submit.tokens")" capture_sql submit 303 -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
    --data "$(lua_body)" "@BASE@/r/$capture_token")

# --- wrk: SUBMITS submissions, CONNECTIONS at a time
wait_quiet
R[load]=$(load_line)
log "wrk: $SUBMITS references once each, $CONNECTIONS at a time"
t_wrk=$(psql_db "$DB" -At -c "select now()")
stage_snap "$TMP/stages0.txt"
cpu_snap "$TMP/cpu_submit.0.json"
TOKENS_FILE="$TMP/wrk_tokens.txt" BENCH_THREADS=$THREADS BENCH_MODE=submit \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$SUBMIT_DURATION" --latency -s "$LUA" "$BASE" \
    >"$TMP/wrk_submit.txt" 2>&1
cpu_snap "$TMP/cpu_submit.1.json"
stage_snap "$TMP/stages1.txt"
R[wrk]=$(grep '^BENCH ' "$TMP/wrk_submit.txt" | tail -n1)
[ -n "${R[wrk]}" ] || die "wrk printed no BENCH line: $(tail -n 20 "$TMP/wrk_submit.txt")"
span=$(psql_db "$DB" -At -c \
    "select count(*), round(extract(epoch from max(submitted_at) - min(submitted_at))::numeric, 3)
       from responses where status = 'submitted' and submitted_at >= '$t_wrk'")
R[db_submitted]=${span%%|*}
R[span]=${span##*|}
R[rps]=$(python3 -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2] or 0); print(f'{(n-1)/s:.1f}' if s>0 and n>1 else 'n/a')" "${R[db_submitted]}" "${R[span]}")
R[cpu]=$(cpu_report "$TMP/cpu_submit.0.json" "$TMP/cpu_submit.1.json" "serve=$serve_pid")
R[peak]=$(vm "$serve_pid" VmHWM)
# Vouch stops before pgbench runs (its worker would otherwise send the confirmations
# pgbench queues); the confirmations of wrk's submissions were sent by then or are left
# unsent: they are not part of either figure.
stop_pid "$serve_pid"

# --- pgbench on the same database: the references still invited, round-robin over cases
# like wrk's tokens; client c takes fixture rows c, c + clients, c + 2 x clients, ...
per_client=$((SUBMITS / CONNECTIONS))
define_uuid7 "$DB"
psql_db "$DB" >/dev/null <<SQL
CREATE TABLE bench_submit AS
SELECT (row_number() OVER (ORDER BY pos, case_no) - 1)::int AS idx, th, token_id, rid, cid, pid, tvid, oid, did
  FROM (SELECT $FIXTURE_SELECT AND r.status = 'invited' AND c.status = 'collecting') f
  JOIN (SELECT r.id AS ref_id,
               row_number() OVER (PARTITION BY r.case_id ORDER BY r.created_at, r.id) AS pos,
               dense_rank() OVER (ORDER BY c.created_at, c.id) AS case_no
          FROM reference_requests r JOIN vetting_cases c ON c.id = r.case_id) o ON o.ref_id = f.rid;
ALTER TABLE bench_submit ADD PRIMARY KEY (idx);
ANALYZE;
SQL
pgbench_from_capture submit "$DB" bench_submit "$capture_token" once
fixture=$(psql_db "$DB" -At -c "select count(*) from bench_submit")
[ "$fixture" -ge $((per_client * CONNECTIONS)) ] || die "only $fixture fresh references for pgbench"
log "pgbench: $CONNECTIONS clients x $per_client transactions of the captured submission"
run_pgbench pg "$TMP/submit.pgbench" "$DB" -c "$CONNECTIONS" -j "$THREADS" -t "$per_client" \
    -D k=0 -D clients="$CONNECTIONS"
R[pg_load]=$(load_line)
# every pgbench transaction was a real submission: its references are now completed
R[pg_done]=$(psql_db "$DB" -At -c \
    "select count(*) from bench_submit b join reference_requests r on r.id = b.rid where r.status = 'completed'")
R[ratio]=$(ratio "${R[rps]}" "${R[pg.tps]}")
logs=("$TMP"/submit.*.log)
R[errors]=$(errors_of "${logs[@]}")
R[warns]=$(warns_of "${logs[@]}")
R[first_errors]=$(grep -hE ' ERROR | WARN |panicked' "${logs[@]}" | head -n 5 | cut -c1-300 || true)

# ------------------------------------------------------------------ summary
W=${R[wrk]}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$W"; }
echo
echo "================ Vouch: referee submit vs pgbench on PostgreSQL ================"
echo "machine       : $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "postgres      : $PG_VERSION ($PGHOST:$PGPORT; throw-away database)"
echo "vouch         : $BIN ($BIN_ID)$( [ -z "${VOUCH_BIN:-}" ] && echo ", git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')")"
echo "submit        : POST /r/{token} action=submit, $SUBMITS references once each, wrk -t$THREADS -c$CONNECTIONS"
printf '  requests/s  : %s  (first to last submitted_at: %s s; %s answered 303, %s submitted in the database)\n' \
    "${R[rps]}" "${R[span]}" "$(field submitted)" "${R[db_submitted]}"
printf '  latency     : p50 %s ms   p90 %s ms   p99 %s ms   max %s ms; non-303: %s (%s)\n' \
    "$(field p50_ms)" "$(field p90_ms)" "$(field p99_ms)" "$(field max_ms)" "$(field non303)" "$(field statuses)"
printf '  CPU         : %s\n' "${R[cpu]}"
printf '  memory      : serve peak RSS %s MiB\n' "$(mib "${R[peak]}")"
printf '  load        : %s\n' "${R[load]}"
echo "  stages (POST /r/{token}, mean per request, from /metrics):"
stage_report "$TMP/stages0.txt" "$TMP/stages1.txt" "POST /r/{token}"
echo "pgbench       : the captured submission (generated script), -M prepared -c $CONNECTIONS -j $THREADS, $((per_client * CONNECTIONS)) transactions, same database"
printf '  tps         : %s  (latency average %s; failed: %s; %s fixture references completed)\n' \
    "${R[pg.tps]}" "${R[pg.lat]}" "${R[pg.failed]}" "${R[pg_done]}"
printf '  CPU         : %s\n' "${R[pg.cpu]}"
printf '  load        : %s\n' "${R[pg_load]}"
echo "  captured SQL of one submission (${R[captured]} statements, parameters elided):"
cut -c1-150 "$TMP/submit_sql.txt" | sed 's/^/      /'
printf '  logs        : %s ERROR/panic lines, %s WARN lines\n' "${R[errors]}" "${R[warns]}"
[ -z "${R[first_errors]}" ] || sed 's/^/      /' <<<"${R[first_errors]}"
echo
printf 'RATIO submit  : %s  (Vouch submissions/s %s / pgbench tps %s; goal >= 0.5)\n' "${R[ratio]}" "${R[rps]}" "${R[pg.tps]}"
[ "$QUIET" = 1 ] || echo "WARNING       : the machine was busy with other work before a measurement; figures are low"
[ "$(bin_id)" = "$BIN_ID" ] || echo "WARNING       : $BIN changed during the run (now $(bin_id))"
echo "================================================================================"
