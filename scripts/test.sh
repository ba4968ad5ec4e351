#!/usr/bin/env bash
# Builds everything and runs every test: unit tests, then integration tests that start real
# JVMs (JDK 17 and JDK 25) with the built agent and make real sockets fail on loopback.
# JDK 25 is looked for in $JDK25_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64.
set -euo pipefail
cd "$(dirname "$0")/.."

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
export JDK25_HOME="$jdk25"
exec mvn -B verify "$@"
