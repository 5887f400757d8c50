#!/usr/bin/env bash
# SCIM conformance run: scim2-tester (through scim2-cli's `test` command) exercises
# /scim/v2 of a running Vouch: discovery, then create, read, list, replace, patch and
# delete of Users and Groups with the attributes the discovery documents declare.
#
# Usage: tests/contract/scim.sh [path/to/vouch]
# Without a path, the binary is built (`cargo build --bin vouch`) and taken from cargo's
# own report. Needs `scim2` on PATH (pip install scim2-cli==0.6.0 scim2-tester==0.5.2;
# .ci/run installs them). Everything runs on loopback: a temporary SQLite database, mail
# written to files, a free port. Exits non-zero on any failed check.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v scim2 >/dev/null 2>&1; then
  echo "scim2 is not on PATH; install it with: pip install scim2-cli==0.6.0 scim2-tester==0.5.2" >&2
  exit 2
fi

# shellcheck source=tests/contract/common.sh
source tests/contract/common.sh
contract_setup "${1:-}"

# A free port, chosen first: the resources' `meta.location` is built from
# server.public_url, which must name the port the server listens on.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export VOUCH__DATABASE__URL="sqlite://$work/vouch.db?mode=rwc"
export VOUCH__SERVER__BIND="127.0.0.1:$port"
export VOUCH__SERVER__PUBLIC_URL="$base"
export VOUCH__MAIL__TRANSPORT="file"
export VOUCH__MAIL__DIR="$work/mail"
export VOUCH__LOG__FORMAT="json"
# One client making many requests quickly; the limit itself is tested elsewhere.
export VOUCH__LIMITS__SCIM_REQUESTS_PER_MINUTE="1000000"
export VOUCH_LOG="${VOUCH_LOG:-warn,vouch=info}"

"$vouch" migrate >/dev/null
token=$("$vouch" admin create-scim-token --label conformance)

"$vouch" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -sf "$base/scim/v2/ServiceProviderConfig" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "vouch serve exited:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "vouch $("$vouch" --version 2>/dev/null || true) serving on $base"

# The token through the environment, not the command line (other users see arguments).
status=0
SCIM_CLI_HEADERS="Authorization: Bearer $token" \
  scim2 --url "$base/scim/v2" test --verbose >"$work/report.txt" 2>&1 || status=$?
cat "$work/report.txt"
# Each check is reported as a line starting with its status (SUCCESS, SKIPPED, ERROR,
# CRITICAL); a failed check fails the run even if the tool's own exit status does not say
# so. SKIPPED is a check the tool itself decides does not apply (e.g. a server-wide
# `/.search`, answered 501 as RFC 7644 §3.4.3 allows).
if grep -qE '^(ERROR|CRITICAL)' "$work/report.txt"; then
  status=1
fi
echo "summary: $(grep -oE '^(SUCCESS|SKIPPED|ERROR|CRITICAL)' "$work/report.txt" | sort | uniq -c | tr '\n' ' ')"
if [ "$status" -ne 0 ]; then
  echo "the SCIM conformance run failed (exit $status); the server's log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
