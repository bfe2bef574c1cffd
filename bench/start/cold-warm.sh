#!/usr/bin/env bash
# A start's first 20 seconds of load against the warm rate of the same standalone. Each round
# starts a fresh `baton standalone` (with bin/baton's class-data archive), runs `baton bench` for
# 20 s with no warm-up as soon as it is ready (jobs/s of each second), then measures the warm rate
# on the same standalone (40 s of warm-up, 20 s measured). The load generator starts cold too, as
# it does when a fleet's workers start with their broker.
# Figures: docs/BENCHMARKS.md, "Time to full speed after a start".
# Usage: bench/start/cold-warm.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
BATON=$PWD/bin/baton
"$BATON" --version > /dev/null   # records the archive first if this build has none
for r in $(seq "$ROUNDS"); do
  S=$(mktemp -d /tmp/baton-cold-warm.XXXXXX)
  t0=$(date +%s%N)
  "$BATON" standalone --data-dir "$S/data" --grpc-port 17070 --http-port 18888 --metrics-port 19090 \
    --zookeeper-port 12181 > "$S/log" 2>&1 &
  P=$!
  trap 'kill $P 2>/dev/null || true; wait $P 2>/dev/null || true; rm -rf "$S"' EXIT
  for _ in $(seq 3000); do grep -q "standalone ready" "$S/log" && break; sleep 0.05; done
  ready=$(( ($(date +%s%N) - t0) / 1000000 ))
  cold=$("$BATON" bench --target 127.0.0.1:17070 --duration 20 --warmup 0 2>/dev/null \
    | sed -n 's/^t=.*jobs\/s=\([0-9]*\).*/\1/p' | tr '\n' ' ')
  warm=$("$BATON" bench --target 127.0.0.1:17070 --duration 20 --warmup 40 --json 2>/dev/null \
    | sed -n 's/.*"jobs_per_sec":\([0-9]*\).*/\1/p')
  echo "round $r: ready after ${ready} ms; warm rate $warm jobs/s; the first 20 s of load, jobs/s by second: $cold"
  kill $P; wait $P 2>/dev/null || true; rm -rf "$S"
  trap - EXIT
done
