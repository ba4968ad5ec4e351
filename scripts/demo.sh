#!/usr/bin/env bash
# Runs the demo under the agent: every scenario makes a real socket fail on loopback, and
# Socket Doctor's stderr lines name the errno behind each one.
#   scripts/demo.sh                      all scenarios
#   scripts/demo.sh reset-during-read    only some (scripts/demo.sh --list shows them)
# Extra agent options: SOCKETDOCTOR_OPTS="events=/tmp/events.jsonl" scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

agent=agent/target/socket-doctor-agent.jar
demo=demo-app/target/socket-doctor-demo.jar
newest_source=$(find pom.xml agent/pom.xml agent/src demo-app/pom.xml demo-app/src -type f -newer "$agent" 2>/dev/null | head -n 1 || true)
if [[ ! -f "$agent" || ! -f "$demo" || -n "$newest_source" ]]; then
  echo "Building the agent and the demo (mvn package)..." >&2
  mvn -q -B -DskipTests -pl agent,demo-app -am package
fi

# A low open-file limit lets the too-many-open-files scenario reach EMFILE quickly and safely.
ulimit -n 256
# Short idle and CLOSE_WAIT thresholds, so the history scenarios show them within seconds
# (the defaults, 30 s, suit services); options given in SOCKETDOCTOR_OPTS come later and win.
options="idle.after=1s,closewait.after=1s${SOCKETDOCTOR_OPTS:+,$SOCKETDOCTOR_OPTS}"
exec java -javaagent:"$agent=$options" -jar "$demo" "$@"
