#!/usr/bin/env bash
# Cluster mode beside standalone, in one run on this machine: `baton bench` (the same settings each
# time) against a fresh standalone, against a fresh `baton dev-cluster` (ZooKeeper, 3 bookies, 3
# brokers, a gateway: each a JVM of its own) writing batched ledger entries, and against one writing
# a record per entry (`--ledger-entry-bytes 0`, as brokers did before batching). In the batched
# cluster, BookieAppendBench then measures the raw append rate of the same bookies (one 256-byte
# entry per append, 8 ledgers, 1,000 in flight). The order of the three turns each round. Only one
# server runs at a time.
# The bench: its defaults (2 producers, 256-byte jobs, at most 20,000 waiting) with 8 workers over 8
# queues, so that the load spreads over the cluster's brokers. Beside each run's jobs/s: the CPU per
# job of each kind of process over the measured window (from /proc), and in cluster runs the ledger
# entries the brokers wrote per second and the records each carried.
# Usage: bench/cluster/run.sh [rounds] [seconds] [warm-up seconds] [queues]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}; SECS=${2:-30}; WARM=${3:-40}; QUEUES=${4:-8}
BATON=$PWD/bin/baton
S=$(mktemp -d /tmp/baton-cluster-bench.XXXXXX)
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi; }
trap 'stop; rm -rf "$S"' EXIT
"$BATON" --help > /dev/null # builds the distribution if needed, before anything is timed
mvn -q -o -pl broker test-compile dependency:build-classpath -Dmdep.outputFile="$S/cp.txt" -Dmdep.includeScope=test
CP="broker/target/test-classes:broker/target/classes:$(cat "$S/cp.txt")"

TICK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Sums of the brokers' ledger-entry counters (cluster runs; nothing for a standalone).
ledger() { { for m in $METRICS; do curl -s "$m"; done | grep -E '^baton_ledger_entry_records_(count|sum) ' || true; } \
  | awk '{a[$1] += $2} END {printf "%d %d", a["baton_ledger_entry_records_count"], a["baton_ledger_entry_records_sum"]}'; }

# One measured run of the bench against $1, named $2. PIDS holds "role:pid" of the server's JVMs:
# their CPU is read at the end of the warm-up and of the last second, as the bench prints them.
bench() {
  local json="" warmed measured line before="" after="" l0="0 0" l1="0 0"
  warmed=$(printf "warm-up %2ds" "$WARM"); measured=$(printf "t=%2ds" "$SECS")
  snapshot() { local rp; for rp in $PIDS; do printf '%s:%s ' "${rp%%:*}" "$(ticks "${rp#*:}")"; done; }
  while IFS= read -r line; do
    case "$line" in
      "$warmed"*) before=$(snapshot); l0=$(ledger) ;;
      "$measured"*) after=$(snapshot); l1=$(ledger) ;;
      "{"*) json=$line ;;
    esac
  done < <("$BATON" bench --target "$1" --queues "$QUEUES" --workers "$QUEUES" --warmup "$WARM" --duration "$SECS" --json 2>/dev/null)
  python3 - "$2" "$json" "$SECS" "$TICK" "$before" "$after" "$l0" "$l1" <<'PY'
import json, sys
name, j, secs, tick = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
jobs = max(j["jobs_per_sec"] * secs, 1)
def parse(s):
    out = {}
    for item in s.split():
        role, t = item.split(":")
        out[role] = out.get(role, 0) + int(t)
    return out
b, a = parse(sys.argv[5]), parse(sys.argv[6])
cpu = " ".join(f"{r}={(a[r] - b[r]) / tick * 1e6 / jobs:.1f}" for r in sorted(a) if r in b)
(c0, r0), (c1, r1) = map(int, sys.argv[7].split()), map(int, sys.argv[8].split())
entries = f" entries/s={(c1 - c0) / secs:.0f} records/entry={(r1 - r0) / max(c1 - c0, 1):.1f}" if c1 > c0 else ""
print(f'{name:16s} jobs/s={j["jobs_per_sec"]:6d} p50_ms={j["p50_ms"]} lost={j["lost"]} errors={j["errors"]}')
print(f'{"":16s} cpu_us_per_job: {cpu} bench={j.get("bench_cpu_us_per_job", 0)}{entries}')
PY
}

standalone() {
  rm -rf "$S/sa"
  "$BATON" standalone --data-dir "$S/sa" --grpc-port 17570 --http-port 18588 --metrics-port 19590 \
    --zookeeper-port 12581 > "$S/sa.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 120); do grep -q "standalone ready" "$S/sa.log" && break; sleep 1; done
  PIDS="standalone:$(pgrep -f "data-dir $S/sa" | while read -r p; do [ "$(cat /proc/"$p"/comm)" = java ] && echo "$p"; done | head -1)"
  METRICS=""
  bench 127.0.0.1:17570 standalone
  stop
}

cluster() { # entry bytes, name
  rm -rf "$S/dc"
  "$BATON" dev-cluster --base-dir "$S/dc" --http-port 0 --ledger-entry-bytes "$1" > "$S/dc.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 180); do grep -q "dev-cluster ready" "$S/dc.log" && break; sleep 1; done
  local targets zk
  targets=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join(p["grpc"] for p in d["processes"] if p["role"]=="broker"))' "$S/dc/cluster.json")
  zk=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["zookeeper"])' "$S/dc/cluster.json")
  PIDS=$(python3 -c 'import json,sys; print(" ".join(p["role"] + ":" + str(p["pid"]) for p in json.load(open(sys.argv[1]))["processes"]))' "$S/dc/cluster.json")
  METRICS=$(python3 -c 'import json,sys; print(" ".join(p["metrics"] for p in json.load(open(sys.argv[1]))["processes"] if p["role"]=="broker"))' "$S/dc/cluster.json")
  bench "$targets" "$2"
  if [ "$1" != 0 ]; then
    printf '%-16s %s\n' "raw-bookkeeper" "$(java -cp "$CP" io.baton.broker.bench.BookieAppendBench "$zk" "$SECS" 8 1000 256 2>/dev/null | grep "^appends")"
  fi
  stop
}

for r in $(seq "$ROUNDS"); do
  echo "round $r:"
  case $((r % 3)) in
    1) standalone; cluster 1048576 cluster-batched; cluster 0 cluster-single ;;
    2) cluster 1048576 cluster-batched; cluster 0 cluster-single; standalone ;;
    0) cluster 0 cluster-single; standalone; cluster 1048576 cluster-batched ;;
  esac
done
