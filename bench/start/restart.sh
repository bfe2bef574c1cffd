#!/usr/bin/env bash
# A standalone restarted under a running load, as in a restart or a rolling upgrade: the fleet
# (`baton bench`: producers and workers) stays up and warm, the broker process is stopped
# (SIGTERM) and started again on the same data directory and ports. Prints the warm rate of the
# 10 s before the stop, then jobs/s by second after the new process started, with the fraction
# of the warm rate.
# Figures: docs/BENCHMARKS.md, "Time to full speed after a start".
# Usage: [BATON=<bin/baton of another build>] bench/start/restart.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}
BATON=${BATON:-$PWD/bin/baton}
"$BATON" --version > /dev/null   # records the archive first if this build has none
for r in $(seq "$ROUNDS"); do
  S=$(mktemp -d /tmp/baton-restart.XXXXXX)
  start() {
    t0=$(date +%s%N)
    "$BATON" standalone --data-dir "$S/data" --grpc-port 17070 --http-port 18888 --metrics-port 19090 \
      --zookeeper-port 12181 > "$S/log.$1" 2>&1 &
    P=$!
    for _ in $(seq 3000); do grep -q "standalone ready" "$S/log.$1" && break; sleep 0.05; done
    ready=$(( ($(date +%s%N) - t0) / 1000000 ))
  }
  start 1
  trap 'kill $P 2>/dev/null || true; wait $P 2>/dev/null || true; rm -rf "$S"' EXIT
  # Each line of the bench, stamped with the time it was printed.
  ("$BATON" bench --target 127.0.0.1:17070 --duration 70 --warmup 40 2>&1 \
    | while IFS= read -r l; do echo "$(date +%s%N) $l"; done > "$S/bench") &
  B=$!
  until grep -q " t=10s" "$S/bench" 2>/dev/null; do sleep 0.2; done
  kill -TERM $P; wait $P 2>/dev/null || true
  start 2
  restarted=$t0
  wait $B
  echo "round $r: the new process ready after ${ready} ms"
  python3 - "$S/bench" "$restarted" <<'PY'
import re, sys
t0 = int(sys.argv[2])
before, after = [], []
for line in open(sys.argv[1]).read().splitlines():
    stamp, rest = line.split(' ', 1)
    m = re.search(r't=\s*(\d+)s .*jobs/s=(\d+)', rest)
    if m:
        (before if int(stamp) < t0 else after).append((int(stamp), int(m.group(2))))
warm = sum(j for _, j in before[:10]) / max(1, len(before[:10]))
print(f"  warm rate (10 s before the stop) {warm:.0f} jobs/s; after the new process started, second: jobs/s (of warm):")
print('  ' + ' '.join(f"{(s - t0) / 1e9:.0f}: {j} ({j / warm:.2f})" for s, j in after[:25]))
PY
  kill $P 2>/dev/null || true; wait $P 2>/dev/null || true; rm -rf "$S"
  trap - EXIT
done
