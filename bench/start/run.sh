#!/usr/bin/env bash
# Time to full speed after a start, with and without the class-data archive bin/baton records.
# Each round starts two fresh `baton standalone`s at once (new data folders, their own ports), one
# with BATON_CDS=0, and times each until it prints that it is ready (wall clock, and the CPU its
# JVM spent by then); then `baton bench` against each, both at once, 20 s with no warm-up, launched
# the same way as its standalone. At once, both see the same machine: its speed here drifts by 2x
# within minutes. Compare the first 10 s: the bench without the archive starts later and so ends
# later, alone on the machine for its last seconds, which inflates its 20 s total.
# Figures: docs/BENCHMARKS.md, "Time to full speed after a start".
# Usage: bench/start/run.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
BATON=$PWD/bin/baton
S=$(mktemp -d /tmp/baton-start-bench.XXXXXX)
TICK=$(getconf CLK_TCK)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$S" 2>/dev/null || true' EXIT
"$BATON" --version > /dev/null   # records the archive first if this build has none

# start CDS OFFSET: a standalone on ports 17070+OFFSET etc.; prints its pid.
start() {
  rm -rf "$S/data-$1"; : > "$S/log-$1"
  BATON_CDS=$1 "$BATON" standalone --data-dir "$S/data-$1" --grpc-port $((17070 + $2)) --http-port $((18888 + $2)) \
    --metrics-port $((19090 + $2)) --zookeeper-port $((12181 + $2)) >> "$S/log-$1" 2>&1 &
  echo $!
}
# The bench's per-second lines ("t= 1s ... jobs/s=N ..."): each second's jobs/s, and their sum.
bench() {
  BATON_CDS=$1 "$BATON" bench --target 127.0.0.1:$((17070 + $2)) --duration 20 --warmup 0 2>/dev/null \
    | sed -n 's/^t=.*jobs\/s=\([0-9]*\).*/\1/p' \
    | awk -v c="$1" '{s += $1; if (NR <= 10) f += $1; a = a " " $1} END {print "cds=" c " jobs=" s " first_10s=" f " by second:" a}' || true
}
for r in $(seq "$ROUNDS"); do
  t0=$(date +%s%N)
  p0=$(start 0 0); p1=$(start 1 100); PIDS=("$p0" "$p1")
  ready0=""; ready1=""; cpu0=""; cpu1=""
  for _ in $(seq 3000); do
    if [ -z "$ready0" ] && grep -q "standalone ready" "$S/log-0"; then
      ready0=$(( ($(date +%s%N) - t0) / 1000000 )); cpu0=$(awk -v t="$TICK" '{print ($14 + $15) * 1000 / t}' "/proc/$p0/stat")
    fi
    if [ -z "$ready1" ] && grep -q "standalone ready" "$S/log-1"; then
      ready1=$(( ($(date +%s%N) - t0) / 1000000 )); cpu1=$(awk -v t="$TICK" '{print ($14 + $15) * 1000 / t}' "/proc/$p1/stat")
    fi
    if [ -n "$ready0" ] && [ -n "$ready1" ]; then break; fi
    sleep 0.02
  done
  echo "round $r: ready after ms (CPU ms by then): cds=0 $ready0 ($cpu0), cds=1 $ready1 ($cpu1)"
  bench 0 0 > "$S/bench-0" & b0=$!
  bench 1 100 > "$S/bench-1" & b1=$!
  wait "$b0" "$b1"; cat "$S/bench-0" "$S/bench-1"
  kill "$p0" "$p1"; wait "$p0" "$p1" 2>/dev/null || true; PIDS=()
done
