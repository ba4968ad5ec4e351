#!/usr/bin/env bash
# The overhead benchmark: the same loopback workloads in fresh JVMs without the agent (A), with it
# (B: default options, C: events file + Prometheus endpoint) and with JFR's socket events at a
# 0 ms threshold (D), interleaved round by round, plus A again (A') for the noise floor.
# Prints a Markdown table and writes it to bench/target/bench-results/.
#   scripts/bench.sh                      full run on JDK 17 (about 8 minutes on 2 cores)
#   scripts/bench.sh --quick              smoke run (about 2 minutes; 3 rounds of short work)
#   scripts/bench.sh --jdk /usr/lib/jvm/temurin-25-jdk-amd64
#   scripts/bench.sh --groups zero,startup --rounds 7     (see --help for the rest)
# Builds what is missing. Do not run two at once, or anything heavy beside it: the machine's
# noise is in every figure (the A'/A column shows how much).
set -euo pipefail
cd "$(dirname "$0")/.."

agent=agent/target/socket-doctor-agent.jar
bench=bench/target/socket-doctor-bench.jar
newest_source=$(find pom.xml agent/pom.xml agent/src -type f -newer "$agent" 2>/dev/null | head -n 1 || true)
newest_bench=$(find bench/pom.xml bench/src/main -type f -newer "$bench" 2>/dev/null | head -n 1 || true)
if [[ ! -f "$agent" || ! -f "$bench" || -n "$newest_source" || -n "$newest_bench" ]]; then
  echo "Building the agent and the benchmark (mvn package)..." >&2
  mvn -q -B -DskipTests -pl agent,bench -am package
fi

java_feature=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [[ "$java_feature" -lt 17 ]]; then
  echo "bench.sh: 'java' is Java $java_feature; the benchmark driver needs 17 or later (use --jdk for the JDK under test)." >&2
  exit 2
fi

# The failure workloads keep 10 000 extra TCP sockets open (a busy host, for the agent's kernel-state
# look-up): raise the open-file limit as far as allowed, and hold fewer sockets if that is not enough.
hard=$(ulimit -Hn)
if [[ "$hard" == "unlimited" || "$hard" -gt 20000 ]]; then hard=20000; fi
ulimit -n "$hard" 2>/dev/null || true
hold=10000
if (( $(ulimit -n) < hold + 2000 )); then hold=$(( $(ulimit -n) - 2000 )); fi
if (( hold < 0 )); then hold=0; fi

commit=$(git log --oneline 2>/dev/null | head -n 1 || true)
if [[ -n "$commit" && -n "$(git status --porcelain -- agent 2>/dev/null)" ]]; then
  commit="$commit (+ uncommitted changes under agent/)"
fi

exec java -cp "$bench" io.socketdoctor.bench.Bench --agent "$agent" --bench-jar "$bench" \
  --out bench/target/bench-results --hold "$hold" --commit "${commit:-unknown}" "$@"
