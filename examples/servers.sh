# Sourced by examples/run.sh and examples/prometheus/run.sh from the repository root: starts the example
# deployment (examples/legacy on 16380, examples/hardened on 16381; REDFORT_EXAMPLE_LEGACY_PORT and
# REDFORT_EXAMPLE_HARDENED_PORT choose others) in a temporary folder, waits until both answer, checks that the
# servers answering on those ports are the ones it started, and stops them (and whatever else the caller adds
# to pids) when the caller exits.
legacy_port=${REDFORT_EXAMPLE_LEGACY_PORT:-16380}
hardened_port=${REDFORT_EXAMPLE_HARDENED_PORT:-16381}
# Demo credentials of the example deployment (see examples/README.md).
legacy_auth=(-a foobared)
hardened_auth=(--user auditor --pass auditor-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b)
work=$(mktemp -d "${TMPDIR:-/tmp}/redfort-example-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The audit must reach the example's own servers, not whatever else answers on these ports.
for port in "$legacy_port" "$hardened_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "example: port $port is already in use by another process; stop it first (the example's servers use $legacy_port and $hardened_port)" >&2
    exit 2
  fi
done

# legacy as it grew up; hardened as the hardening left it: its files and the ones the server writes (RDB, AOF,
# log, a rewritten ACL file) private to the server's user and group (umask 027: files 640, directories 750).
start() {
  local name=$1 port=$2 mask=$3
  (
    umask "$mask"
    mkdir -p "$work/$name"
    cp examples/"$name"/* "$work/$name/"
    # The port goes into the copy: on the command line it would be drift from the file (config.runtime-drift).
    sed -i "s/^port .*/port $port/" "$work/$name/redis.conf"
    chmod "$(printf '%o' $((0666 & ~8#$mask)))" "$work/$name"/*
    cd "$work/$name" && exec redis-server "$work/$name/redis.conf" --dir "$work/$name" >"$work/$name/stdout.log" 2>&1
  ) &
  pids+=($!)
}
start legacy "$legacy_port" 022
start hardened "$hardened_port" 027
for port in "$legacy_port" "$hardened_port"; do
  for _ in $(seq 50); do
    if redis-cli -p "$port" PING 2>/dev/null | grep -qE 'PONG|NOAUTH|DENIED'; then break; fi
    sleep 0.1
  done
done
# Each port must be answered by the process started here (another one may have taken it in between).
check() {
  local i=$1 port=$2
  shift 2
  local pid
  # No answer (a server that did not start) is no pid: under the caller's `set -e -o pipefail` the failed redis-cli
  # would end the script here, silently, before the checks below say what happened.
  pid=$(redis-cli --no-auth-warning -p "$port" "$@" INFO server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p') || pid=''
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "example: a server of the example did not start (see its log below)" >&2
    cat "$work"/*/stdout.log >&2
    exit 2
  fi
  if [ "$pid" != "${pids[$i]}" ]; then
    echo "example: port $port is answered by ${pid:+process $pid, }not by the example's server (pid ${pids[$i]}); stop whatever else listens there" >&2
    exit 2
  fi
}
check 0 "$legacy_port" "${legacy_auth[@]}"
check 1 "$hardened_port" "${hardened_auth[@]}"
