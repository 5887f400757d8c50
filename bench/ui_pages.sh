#!/usr/bin/env bash
# Benchmark: latency of the staff UI's busiest pages for a signed-in user, with a release
# build, on PostgreSQL (or SQLite with DB=sqlite). Not a test: it prints figures.
#
#   bench/ui_pages.sh
#
# Seeds the demo case (`vouch demo`: 5 referees, 4 answered) into a throw-away database,
# starts `vouch serve`, signs in as demo-hr through the login form (cookie + CSRF token, as
# a browser does), then runs wrk for DURATION against each page in turn: the case list,
# the case page, the report (chart, scoring from the stored answers) and the review queue.
#
# Knobs: CONNECTIONS=20 THREADS=2 DURATION=15s DB=postgres VOUCH_BIN= (skip the build)
#        PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
# Needs: cargo, curl, wrk, and psql for DB=postgres.
set -euo pipefail

CONNECTIONS=${CONNECTIONS:-20}
THREADS=${THREADS:-2}
DURATION=${DURATION:-15s}
DB=${DB:-postgres}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}

root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${VOUCH_BIN:-}" ]]; then
  (cd "$root" && cargo build --release --bin vouch)
  VOUCH_BIN="$root/target/release/vouch"
fi
if ! command -v wrk >/dev/null; then
  SUDO=$([[ $(id -u) == 0 ]] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d)
dbname="vouch_bench_$RANDOM$RANDOM"
cleanup() {
  [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [[ "$DB" == postgres ]]; then
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS $dbname" >/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [[ "$DB" == postgres ]]; then
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "CREATE DATABASE $dbname" >/dev/null
  export VOUCH__DATABASE__URL="postgres://$PGUSER@$PGHOST:$PGPORT/$dbname"
else
  export VOUCH__DATABASE__URL="sqlite://$tmp/vouch.db?mode=rwc"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export VOUCH__SERVER__BIND="127.0.0.1:$port" VOUCH__SERVER__PUBLIC_URL="$base"
export VOUCH__MAIL__DIR="$tmp/mail" VOUCH_LOG=warn

cd "$tmp"
out=$("$VOUCH_BIN" demo)
password=$(awk '/demo-hr@vouch.example/ {print $3}' <<<"$out")
report_path=$(grep -o '/ui/cases/[0-9a-f-]*/report' <<<"$out" | head -1)
case_path=${report_path%/report}
"$VOUCH_BIN" serve >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

jar="$tmp/cookies"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/ui/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//;s/"$//')
status=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
  --data-urlencode "csrf=$csrf" --data-urlencode "email=demo-hr@vouch.example" \
  --data-urlencode "password=$password" "$base/ui/login")
[[ "$status" == 303 ]] || { echo "sign-in failed ($status)" >&2; exit 1; }
session=$(awk '$6 == "vouch_session" {print $7}' "$jar")

echo "vouch UI pages, $DB, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, signed in as hr"
for path in /ui/cases "$case_path" "$report_path" /ui/review; do
  check=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: vouch_session=$session" "$base$path")
  [[ "$check" == 200 ]] || { echo "$path answered $check" >&2; exit 1; }
  echo "== GET $(sed -E "s/[0-9a-f-]{36}/{id}/" <<<"$path")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -H "Cookie: vouch_session=$session" "$base$path" \
    | grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors' || true
done
