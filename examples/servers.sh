# Sourced by examples/run.sh and examples/prometheus/run.sh from the repository root: starts the example
# deployment (examples/legacy on 16380, examples/hardened on 16381) in a temporary folder, waits until both answer,
# and stops them (and whatever else the caller adds to pids) when the caller exits.
work=$(mktemp -d "${TMPDIR:-/tmp}/redfort-example-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

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

