#!/usr/bin/env bash
# A lone publish beside its two floors, in the same run: each round measures
#  - the disk: FsyncBench, 300 B writes each followed by fdatasync, growing a file and over zeroed
#    space (what Baton's journal writes over);
#  - the transport: GrpcEchoBench, a plain gRPC-java unary call of 300 B between two processes,
#    nothing of Baton's on either side;
#  - Baton, a fresh standalone: LonePublishBench, one thread publishing one job per call through the
#    SDK, then the same client asking the queue's stats (a call that writes nothing).
# A lone publish cannot be faster than the transport's round trip plus the fsync.
# Figures: docs/BENCHMARKS.md, "One job at a time".
# Usage: bench/single/floors.sh [rounds] [seconds] [warm-up seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}; SECS=${2:-15}; WARM=${3:-10}
S=$(mktemp -d /tmp/baton-floors.XXXXXX)
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap 'stop; rm -rf "$S"' EXIT
bin/baton --help > /dev/null
mvn -q -pl deploy test-compile dependency:build-classpath -Dmdep.outputFile="$S/cp.txt" -Dmdep.includeScope=test
CP="deploy/target/test-classes:deploy/target/classes:$(cat "$S/cp.txt")"
for round in $(seq "$ROUNDS"); do
  echo "--- round $round"
  java -cp "$CP" io.baton.broker.bench.FsyncBench "$S" 5 300 append 2>&1 | grep "^fsync"
  java -cp "$CP" io.baton.broker.bench.FsyncBench "$S" 5 300 overwrite 2>&1 | grep "^fsync"
  java -cp "$CP" io.baton.deploy.bench.GrpcEchoBench server 17571 > /dev/null 2>&1 &
  SERVER=$!
  sleep 2
  java -cp "$CP" io.baton.deploy.bench.GrpcEchoBench client 17571 "$WARM" "$SECS" 2>&1 | grep "^echo"
  stop
  rm -rf "$S/baton"
  bin/baton standalone --data-dir "$S/baton" --grpc-port 17570 --http-port 18588 --metrics-port 19590 \
    --zookeeper-port 12581 > "$S/baton.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 120); do grep -q "standalone ready" "$S/baton.log" && break; sleep 1; done
  java -cp "$CP" io.baton.deploy.bench.LonePublishBench 127.0.0.1:17570 "$WARM" "$SECS" stats 2>&1 | grep "^lone"
  stop
done
