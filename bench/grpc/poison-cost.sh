#!/usr/bin/env bash
# What poison jobs cost a broker: one standalone, `baton bench` loads in turn (plain; 1% poison
# jobs dead-lettered after 1 attempt; after 3), each line the broker's CPU per handled job (from
# /proc) and, per 1,000 handled jobs, the broker's counters that moved while measuring (appends,
# fsyncs, releases, settles, ...).
# Figures: docs/BENCHMARKS.md, "Poison jobs, dead letters and the ledger".
# Usage: bench/grpc/poison-cost.sh [rounds] [seconds] [warm-up seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}; SECS=${2:-15}; WARM=${3:-40}
BATON=$PWD/bin/baton
TICK=$(getconf CLK_TCK)
# shellcheck source=standalone.sh
. bench/grpc/standalone.sh
start_standalone poison-cost
scrape() {
  curl -s 127.0.0.1:19090/metrics | grep -v '_bucket' \
    | grep -E '^baton_(work|log_append|log_fsync|attempts_ended|messages_claimed)[a-z_]*(_total|_count)?(\{[^}]*\})? ' || true
}
run() {
  local name=$1 start=0 end=0 json="" warmed measured
  shift
  warmed=$(printf "warm-up %2ds" "$WARM"); measured=$(printf "t=%2ds" "$SECS")
  while IFS= read -r line; do
    case "$line" in
      "$warmed"*) start=$(awk '{print $14 + $15}' "/proc/$PID/stat"); scrape > "$S/before" ;;
      "$measured"*) end=$(awk '{print $14 + $15}' "/proc/$PID/stat"); scrape > "$S/after" ;;
      "{"*) json=$line ;;
    esac
  done < <("$BATON" bench --target 127.0.0.1:17070 --duration "$SECS" --warmup "$WARM" --json "$@" 2>/dev/null)
  python3 - "$name" "$start" "$end" "$TICK" "$SECS" "$json" "$S/before" "$S/after" <<'PY'
import json, sys
name, start, end, tick, secs = sys.argv[1], *map(int, sys.argv[2:6])
j = json.loads(sys.argv[6])
jobs = max(j["jobs_per_sec"] * secs, 1)
def load(path):
    out = {}
    for line in open(path):
        key, value = line.rsplit(' ', 1)
        out[key] = float(value)
    return out
before, after = load(sys.argv[7]), load(sys.argv[8])
print(f'{name:6s} jobs/s={j["jobs_per_sec"]:6d} broker_cpu_us_per_job={(end - start) / tick * 1e6 / jobs:5.2f} '
      f'bench_cpu_us_per_job={j.get("bench_cpu_us_per_job", 0):5.2f} lost={j["lost"]}')
for key in sorted(after):
    moved = after[key] - before.get(key, 0)
    if moved > 0 and not key.endswith(('_sum', '_max')):
        print(f'    {key:70s} {moved / jobs * 1000:9.2f} per 1,000 jobs')
PY
}
for _ in $(seq "$ROUNDS"); do
  run plain
  run max1 --poison-rate 0.01 --max-attempts 1
  run max3 --poison-rate 0.01 --max-attempts 3
done
