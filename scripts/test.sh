#!/usr/bin/env bash
# Builds everything and runs every test: unit tests, then integration tests that start real
# JVMs (JDK 17 and JDK 25) with the built agent and make real sockets fail on loopback.
# JDK 25 is looked for in $JDK25_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64.
#
# Sets up what the tests need first, on Debian: JDK 17, Maven, iproute2 (DatagramIT makes its own
# network namespace with `ip netns`) and the prometheus package (MetricsIT scrapes the agent with a
# real Prometheus on loopback and lints the exposition with promtool; the alert rules are checked
# and their promtool tests run here). Run as root, it installs whichever is missing with apt-get;
# run as another user, it names the packages and the command in one line and exits 2 before Maven
# starts. .ci/run is this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package that provides it
missing_packages=()
need() {
  command -v "$1" >/dev/null 2>&1 || missing_packages+=("$2")
}
need java openjdk-17-jdk-headless
need mvn maven
need ip iproute2
need prometheus prometheus
need promtool prometheus
if [[ ${#missing_packages[@]} -gt 0 ]]; then
  packages=$(printf '%s\n' "${missing_packages[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//')
  if [[ $(id -u) -eq 0 ]]; then
    echo "test.sh: installing the Debian packages the tests need: $packages" >&2
    apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  else
    echo "test.sh: the tests need the Debian package(s) $packages; install them as root with: apt-get update && apt-get install -y --no-install-recommends $packages" >&2
    exit 2
  fi
fi

# JDK 25 (Temurin) comes with this kind of machine; it is not a Debian package.
jdk25=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [[ ! -x "$jdk25/bin/java" ]]; then
  echo "test.sh: JDK 25 not found at $jdk25; set JDK25_HOME to a JDK 25 installation." >&2
  exit 2
fi
java_feature=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [[ "$java_feature" != "17" ]]; then
  echo "test.sh: 'java' is Java $java_feature; run Maven with JDK 17 (the oldest supported JDK)." >&2
  exit 2
fi
java -version 2>&1 | head -n 1
"$jdk25/bin/java" -version 2>&1 | head -n 1

# The alert rules docs/metrics.md documents must load in the Prometheus the tests use, and each
# must fire when it should and stay quiet otherwise (its cases in prometheus-alerts.test.yml).
promtool check rules scripts/prometheus-alerts.yml
promtool test rules scripts/prometheus-alerts.test.yml

export JDK25_HOME="$jdk25"
exec mvn -B verify "$@"
