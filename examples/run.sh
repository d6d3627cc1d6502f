#!/usr/bin/env bash
# Starts the example deployment (examples/legacy and examples/hardened, two real redis-server processes on
# loopback), audits both with redfort, and stops them. Usage: npm run example [-- <extra audit flags>]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/ensure-redis.sh
[ -f dist/cli.mjs ] || npm run build >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/redfort-example-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The audit must reach the example's own servers, not whatever else answers on these ports.
for port in 16380 16381; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "example: port $port is already in use by another process; stop it first (the example's servers use 16380 and 16381)" >&2
    exit 2
  fi
done

for name in legacy hardened; do
  mkdir -p "$work/$name"
  cp examples/"$name"/* "$work/$name/"
  (cd "$work/$name" && exec redis-server ./redis.conf --dir "$work/$name" >"$work/$name/stdout.log" 2>&1) &
  pids+=($!)
done
for port in 16380 16381; do
  for _ in $(seq 50); do
    if redis-cli -p "$port" PING 2>/dev/null | grep -qE 'PONG|NOAUTH|DENIED'; then break; fi
    sleep 0.1
  done
done
for i in 0 1; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "example: a server of the example did not start (see its log below)" >&2
    cat "$work"/*/stdout.log >&2
    exit 2
  fi
done

# Demo credentials only; in real use give passwords through REDISCLI_AUTH, never on the command line.
set +e
node bin/redfort.mjs audit \
  'redis://:foobared@127.0.0.1:16380' \
  'redis://auditor:auditor-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b@127.0.0.1:16381' \
  "$@"
status=$?
set -e
echo "redfort exited with $status (0: nothing at or above --fail-on, 1: failures, 2: a target could not be audited)"
