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
echo "exporter on http://127.0.0.1:9779 (try: curl 'http://127.0.0.1:9779/probe?target=127.0.0.1:16380&module=legacy'); Ctrl-C stops"
node bin/redfort.cjs exporter --config examples/prometheus/exporter.yaml "$@" &
pids+=($!)
wait "${pids[-1]}"
