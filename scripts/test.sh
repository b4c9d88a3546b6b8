#!/usr/bin/env bash
# Runs every Parley test. Installs what the tests need that Maven cannot fetch (Debian
# packages), then runs the Maven build; services the tests use are started by the tests
# themselves on 127.0.0.1 and stopped when they finish.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v java >/dev/null || need_pkgs+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need_pkgs+=(maven)
# Redis for the scale-out presence tests (Kafka and Cassandra come from Maven Central).
command -v redis-server >/dev/null || [[ -x /usr/bin/redis-server ]] || need_pkgs+=(redis-server)
# Debian's Chromium and its driver for the web client's browser tests (parley-web-it); nothing is
# downloaded by Selenium. Without them those tests skip locally and fail in CI (CI=true).
[[ -x /usr/bin/chromium ]] || need_pkgs+=(chromium)
[[ -x /usr/bin/chromedriver ]] || need_pkgs+=(chromium-driver)

if ((${#need_pkgs[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "test.sh: installing ${need_pkgs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    echo "test.sh: missing packages; run: sudo apt-get install -y ${need_pkgs[*]}" >&2
    exit 1
  fi
fi

echo "test.sh: $(java -version 2>&1 | head -1); $(mvn -v 2>/dev/null | head -1)"
exec mvn -B -ntp ${MAVEN_ARGS:-} verify "$@"
