#!/usr/bin/env bash
# A lone publish through the SDK (LonePublishBench: one thread, one job per call, nothing else
# running) against a fresh standalone of two builds in turns, rounds alternating which goes first,
# with the broker's CPU per call (from /proc, user + system, the JIT's threads included).
# Usage: BATON_A=<another clone>/bin/baton bench/single/lone-builds.sh [rounds] [seconds] [warm-up seconds]
# B is this clone's build; the load generator is this clone's.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BATON_A:?BATON_A=<another clone>/bin/baton}"
ROUNDS=${1:-4}; SECS=${2:-15}; WARM=${3:-10}
S=$(mktemp -d /tmp/baton-lone-builds.XXXXXX)
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap 'stop; rm -rf "$S"' EXIT
"$BATON_A" --help > /dev/null
bin/baton --help > /dev/null
mvn -q -pl deploy test-compile dependency:build-classpath -Dmdep.outputFile="$S/cp.txt" -Dmdep.includeScope=test
CP="deploy/target/test-classes:deploy/target/classes:$(cat "$S/cp.txt")"
lone() { java -cp "$CP" io.baton.deploy.bench.LonePublishBench 127.0.0.1:17570 "$@" 2>&1 | grep "^lone" || true; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # $1: bin/baton, $2: label
  rm -rf "$S/data"
  "$1" standalone --data-dir "$S/data" --grpc-port 17570 --http-port 18588 --metrics-port 19590 \
    --zookeeper-port 12581 > "$S/baton.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 120); do grep -q "standalone ready" "$S/baton.log" && break; sleep 1; done
  local java; java=$(pgrep -f "java.*standalone.*$S/data")
  lone "$WARM" 1 > /dev/null
  local t0 out t1 calls
  t0=$(cpu_ticks "$java")
  out=$(lone 0 "$SECS")
  t1=$(cpu_ticks "$java")
  calls=$(echo "$out" | sed 's/.*; \([0-9]*\) calls\/s.*/\1/')
  echo "$2 $out; broker CPU per call $(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / (calls * SECS) )) us"
  stop
}
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then run "$BATON_A" other; run bin/baton this
  else run bin/baton this; run "$BATON_A" other; fi
done
