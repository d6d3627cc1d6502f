#!/usr/bin/env bash
# The test command (`npm test`). Installs what the tests need, builds,
# type-checks, then runs every *.test.ts under test/ and src/ with node:test,
# except the opt-in suite of real builds in test/builds/.
#
#   npm test                                   all tests but test/builds/
#   npm test -- test/foo.test.ts test/conf     only these files (a directory: its *.test.ts)
#   npm test -- --test-name-pattern=cluster    options starting with - go to node
#   npm run test:builds                        (--builds) test/builds/: the tests that run real builds of
#                                              other Redis versions, in $REDFORT_BUILDS (default /tmp/builds);
#                                              a missing build fails it (docs/testing.md says how to make them)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

builds=0
args=()
for arg in "$@"; do
  if [ "$arg" = "--builds" ]; then builds=1; else args+=("$arg"); fi
done
set -- ${args[@]+"${args[@]}"}

phase() { printf '\n==> %s\n' "$*"; }

phase "dependencies"
# npm rewrites node_modules/.package-lock.json on every install, so it tells
# whether node_modules matches package-lock.json.
stamp=node_modules/.package-lock.json
if [ -L node_modules ]; then
  # A work tree sharing another checkout's packages (a symlink): npm ci would empty that checkout's node_modules.
  echo "node_modules is a link to $(readlink node_modules): not reinstalled here"
elif [ ! -d node_modules ] || { [ -f package-lock.json ] && { [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; }; }; then
  if [ -f package-lock.json ]; then npm ci; else npm install; fi
else
  echo "node_modules is up to date"
fi

. scripts/ensure-redis.sh
echo "$(redis-server --version | cut -d' ' -f1-3), $(openssl version | cut -d' ' -f1-2)"

# Two tests need a host name other than localhost that resolves to 127.0.0.1 (`bind NAME`; a target named by host
# name), which a container's /etc/hosts rarely has. As root, add one for this run and take it out at the end (in
# place: Docker's /etc/hosts is a mount, which cannot be replaced); otherwise those tests say what to add. Each run
# adds a line of its own, even when the name resolves already: another run's line goes when that run ends.
export REDFORT_TEST_LOOPBACK_NAME=redfort-loopback.test
hosts_mark="# redfort scripts/test.sh $$"
remove_hosts_line() {
  local kept
  kept=$(grep -vF "$hosts_mark" /etc/hosts) && printf '%s\n' "$kept" > /etc/hosts
}
if [ "$(id -u)" -eq 0 ] && [ -w /etc/hosts ]; then
  printf '127.0.0.1 %s %s\n' "$REDFORT_TEST_LOOPBACK_NAME" "$hosts_mark" >> /etc/hosts
  trap remove_hosts_line EXIT
  echo "added '127.0.0.1 $REDFORT_TEST_LOOPBACK_NAME' to /etc/hosts for this run"
elif ! getent ahostsv4 "$REDFORT_TEST_LOOPBACK_NAME" | grep -q '^127\.0\.0\.1 '; then
  echo "note: two tests need '127.0.0.1 $REDFORT_TEST_LOOPBACK_NAME' in /etc/hosts (added by this script as root)" >&2
fi

if [ "$builds" -eq 1 ]; then
  phase "real builds"
  node --import tsx test/builds/preflight.ts
  echo "in ${REDFORT_BUILDS:-/tmp/builds}"
fi

phase "build"
npm run build

phase "type check"
npx tsc --noEmit -p .

phase "tests"
node_args=()
files=()
for arg in "$@"; do
  case "$arg" in
    -*) node_args+=("$arg") ;;
    *)
      if [ -d "$arg" ]; then
        mapfile -t -O "${#files[@]}" files < <(find "$arg" -name '*.test.ts' | sort)
      else
        files+=("$arg")
      fi
      ;;
  esac
done
if [ "${#files[@]}" -eq 0 ]; then
  if [ "$builds" -eq 1 ]; then
    mapfile -t files < <(find test/builds -name '*.test.ts' | sort)
  else
    mapfile -t files < <(find test src -name '*.test.ts' -not -path 'test/builds/*' | sort)
  fi
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi

# Each test file runs in a process of its own; compiling src/ and test/ once here, rather than in each through
# tsx, saves about half a second of CPU per file (scripts/test-loader.mjs serves the compiled files).
node scripts/test-compile.mjs

# The TLS test certificates (test/harness/certs.ts), made once for the run rather than in each file that uses them.
certs=$(mktemp -d "${TMPDIR:-/tmp}/redfort-run-certs-XXXXXX")
export REDFORT_TEST_CERTS=$certs

set +e
node --import ./scripts/test-loader.mjs --test --test-concurrency=2 "${node_args[@]}" "${files[@]}"
status=$?
set -e
rm -rf "$certs"

# Servers outlive their test process only if it was killed (SIGKILL, OOM).
# Each server dir records "<server pid> <test process pid>"; stop servers whose
# test process is gone, and leave other runs' servers alone.
leftovers=0
for pidfile in "${TMPDIR:-/tmp}"/redfort-test-*/harness.pid; do
  [ -f "$pidfile" ] || continue
  read -r server owner < "$pidfile" || continue
  if kill -0 "$owner" 2>/dev/null; then continue; fi
  dir=$(dirname "$pidfile")
  # Redis rewrites its command line, but its cwd is still the server dir.
  if kill -0 "$server" 2>/dev/null && [ "$(readlink "/proc/$server/cwd" 2>/dev/null)" = "$dir" ]; then
    kill -9 "$server" 2>/dev/null || true
    leftovers=$((leftovers + 1))
  fi
  rm -rf "$dir"
done
if [ "$leftovers" -gt 0 ]; then
  echo "warning: stopped $leftovers redis server(s) left behind by a killed test process" >&2
fi

exit "$status"
