# Sourced by scripts/test.sh and examples/run.sh: installs the Debian packages redfort's tests and examples run
# (redis-server, redis-sentinel, redis-tools, openssl) when one is missing, as root; says what to do otherwise.
# For the tests it also installs chromium: the HTML report is checked in a real headless browser; and prometheus
# (with promtool): the exporter is scraped by a real Prometheus, and the example alert rules are unit-tested.
redfort_packages="redis-server redis-sentinel redis-tools openssl"
redfort_missing=()
for tool in redis-server redis-sentinel redis-cli openssl; do
  command -v "$tool" >/dev/null 2>&1 || redfort_missing+=("$tool")
done
redfort_install=""
if [ "${#redfort_missing[@]}" -gt 0 ]; then redfort_install="$redfort_packages"; fi
# Only the test script needs a browser (BASH_SOURCE[1] is the script sourcing this one).
case "${BASH_SOURCE[1]:-}" in
  */test.sh | test.sh)
    if [ ! -x /usr/bin/chromium ]; then
      redfort_missing+=("/usr/bin/chromium")
      redfort_install="$redfort_install chromium"
    fi
    if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
      redfort_missing+=("prometheus")
      redfort_install="$redfort_install prometheus"
    fi
    # harden's unified diff is checked by applying it with patch(1).
    if ! command -v patch >/dev/null 2>&1; then
      redfort_missing+=("patch")
      redfort_install="$redfort_install patch"
    fi
    ;;
esac
redfort_install="${redfort_install# }"
if [ -n "$redfort_install" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing ${redfort_missing[*]}: install them with: sudo apt-get install $redfort_install" >&2
    exit 2
  fi
  echo "installing $redfort_install (missing: ${redfort_missing[*]})"
  apt-get update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $redfort_install
  # The packages' post-install may start services on 6379/26379; redfort's tests and examples never use them.
  # Likewise Prometheus on 9090: the tests start their own on free ports.
  for service in redis-server redis-sentinel prometheus; do
    service "$service" stop >/dev/null 2>&1 || true
  done
  for pidfile in /run/redis/redis-server.pid /run/sentinel/redis-sentinel.pid; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
fi
