#!/usr/bin/env bash
# Streaming workers beside their nearest peer, in one run: `baton bench` against a fresh standalone,
# then the same load shape against beanstalkd (BeanstalkBench: producers put 256 B jobs, workers
# reserve and delete them, latency from a timestamp in the body), first with an fsync per write
# (`-b DIR -f 0`, its durable mode), then in memory. Each side: jobs/s unthrottled, then
# publish->handler latency at RATE jobs/s. Only one server runs at a time.
# Usage: bench/grpc/beanstalkd.sh [seconds] [warm-up seconds] [rate]     (apt-get install beanstalkd)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-30}; WARM=${2:-60}; RATE=${3:-2000}
command -v beanstalkd > /dev/null || { echo "needs beanstalkd: apt-get install beanstalkd" >&2; exit 1; }
BATON=$PWD/bin/baton
S=$(mktemp -d /tmp/baton-beanstalkd-bench.XXXXXX)
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap 'stop; rm -rf "$S"' EXIT
"$BATON" --help > /dev/null # builds the distribution if needed, before anything is timed
mvn -q -pl deploy test-compile dependency:build-classpath -Dmdep.outputFile="$S/cp.txt" -Dmdep.includeScope=test
CP="deploy/target/test-classes:deploy/target/classes:$(cat "$S/cp.txt")"

"$BATON" standalone --data-dir "$S/baton" --grpc-port 17470 --http-port 18488 --metrics-port 19490 \
  --zookeeper-port 12481 > "$S/baton.log" 2>&1 &
SERVER=$!
for _ in $(seq 120); do grep -q "standalone ready" "$S/baton.log" && break; sleep 1; done
baton() { "$BATON" bench --target 127.0.0.1:17470 --warmup "$WARM" --duration "$SECS" "$@" | grep "^summary"; }
echo "baton, unthrottled:";        baton
echo "baton, $RATE jobs/s:";       baton --rate "$RATE"
stop

beanstalk() { # port, then BeanstalkBench's producers workers size seconds rate
  java -cp "$CP" io.baton.deploy.bench.BeanstalkBench "$@" | grep "^beanstalkd"
}
for mode in fsync memory; do
  if [ $mode = fsync ]; then mkdir -p "$S/bs"; beanstalkd -l 127.0.0.1 -p 11390 -b "$S/bs" -f 0 & else beanstalkd -l 127.0.0.1 -p 11390 & fi
  SERVER=$!
  sleep 1
  beanstalk 11390 2 4 256 10 0 > /dev/null # the client's JIT warm-up
  echo "beanstalkd ($mode), unthrottled:"; beanstalk 11390 2 4 256 "$SECS" 0
  echo "beanstalkd ($mode), $RATE jobs/s:"; beanstalk 11390 2 4 256 "$SECS" "$RATE"
  stop
done
