#!/usr/bin/env bash
# Benchmark: `GET /api/v1/insights/responses` over a large history, against the very
# statements it runs executed directly by psql in the same run (the limit: what
# PostgreSQL itself takes to answer them). On PostgreSQL. Not a test: it prints figures.
#
#   bench/insights.sh                    # 100,000 references, release build
#   REFS=20000 VOUCH_BIN=target/debug/vouch bench/insights.sh
#
# What it does: makes a throw-away database vouch_bench_ins_<random> with `vouch migrate`,
# seeds REFS references in REFS/10 released reference checks launched over the last 80
# days (per ten referees: five answered, hours to days after the invitation and some
# after a reminder, one declined, one opened and left, one bounced, one expired, one
# withdrawn), with a response row for everyone who reached the form. Then:
#   1. statements: `examples/insights_sql.rs` prints the statements the endpoint sends
#      (from the store's own functions, so the two cannot drift apart);
#   2. vouch: `vouch serve` at the default log level answers RUNS sequential requests
#      (curl, a warm-up first) -> median and best wall time per request;
#   3. limit: psql prepares those statements (as sqlx does) and executes them with the
#      same window RUNS times (\timing) -> median and best of their summed time per run.
# ratio = vouch median / SQL median (the goal: at most 2).
#
# Knobs: REFS=100000, RUNS=20, PORT=18090, VOUCH_BIN= and SQL_BIN= (use these binaries
#        instead of building),
#        KEEP_DB=0, PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres (trust auth).
# Needs: cargo, psql, curl.
set -euo pipefail
cd "$(dirname "$0")/.."

REFS=${REFS:-100000}
RUNS=${RUNS:-20}
PORT=${PORT:-18090}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
CASES=$(( (REFS + 9) / 10 ))
DB="vouch_bench_ins_$$_$RANDOM"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench-insights.XXXXXX")

if [ -z "${VOUCH_BIN:-}" ]; then
  echo "== building the release binary"
  cargo build --release --locked --bin vouch >&2
  VOUCH_BIN="${CARGO_TARGET_DIR:-target}/release/vouch"
fi
if [ -z "${SQL_BIN:-}" ]; then
  cargo build --release --locked -p engine --example insights_sql >&2
  SQL_BIN="${CARGO_TARGET_DIR:-target}/release/examples/insights_sql"
fi

SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  if [ "${KEEP_DB:-0}" != 1 ]; then
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/$DB"
export VOUCH__DATABASE__URL="$URL" VOUCH__SERVER__BIND="127.0.0.1:$PORT" \
  VOUCH__SERVER__PUBLIC_URL="http://127.0.0.1:$PORT" VOUCH__WORKFLOW__WORKERS=0 \
  VOUCH__MAIL__DIR="$WORK/mail"

echo "== seeding $REFS references in $CASES released cases ($DB)"
psql -qX -d postgres -c "CREATE DATABASE \"$DB\"" >/dev/null
VOUCH_LOG=warn "$VOUCH_BIN" migrate 2>/dev/null
VOUCH_LOG=warn "$VOUCH_BIN" admin create-user --email bench-ops@example.com --name "Bench Ops" --role ops >/dev/null
TOKEN=$(VOUCH_LOG=warn "$VOUCH_BIN" admin create-token --email bench-ops@example.com)
psql -qX -v ON_ERROR_STOP=1 -d "$DB" -v refs="$REFS" -v cases="$CASES" <<'SQL'
INSERT INTO providers (id, name, category, website, contact_name, contact_email, created_by, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000002', 'Ledger & Co', 'accounting', NULL,
        'Pat Ledger', 'pat@ledger.example', (SELECT id FROM users LIMIT 1), now(), now());
-- Case c launched (c mod 80) days and (c mod 24) hours ago, released 14 days later.
INSERT INTO vetting_cases (id, provider_id, owner_id, title, template_version_id, profile_snapshot,
    min_responses, min_organisations, anonymity_seed, kind, engagement_id, deadline_days, deadline_at,
    status, launched_at, closed_at, finished_at, released_at, created_at, updated_at)
SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid,
       '00000000-0000-4000-8000-000000000002', (SELECT id FROM users LIMIT 1),
       'Case ' || c, (SELECT id FROM template_versions ORDER BY version DESC LIMIT 1), '[]'::jsonb,
       3, 2, md5(c::text), 'review', NULL, 14, l + interval '14 days', 'review',
       l, l + interval '14 days', NULL, l + interval '14 days', l, l
FROM generate_series(1, :cases) AS c,
     LATERAL (SELECT now() - (c % 80) * interval '1 day' - (c % 24) * interval '1 hour' AS l) AS t;
-- Referee r of case (r - 1) / 10 + 1; k = r mod 10 decides the outcome.
INSERT INTO reference_requests (id, case_id, name, email, company, relationship, nominated_by, source,
    status, invitations_sent, generation, reminders_sent, invited_at, opened_at, responded_at,
    decline_reason, withdrawn_reason, created_at, updated_at, organisation)
SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid, c.id,
       'Referee ' || r, 'referee' || r || '@client' || k || '.example', 'Client ' || k,
       'client', 'user:bench', 'sourced',
       CASE WHEN k < 5 THEN 'completed' WHEN k = 5 THEN 'declined' WHEN k = 6 THEN 'expired'
            WHEN k = 7 THEN 'bounced' WHEN k = 8 THEN 'expired' ELSE 'withdrawn' END,
       CASE WHEN k = 7 THEN 0 ELSE 1 END, 1,
       CASE WHEN k < 3 THEN 0 WHEN k = 3 THEN 1 WHEN k = 4 THEN 2 ELSE 2 END,
       CASE WHEN k = 7 THEN NULL ELSE c.launched_at END,
       CASE WHEN k < 7 THEN c.launched_at + (1 + r % 47) * interval '1 hour' END,
       CASE WHEN k < 6 THEN c.launched_at + (2 + r % 47 + k * 30) * interval '1 hour' END,
       NULL, NULL, c.launched_at, c.launched_at, 'client' || k || '.example'
FROM generate_series(1, :refs) AS r,
     LATERAL (SELECT r % 10 AS k) AS kk,
     LATERAL (SELECT id, launched_at FROM vetting_cases
              WHERE id = ('10000000-0000-4000-8000-' || lpad(to_hex((r - 1) / 10 + 1), 12, '0'))::uuid) AS c;
INSERT INTO responses (id, reference_id, status, first_viewed_at, draft_saved_at, submitted_at,
    client_ip, user_agent, created_at, updated_at)
SELECT ('30000000-0000-4000-8000-' || substr(rr.id::text, 25))::uuid, rr.id,
       CASE WHEN rr.status = 'completed' THEN 'submitted' ELSE 'draft' END,
       rr.opened_at,
       CASE WHEN rr.status = 'expired' THEN rr.opened_at + interval '3 minutes' END,
       CASE WHEN rr.status = 'completed' THEN rr.opened_at + (200 + (rr.reminders_sent * 60)) * interval '1 second' END,
       NULL, NULL, rr.opened_at, rr.opened_at
FROM reference_requests rr WHERE rr.opened_at IS NOT NULL;
ANALYZE;
SQL

start_server() { # VOUCH_LOG value
  VOUCH_LOG="$1" "$VOUCH_BIN" serve 2>"$WORK/serve.log" &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "vouch serve did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }
ask() { curl -fsS -o "$WORK/body.json" -w '%{time_total}\n' \
  -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/insights/responses?from=$FROM&to=$TO"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
best() { sort -g | head -1; }

FROM=$(date -u -d '90 days ago' +%Y-%m-%d)
TO=$(date -u +%Y-%m-%d)
TO_END=$(date -u -d tomorrow +%Y-%m-%d) # `to` as a date covers its whole day

echo "== the statements the endpoint runs (examples/insights_sql.rs)"
"$SQL_BIN" >"$WORK/statements.sql"
statements=$(wc -l <"$WORK/statements.sql")
[ "$statements" -ge 4 ] || { echo "expected 4 statements, got $statements" >&2; exit 1; }

echo "== vouch: $RUNS requests (after a warm-up)"
start_server warn
ask >/dev/null
: >"$WORK/vouch.times"
for _ in $(seq 1 "$RUNS"); do ask >>"$WORK/vouch.times"; done
stop_server
echo "   answer: $(head -c 300 "$WORK/body.json")…"
vouch_med=$(awk '{print $1 * 1000}' "$WORK/vouch.times" | median)
vouch_best=$(awk '{print $1 * 1000}' "$WORK/vouch.times" | best)

echo "== bare SQL: the same statements, prepared, $RUNS runs (after a warm-up) via psql"
{
  echo '\timing on'
  n=0
  while IFS= read -r stmt; do
    n=$((n + 1)); echo "PREPARE s$n(timestamptz, timestamptz) AS $stmt;"
  done <"$WORK/statements.sql"
  for _ in $(seq 0 "$RUNS"); do
    echo '\echo RUN'
    for i in $(seq 1 "$n"); do echo "EXECUTE s$i('${FROM}T00:00:00Z', '${TO_END}T00:00:00Z');"; done
  done
} | psql -qX -v ON_ERROR_STOP=1 -d "$DB" 2>&1 \
  | awk '/^RUN/ {if (n++) print s; s = 0; next} /^Time:/ {if (n) s += $2} END {print s}' \
  | tail -n +2 >"$WORK/sql.times"
sql_med=$(median <"$WORK/sql.times")
sql_best=$(best <"$WORK/sql.times")

printf '\n%-28s %10s %10s\n' "" "median ms" "best ms"
printf '%-28s %10.1f %10.1f\n' "GET /insights/responses" "$vouch_med" "$vouch_best"
printf '%-28s %10.1f %10.1f\n' "its statements via psql" "$sql_med" "$sql_best"
printf 'ratio (vouch / SQL, median): %.2f  (goal: at most 2)\n' "$(echo "$vouch_med / $sql_med" | bc -l)"
