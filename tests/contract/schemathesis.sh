#!/usr/bin/env bash
# Contract run: schemathesis generates requests from /api/v1/openapi.json and checks that
# the running server never answers 5xx, and answers only the statuses, content types and
# bodies the document declares. Every operation is exercised except /api/v1/webhooks: the
# generated URLs would be registered and called.
#
# Usage: tests/contract/schemathesis.sh [path/to/vouch]
# Without a path, the binary is built (`cargo build --bin vouch`) and taken from cargo's
# own report, never from whatever an older build left in target/. Needs `schemathesis`
# on PATH (pip install schemathesis==4.32.5; .ci/run installs it). Everything runs on
# loopback: a temporary SQLite database, mail written to files, a port the OS picks.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Examples per operation and phase: enough to reach every declared answer, small enough
# for a few minutes.
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-30}"

if ! command -v schemathesis >/dev/null 2>&1; then
  echo "schemathesis is not on PATH; install it with: pip install schemathesis==4.32.5" >&2
  exit 2
fi

# shellcheck source=tests/contract/common.sh
source tests/contract/common.sh
contract_setup "${1:-}"

export VOUCH__DATABASE__URL="sqlite://$work/vouch.db?mode=rwc"
export VOUCH__SERVER__BIND="127.0.0.1:0"
export VOUCH__MAIL__TRANSPORT="file"
export VOUCH__MAIL__DIR="$work/mail"
export VOUCH__LOG__FORMAT="json"
# The fuzzer is one client; at the default 60 a minute it would mostly meet the limit.
export VOUCH__LIMITS__PUBLIC_REQUESTS_PER_MINUTE="1000000"
export VOUCH_LOG="${VOUCH_LOG:-warn,vouch=info}"

"$vouch" migrate >/dev/null
"$vouch" admin create-user --email contract@vouch.test --name "Contract run" --role admin >/dev/null
token=$("$vouch" admin create-token --email contract@vouch.test --label contract)

"$vouch" serve >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 1 100); do
  port=$(grep -o '"port":[0-9]*' "$work/server.log" | head -n 1 | cut -d: -f2 || true)
  [ -n "$port" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "vouch serve exited:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "vouch serve did not report its port:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
base="http://127.0.0.1:$port"
echo "vouch $("$vouch" --version 2>/dev/null || true) serving on $base"

# Random ids only ever meet 404s. Seed a provider and cases (one left in draft, one
# collecting with its referees invited), and let the fuzzer draw path ids and link tokens
# from them most of the time, so that the handlers' own answers (2xx, 409, 422) are
# checked too.
api() {
  local method=$1 path=$2 body=${3:-}
  curl -sS --fail-with-body -X "$method" "$base$path" \
    -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    ${body:+--data "$body"}
}
json_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
provider=$(api POST /api/v1/providers '{"name": "Contract Co", "category": "testing",
  "contact_name": "Pat Contract", "contact_email": "pat@contract.example"}' | json_id)
draft_case=$(api POST /api/v1/cases "{\"provider_id\": \"$provider\"}" | json_id)
live_case=$(api POST /api/v1/cases "{\"provider_id\": \"$provider\"}" | json_id)
references=()
for i in 1 2; do
  references+=("$(api POST "/api/v1/cases/$live_case/references" "{\"name\": \"Referee $i\",
    \"email\": \"referee$i@client$i.example\", \"company\": \"Client $i\",
    \"relationship\": \"client\"}" | json_id)")
done
api POST "/api/v1/cases/$live_case/launch" >/dev/null
# The in-process worker writes the invitations into the mail directory.
tokens=()
for _ in $(seq 1 100); do
  mapfile -t tokens < <(cat "$VOUCH__MAIL__DIR"/*.eml 2>/dev/null \
    | grep -o '/r/[A-Za-z0-9_-]*' | cut -c4- | sort -u)
  [ "${#tokens[@]}" -ge 2 ] && break
  sleep 0.1
done
if [ "${#tokens[@]}" -lt 2 ]; then
  echo "the seeded invitations were not sent" >&2
  exit 1
fi
quoted() { printf '"%s", ' "$@"; }
# No cache: each run starts from the same seed and state, and writes nothing here.
cat >"$work/schemathesis.toml" <<TOML
[cache]
enabled = false

[dictionaries.ids]
values = [$(quoted "$provider" "$draft_case" "$live_case" "${references[@]}")]

[dictionaries.tokens]
values = [$(quoted "${tokens[@]}")]

[parameters]
"path.id" = { dictionary = "ids", probability = 0.8 }
"path.token" = { dictionary = "tokens", probability = 0.8 }
TOML

status=0
hooks="$PWD/tests/contract/hooks.py"
# From the temporary directory: hypothesis keeps its own files in the working directory.
(
  cd "$work"
  SCHEMATHESIS_HOOKS="$hooks" schemathesis --config-file "$work/schemathesis.toml" \
    run "$base/api/v1/openapi.json" \
    --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --header "Authorization: Bearer $token" \
    --exclude-path-regex '^/api/v1/webhooks' \
    --max-examples "$MAX_EXAMPLES" \
    --generation-database none \
    --seed "${SCHEMATHESIS_SEED:-20261127}" \
    --workers 2 \
    --no-color
) || status=$?

if [ "$status" -ne 0 ]; then
  echo "schemathesis failed (exit $status); the server's log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
