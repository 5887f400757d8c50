#!/usr/bin/env bash
# Benchmark: the retention purge (`vouch retention`) on a large tenant, against the same
# purge written as a handful of plain SQL statements run by psql on an identical copy of
# the data (the limit: what PostgreSQL itself takes to change those rows). On PostgreSQL,
# with a release build. Not a test: it prints figures.
#
#   bench/retention.sh                 # 100,000 references
#   REFS=20000 bench/retention.sh
#
# What it does: builds the release binary (into $CARGO_TARGET_DIR when set, else target/),
# makes a throw-away database vouch_bench_ret_<random> with `vouch migrate` (schema and
# the default questionnaire), and seeds it in SQL: REFS references in REFS/10 decided
# cases (ended 400 days ago), each referee answered (two ratings and two free-text
# answers), with a response carrying an IP and a user agent, an email-log row and a
# `reference.added` audit event quoting the name. It copies that database (CREATE
# DATABASE ... TEMPLATE) and then:
#   1. vouch: `vouch retention` with both retention periods at 0 days, timed end to end
#      (process start, migrations check and the run) -> references/s, and the counts it
#      printed;
#   2. limit: the same changes as one psql transaction of set-based UPDATEs on the copy
#      -> references/s;
# ratio = limit seconds / vouch seconds (1.0 would be as fast as the bare statements).
# Both databases are dropped at exit.
#
# Knobs: REFS=100000, VOUCH_BIN= (use this binary instead of building), KEEP_DB=0,
#        PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres (trust auth).
# Needs: cargo, psql.
set -euo pipefail
cd "$(dirname "$0")/.."

REFS=${REFS:-100000}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
CASES=$(( (REFS + 9) / 10 ))
SUFFIX="$$_$RANDOM"
DB_A="vouch_bench_ret_${SUFFIX}"
DB_B="${DB_A}_sql"

if [ -z "${VOUCH_BIN:-}" ]; then
  echo "== building the release binary"
  cargo build --release --locked --bin vouch >&2
  VOUCH_BIN="${CARGO_TARGET_DIR:-target}/release/vouch"
fi

cleanup() {
  if [ "${KEEP_DB:-0}" != 1 ]; then
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS \"$DB_A\"" -c "DROP DATABASE IF EXISTS \"$DB_B\"" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

url_of() { echo "postgres://${PGUSER}@${PGHOST}:${PGPORT}/$1"; }
now_s() { date +%s.%N; }

echo "== seeding $REFS references in $CASES decided cases ($DB_A)"
psql -qX -d postgres -c "CREATE DATABASE \"$DB_A\"" >/dev/null
VOUCH__DATABASE__URL=$(url_of "$DB_A") VOUCH_LOG=warn "$VOUCH_BIN" migrate 2>/dev/null
seed_started=$(now_s)
psql -qX -v ON_ERROR_STOP=1 -d "$DB_A" -v refs="$REFS" -v cases="$CASES" <<'SQL'
\set ended 'now() - interval ''400 days'''
INSERT INTO users (id, email, name, role, password_hash, active, failed_logins, locked_until, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'bench-ops@example.com', 'Bench Ops', 'ops', NULL, true, 0, NULL, now(), now());
INSERT INTO providers (id, name, category, website, contact_name, contact_email, created_by, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000002', 'Ledger & Co', 'accounting', 'https://ledger.example',
        'Pat Ledger', 'pat@ledger.example', '00000000-0000-4000-8000-000000000001', now(), now());
INSERT INTO vetting_cases (id, provider_id, owner_id, title, template_version_id, profile_snapshot,
    min_responses, min_organisations, anonymity_seed, kind, engagement_id, deadline_days, deadline_at,
    status, launched_at, closed_at, finished_at, hold_reason, held_at, held_by, created_at, updated_at)
SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid,
       '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001',
       'Case ' || c, (SELECT id FROM template_versions ORDER BY version DESC LIMIT 1), '[]'::jsonb,
       3, 2, md5(c::text), 'review', NULL, 14, :ended, 'decided', :ended, :ended, :ended,
       NULL, NULL, NULL, :ended, :ended
FROM generate_series(1, :cases) AS c;
INSERT INTO reference_requests (id, case_id, name, email, company, relationship, nominated_by, source,
    status, invitations_sent, generation, reminders_sent, invited_at, opened_at, responded_at,
    decline_reason, withdrawn_reason, created_at, updated_at, identity_erased_at, comments_erased_at, organisation)
SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid,
       ('10000000-0000-4000-8000-' || lpad(to_hex((r - 1) / 10 + 1), 12, '0'))::uuid,
       'Referee Person ' || r, 'referee' || r || '@client' || (r % 10) || '.example',
       'Client ' || (r % 10), 'client since 2021', 'user:00000000-0000-4000-8000-000000000001', 'sourced',
       'completed', 1, 1, 0, :ended, :ended, :ended, NULL, NULL, :ended, :ended, NULL, NULL, NULL
FROM generate_series(1, :refs) AS r;
INSERT INTO responses (id, reference_id, status, first_viewed_at, submitted_at, client_ip, user_agent, created_at, updated_at)
SELECT ('30000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid,
       ('20000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid,
       'submitted', :ended, :ended, '192.0.2.' || (r % 250), 'Mozilla/5.0 (bench)', :ended, :ended
FROM generate_series(1, :refs) AS r;
INSERT INTO answers (id, response_id, question_key, value)
SELECT md5(r || '-' || k)::uuid, ('30000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid, k,
       CASE WHEN k IN ('strengths', 'concerns') THEN 'Free text from referee ' || r ELSE '4' END
FROM generate_series(1, :refs) AS r,
     unnest(ARRAY['values_shared', 'dedication_success', 'strengths', 'concerns']) AS k;
INSERT INTO email_log (id, idempotency_key, case_id, reference_id, kind, recipient, subject, message_id, status, error, created_at, sent_at)
SELECT ('40000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid, 'invitation:' || r || ':1',
       ('10000000-0000-4000-8000-' || lpad(to_hex((r - 1) / 10 + 1), 12, '0'))::uuid,
       ('20000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid,
       'invitation', 'referee' || r || '@client' || (r % 10) || '.example',
       'Ledger & Co asked for your view', '<' || r || '@vouch.test>', 'sent', NULL, :ended, :ended
FROM generate_series(1, :refs) AS r;
INSERT INTO audit_events (id, case_id, reference_id, actor, kind, data, created_at)
SELECT ('50000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid,
       ('10000000-0000-4000-8000-' || lpad(to_hex((r - 1) / 10 + 1), 12, '0'))::uuid,
       ('20000000-0000-4000-8000-' || lpad(to_hex(r), 12, '0'))::uuid,
       'user:00000000-0000-4000-8000-000000000001', 'reference.added',
       jsonb_build_object('name', 'Referee Person ' || r, 'company', 'Client ' || (r % 10)), :ended
FROM generate_series(1, :refs) AS r;
ANALYZE;
SQL
echo "   seeded in $(echo "$(now_s) - $seed_started" | bc) s"
psql -qX -d postgres -c "CREATE DATABASE \"$DB_B\" TEMPLATE \"$DB_A\"" >/dev/null

echo "== vouch retention ($DB_A)"
started=$(now_s)
out=$(VOUCH__DATABASE__URL=$(url_of "$DB_A") VOUCH__RETENTION__REFEREE_IDENTITY_DAYS=0 \
  VOUCH__RETENTION__COMMENTS_DAYS=0 VOUCH_LOG=warn "$VOUCH_BIN" retention | grep -v '^case ')
vouch_s=$(echo "$(now_s) - $started" | bc)
echo "$out" | sed 's/^/   /'
left=$(psql -qAtX -d "$DB_A" -c "SELECT count(*) FROM reference_requests WHERE email <> '' OR identity_erased_at IS NULL OR comments_erased_at IS NULL")
[ "$left" = 0 ] || { echo "vouch left $left references unpurged" >&2; exit 1; }

echo "== the same purge as plain SQL ($DB_B)"
started=$(now_s)
psql -qX -v ON_ERROR_STOP=1 -d "$DB_B" <<'SQL'
BEGIN;
UPDATE reference_requests SET organisation = split_part(email, '@', 2), name = '', email = '',
  relationship = '', decline_reason = NULL, identity_erased_at = now(), comments_erased_at = now();
UPDATE responses SET client_ip = NULL, user_agent = NULL;
UPDATE email_log SET recipient = '', subject = '', error = NULL WHERE recipient <> '';
UPDATE audit_events SET data = data - 'name' - 'email' - 'relationship' - 'reason' - 'rationale'
  WHERE reference_id IS NOT NULL AND data ?| array['name', 'email', 'relationship', 'reason', 'rationale'];
UPDATE audit_events SET actor = 'referee' WHERE actor LIKE 'referee:%';
UPDATE answers SET value = '' WHERE question_key IN ('strengths', 'concerns') AND value <> '';
COMMIT;
SQL
sql_s=$(echo "$(now_s) - $started" | bc)

rate() { echo "scale=0; $REFS / $1" | bc; }
echo
echo "references: $REFS in $CASES cases (each: 1 response, 4 answers, 1 email, 1 audit event)"
printf 'vouch retention: %.2f s, %s references/s\n' "$vouch_s" "$(rate "$vouch_s")"
printf 'plain SQL:       %.2f s, %s references/s\n' "$sql_s" "$(rate "$sql_s")"
printf 'ratio (SQL time / vouch time): %.2f\n' "$(echo "scale=4; $sql_s / $vouch_s" | bc)"
