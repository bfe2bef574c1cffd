#!/usr/bin/env bash
# Plain against 1% poison jobs (POISON_RATE; max 3 attempts, MAX_ATTEMPTS) inside the same two
# processes: one standalone and one `baton bench --turns` per series, whose producers send poison
# jobs in its B turns only (A B B A ...). Each series is followed by the same run without poison
# jobs (A against A: the method's own noise, on the same standalone), unless PLAIN=0.
# Figures: docs/BENCHMARKS.md, "Poison jobs, dead letters and the ledger".
# Usage: [PLAIN=0] [POISON_RATE=0.01] [MAX_ATTEMPTS=3] bench/grpc/poison-turns.sh [series] [pairs of turns] [seconds per turn] [warm-up seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
SERIES=${1:-1}; PAIRS=${2:-30}; TURN=${3:-4}; WARM=${4:-60}
BATON=${BATON:-$PWD/bin/baton}
# shellcheck source=standalone.sh
. bench/grpc/standalone.sh
start_standalone poison-turns
run() {
  "$BATON" bench --target 127.0.0.1:17070 --turns "$TURN" --duration $((2 * PAIRS * TURN)) --warmup "$WARM" \
    --broker-pid "$PID" --max-attempts "${MAX_ATTEMPTS:-3}" "$@" 2>/dev/null | grep '^turns:'
}
for s in $(seq "$SERIES"); do
  echo "series $s, poison in B: $(run --poison-rate "${POISON_RATE:-0.01}")"
  if [ "${PLAIN:-1}" != 0 ]; then echo "series $s, plain in B:  $(run)"; fi
done
