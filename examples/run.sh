#!/usr/bin/env bash
# Starts the example deployment (examples/legacy and examples/hardened, two real redis-server processes on
# loopback), audits both with redfort, and stops them. Usage: npm run example [-- <extra audit flags>]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/ensure-redis.sh
# Built again when the build found no redis-server to train its code cache on (see scripts/train-cli.ts).
{ [ -f dist/cli.cjs ] && [ ! -f dist/cli-main.cache.offline ]; } || npm run build >/dev/null

. examples/servers.sh

# The demo's passwords (see examples/README.md) reach redfort as real use should give them: through the environment,
# named per server by a settings file (passwordEnv), never on the command line, where ps shows them (and redfort
# warns).
cat >"$work/redfort.yaml" <<YAML
targets:
  redis://127.0.0.1:$legacy_port: { passwordEnv: REDFORT_EXAMPLE_LEGACY_PASSWORD }
  redis://127.0.0.1:$hardened_port: { user: auditor, passwordEnv: REDFORT_EXAMPLE_HARDENED_PASSWORD }
YAML
set +e
REDFORT_EXAMPLE_LEGACY_PASSWORD=foobared \
REDFORT_EXAMPLE_HARDENED_PASSWORD=auditor-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b \
  node bin/redfort.cjs audit --config-file "$work/redfort.yaml" \
  "redis://127.0.0.1:$legacy_port" \
  "redis://auditor@127.0.0.1:$hardened_port" \
  "$@"
status=$?
set -e
# A note for the person at the terminal, on standard error: standard output is redfort's report alone (QA40-57:
# `npm run example -- --format json` was no JSON). The example exits with redfort's code.
echo "redfort exited with $status (0: nothing at or above --fail-on, 1: failures, 2: a target could not be audited)" >&2
exit "$status"
