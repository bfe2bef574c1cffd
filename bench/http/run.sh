#!/usr/bin/env bash
# HTTP benchmarks of the v1 gateway on a fresh standalone (durable writes), with wrk from Debian
# (apt-get install wrk). Usage: [DELAY_MS=3] [PACED_CONNS=64] bench/http/run.sh [seconds] [connections]
# Figures and the machine they were taken on: docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-15}
CONNS=${2:-64}
PORT=${PORT:-18888}
DATA=$(mktemp -d /tmp/baton-bench.XXXXXX)
LOG="$DATA.log"
# A heap large enough for the backlog the POST run leaves behind, touched up front.
BATON_JAVA_OPTS="${BATON_JAVA_OPTS:--Xms6g -Xmx6g -XX:+AlwaysPreTouch}" ../../bin/baton standalone \
  --data-dir "$DATA" --grpc-port 0 --http-port "$PORT" --metrics-port 0 > "$LOG" 2>&1 &
PID=$!
# The JVM exits with 143 on SIGTERM: under set -e a bare wait would end the trap before the clean-up.
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; rm -rf "$DATA" "$LOG"' EXIT
for _ in $(seq 120); do grep -q "standalone ready" "$LOG" && break; sleep 0.5; done
URL=http://127.0.0.1:$PORT
for i in $(seq 0 15); do curl -sf -o /dev/null -X PUT -H "X-Project-Id: bench" "$URL/v1/queues/bench-$i"; done
run() { echo "== $1 ($CONNS connections, ${SECS}s)"; wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$2" "$URL" | grep -E "Requests/sec|50%|99%|claims"; }
wrk -t2 -c"$CONNS" -d"${SECS}s" -s post10.lua "$URL" > /dev/null   # JIT warm-up
run "(a) POST 10 x 256 B" post10.lua
run "(b) claim 10 + delete each" claim-delete.lua
run "(c) GET stats" stats.lua
# (a) again, each connection pausing DELAY_MS between requests: a rate well below saturation
# (docs/BENCHMARKS.md, "HTTP gateway", gives the rate this reached), where the target asks for
# p99 under 20 ms; the latency at saturation says little about a loaded but healthy gateway.
# 64 connections whatever the unpaced runs used, so the rate stays near half the target.
export BENCH_DIR="$PWD" DELAY_MS="${DELAY_MS:-3}"
CONNS=${PACED_CONNS:-64}
run "(d) POST 10 x 256 B, paced (${DELAY_MS} ms between requests)" post10-paced.lua
