#!/usr/bin/env bash
# Starts the example deployment (examples/legacy on 16380, examples/hardened on 16381) and `redfort exporter`
# on 127.0.0.1:9779 with examples/prometheus/exporter.yaml, in the foreground; Ctrl-C stops all three.
# Then, in a second terminal, Prometheus against it (see README, "Continuous audit with Prometheus"):
#   prometheus --config.file=examples/prometheus/prometheus.yml --storage.tsdb.path="$(mktemp -d)"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/ensure-redis.sh
[ -f dist/cli.cjs ] || npm run build >/dev/null

. examples/servers.sh

# Demo credentials of the example deployment; a real exporter reads them from its service environment or
# from files (passwordFile), never from a scrape URL.
export REDIS_LEGACY_PASSWORD=foobared
export REDIS_AUDITOR_PASSWORD=auditor-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b
# The allowlist names the servers' ports: when REDFORT_EXAMPLE_*_PORT moved them, the exporter reads a copy of
# exporter.yaml whose allow entry names the ports they run on.
config=examples/prometheus/exporter.yaml
if [ "$legacy_port" != 16380 ] || [ "$hardened_port" != 16381 ]; then
  config="$work/exporter.yaml"
  sed "s/^  - 127\.0\.0\.1:16380-16381\$/  - 127.0.0.1:${legacy_port}\n  - 127.0.0.1:${hardened_port}/" examples/prometheus/exporter.yaml > "$config"
  grep -q "^  - 127\.0\.0\.1:${hardened_port}\$" "$config" || { echo "examples/prometheus/run.sh: exporter.yaml's allow entry is not the one this script rewrites" >&2; exit 2; }
fi
# Where the exporter listens: exporter.yaml's, or the --listen given.
listen=127.0.0.1:9779
args=("$@")
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --listen=*) listen=${args[$i]#--listen=} ;;
    --listen) listen=${args[$((i + 1))]:-$listen} ;;
  esac
done
echo "exporter on http://${listen} (try: curl 'http://${listen}/probe?target=127.0.0.1:${legacy_port}&module=legacy'); Ctrl-C stops"
node bin/redfort.cjs exporter --config "$config" "$@" &
pids+=($!)
wait "${pids[-1]}"
