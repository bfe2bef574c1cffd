#!/usr/bin/env bash
# One job at a time, beside its floor and its peer, in one run: each round measures
#  - the disk's floor: FsyncBench, 300 B writes each followed by fdatasync, growing a file and over
#    zeroed space (what Baton's journal does now);
#  - Baton: a fresh standalone; `baton bench --one-at-a-time` (2 producers, each publishing one job
#    per call and waiting for its acknowledgement; 2 streaming workers), then a lone publish through
#    the SDK (LonePublishBench: one thread, nothing else running) and a lone call that writes
#    nothing (the queue's stats: the transport's own round trip), then a lone REST POST of one
#    message (wrk, 1 connection) and two at once (2 connections);
#  - Redis with `appendonly yes, appendfsync always` (its durable mode): RedisBench, 2 producers
#    LPUSH one job per call, 2 workers BLMOVE + LREM (a job survives its worker's crash), then
#    BRPOP (it does not).
# Only one server runs at a time; rounds alternate which goes first. Data directories are under
# /tmp (the same disk as the fsync probe). With BATON_A=<another clone>/bin/baton, each round
# measures that build's standalone too, the two builds in turns (the load generators are this
# clone's).
# Usage: [BATON_A=...] bench/single/run.sh [rounds] [seconds] [warm-up seconds]   (apt-get install redis-server wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}; SECS=${2:-20}; WARM=${3:-20}
for tool in redis-server wrk; do
  command -v $tool > /dev/null || { echo "needs $tool: apt-get install redis-server wrk" >&2; exit 1; }
done
BATON=$PWD/bin/baton
S=$(mktemp -d /tmp/baton-single-bench.XXXXXX)
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap 'stop; rm -rf "$S"' EXIT
# Builds the distributions if needed, before anything is timed; this clone's last, so that its
# modules are the ones in ~/.m2 when the load generators below are compiled.
if [ -n "${BATON_A:-}" ]; then "$BATON_A" --help > /dev/null; fi
"$BATON" --help > /dev/null
mvn -q -pl deploy test-compile dependency:build-classpath -Dmdep.outputFile="$S/cp.txt" -Dmdep.includeScope=test
CP="deploy/target/test-classes:deploy/target/classes:$(cat "$S/cp.txt")"
bench() { java -cp "$CP" "$@" 2>&1 | grep -E "^(fsync|redis)"; }

floor() {
  bench io.baton.broker.bench.FsyncBench "$S" 5 300 append
  bench io.baton.broker.bench.FsyncBench "$S" 5 300 overwrite
}

baton() { # the bin/baton whose standalone is measured
  rm -rf "$S/baton"
  echo "--- $1"
  "$1" standalone --data-dir "$S/baton" --grpc-port 17570 --http-port 18588 --metrics-port 19590 \
    --zookeeper-port 12581 > "$S/baton.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 120); do grep -q "standalone ready" "$S/baton.log" && break; sleep 1; done
  echo "baton, gRPC, 2 producers one job per call, 2 workers:"
  "$BATON" bench --target 127.0.0.1:17570 --one-at-a-time --producers 2 --workers 2 --warmup "$WARM" \
    --duration "$SECS" | grep -E "^(summary|publish)"
  java -cp "$CP" io.baton.deploy.bench.LonePublishBench 127.0.0.1:17570 "$((WARM / 2))" "$SECS" stats 2>&1 | grep "^lone"
  local url=http://127.0.0.1:18588
  curl -sf -o /dev/null -X PUT -H "X-Project-Id: bench" "$url/v1/queues/bench-0"
  for conns in 1 2; do
    MESSAGES=1 QUEUES=1 wrk -t"$conns" -c"$conns" -d"${WARM}s" -s bench/http/post10.lua "$url" > /dev/null # JIT warm-up
    echo "baton, REST, POST of one message, $conns connection(s):"
    MESSAGES=1 QUEUES=1 wrk -t"$conns" -c"$conns" -d"${SECS}s" --latency -s bench/http/post10.lua "$url" \
      | grep -E "Requests/sec|50%|99%" | tr -s ' ' | tr '\n' ' '
    echo
  done
  stop
}

redis() {
  rm -rf "$S/redis"; mkdir -p "$S/redis"
  redis-server --port 16390 --bind 127.0.0.1 --dir "$S/redis" --appendonly yes --appendfsync always --save "" \
    > "$S/redis.log" 2>&1 &
  SERVER=$!
  sleep 1
  bench io.baton.deploy.bench.RedisBench 16390 2 2 256 "$SECS" "$WARM" reliable
  bench io.baton.deploy.bench.RedisBench 16390 2 2 256 "$SECS" "$WARM" pop
  stop
}

batons() { # this build, and the other one in turns when BATON_A is set
  if [ -z "${BATON_A:-}" ]; then baton "$BATON"
  elif [ $((round % 2)) = 1 ]; then baton "$BATON_A"; baton "$BATON"
  else baton "$BATON"; baton "$BATON_A"; fi
}
for round in $(seq "$ROUNDS"); do
  echo "=== round $round"
  floor
  if [ $((round % 2)) = 1 ]; then batons; redis; else redis; batons; fi
  floor
done
