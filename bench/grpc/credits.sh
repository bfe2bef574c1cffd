#!/usr/bin/env bash
# How many jobs each worker may hold (`baton bench --max-outstanding`, the credits it gives the
# broker) against the jobs/s, latency and CPU they buy: one standalone for the whole run, a fresh
# `baton bench` per setting, the settings in ABBA order (listed, then reversed) so the host's drift
# falls on all alike. For each run: jobs/s, p50/p99 ms, and the machine's idle and iowait CPU
# (vmstat) while it measured. Chooses `baton bench`'s default: docs/BENCHMARKS.md, "Credits".
# Usage: [SETTINGS="32 64 128 256"] bench/grpc/credits.sh [rounds] [seconds] [warm-up seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-1}; SECS=${2:-20}; WARM=${3:-30}
read -r -a SETTINGS <<< "${SETTINGS:-32 64 128 256}"
BATON=${BATON:-$PWD/bin/baton}
# shellcheck source=standalone.sh
. bench/grpc/standalone.sh
start_standalone credits
"$BATON" bench --target 127.0.0.1:17070 --duration 20 --warmup 40 > /dev/null # the broker's JIT warm-up
run() {
  local vm="$S/vmstat"
  # vmstat's samples, one a second, over about the measured part: timed from the load generator's
  # launch, so they start and end the second or two its JVM takes to start early.
  (sleep "$WARM"; vmstat 1 "$SECS" > "$vm") &
  local sampler=$!
  local line
  line=$("$BATON" bench --target 127.0.0.1:17070 --duration "$SECS" --warmup "$WARM" --max-outstanding "$1" --json | tail -1)
  wait "$sampler" || true
  # vmstat's columns: id (idle) is 15, wa (iowait) 16; its first sample is the average since boot.
  local cpu
  cpu=$(awk 'NR > 3 { id += $15; wa += $16; n++ } END { if (n) printf "idle %.0f%% iowait %.0f%%", id / n, wa / n }' "$vm")
  echo "$1 $line $cpu" | sed -E 's/"([a-z_0-9]+)": ?/\1=/g; s/[{},]/ /g; s/ +/ /g'
}
REVERSED=(); for ((i = ${#SETTINGS[@]} - 1; i >= 0; i--)); do REVERSED+=("${SETTINGS[i]}"); done
for r in $(seq "$ROUNDS"); do
  for m in "${SETTINGS[@]}" "${REVERSED[@]}"; do echo "round $r max-outstanding $(run "$m")"; done
done
