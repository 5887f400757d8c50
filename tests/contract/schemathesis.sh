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

vouch="${1:-}"
if [ -z "$vouch" ]; then
  vouch=$(cargo build --locked --bin vouch --message-format=json \
    | python3 -c 'import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "vouch" \
            and "bin" in msg["target"]["kind"] and msg.get("executable"):
        print(msg["executable"])')
fi
if [ ! -x "$vouch" ]; then
  echo "no vouch binary at '$vouch'" >&2
  exit 2
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

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

status=0
schemathesis run "$base/api/v1/openapi.json" \
  --url "$base" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --header "Authorization: Bearer $token" \
  --exclude-path-regex '^/api/v1/webhooks' \
  --max-examples "$MAX_EXAMPLES" \
  --generation-database none \
  --seed "${SCHEMATHESIS_SEED:-20261127}" \
  --workers 2 \
  --no-color || status=$?

if [ "$status" -ne 0 ]; then
  echo "schemathesis failed (exit $status); the server's log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
