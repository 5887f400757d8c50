# Sourced by the contract runs (schemathesis.sh, scim.sh): the vouch binary under test, and
# a temporary directory for a throwaway installation that is removed, with the server
# started in it, when the run exits. Not a script of its own.
#
# After `contract_setup "$1"`: `$vouch` is the binary (the path given, or the one cargo
# builds, taken from cargo's own report, never from whatever an older build left in
# target/), `$work` the directory; a run that starts `vouch serve` sets `$server_pid`.

contract_setup() {
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
  trap contract_cleanup EXIT
}

contract_cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
