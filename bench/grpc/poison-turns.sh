#!/usr/bin/env bash
# Plain against 1% poison jobs (POISON_RATE; max 3 attempts, MAX_ATTEMPTS) inside the same two
# processes: one standalone and one `baton bench --turns` per series, whose producers send poison
# jobs in its B turns only (A B B A ...). Each series is followed by the same run without poison
# jobs (A against A: the method's own noise, on the same standalone), unless PLAIN=0.
# BENCH_ARGS: more `baton bench` options (e.g. --queue NAME, which fixes the queues' slots).
# TURNS=FILE: appends each turn's line (kind, jobs/s) to FILE, to compare parts of a series.
# COUNTERS=1: reads the broker's work and log counters, both processes' read and write system calls
# and the broker's bytes to disk (from /proc) at the end of each turn and prints, by kind of turn,
# how many requests, pushes, claim batches, appends, fsyncs, system calls and bytes there were per ack.
# Figures: docs/BENCHMARKS.md, "Poison jobs, dead letters and the ledger".
# Usage: [PLAIN=0] [POISON_RATE=0.01] [MAX_ATTEMPTS=3] bench/grpc/poison-turns.sh [series] [pairs of turns] [seconds per turn] [warm-up seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
SERIES=${1:-1}; PAIRS=${2:-30}; TURN=${3:-4}; WARM=${4:-60}
BATON=${BATON:-$PWD/bin/baton}
# shellcheck source=standalone.sh
. bench/grpc/standalone.sh
start_standalone poison-turns
scrape() {
  curl -s 127.0.0.1:19090/metrics | grep -v '_bucket' \
    | grep -E '^baton_(work_(acks|ack_batches|settles|claim_batches|jobs_pushed)_total|log_(append|fsync)_seconds_count)(\{[^}]*\})? ' || true
  proc_counters broker "$PID"
  # Looked up once per run (scrape runs in the loop that reads the run's turns).
  BENCH_PID=${BENCH_PID:-$(java_matching 'baton.* bench --target')}
  proc_counters bench "$BENCH_PID"
}
# A process's read and write system calls (read/write/readv/writev, as /proc/PID/io counts them) and
# the bytes it sent to the storage layer (write_bytes: pages it dirtied), as counter lines.
proc_counters() {
  [ -n "$2" ] && [ -r "/proc/$2/io" ] || return 0
  awk -v who="$1" '/^syscr/ { print "proc_" who "_syscr " $2 } /^syscw/ { print "proc_" who "_syscw " $2 }
                   /^write_bytes/ { print "proc_" who "_disk " $2 }' "/proc/$2/io"
}
# Per kind of turn, the counters' growth over each turn (from the end of the one before) per ack.
per_ack() {
  awk '/^== / { if (kind != "") for (k in now) { if (k in last) grow[kind, k] += now[k] - last[k] }
                for (k in now) last[k] = now[k]; delete now; kind = $4; next }
       { name = $1; sub(/\{.*/, "", name); now[name] += $2 }
       END { if (kind != "") for (k in now) if (k in last) grow[kind, k] += now[k] - last[k]
             split("A B", kinds, " ")
             for (i = 1; i <= 2; i++) { K = kinds[i]; a = grow[K, "baton_work_acks_total"]; if (a == 0) continue
               printf "counters in %s turns, per ack: requests %.4f (ack batches %.4f, settles %.4f), pushes %.4f, claim batches %.4f, appends %.4f, fsyncs %.5f\n",
                 K, (grow[K, "baton_work_ack_batches_total"] + grow[K, "baton_work_settles_total"]) / a,
                 grow[K, "baton_work_ack_batches_total"] / a, grow[K, "baton_work_settles_total"] / a,
                 grow[K, "baton_work_jobs_pushed_total"] / a,
                 grow[K, "baton_work_claim_batches_total"] / a, grow[K, "baton_log_append_seconds_count"] / a,
                 grow[K, "baton_log_fsync_seconds_count"] / a
               printf "  system calls in %s turns, per ack: broker reads %.3f, writes %.3f; load generator reads %.3f, writes %.3f; bytes the broker sent to its disk per ack: %.0f\n",
                 K, grow[K, "proc_broker_syscr"] / a, grow[K, "proc_broker_syscw"] / a,
                 grow[K, "proc_bench_syscr"] / a, grow[K, "proc_bench_syscw"] / a, grow[K, "proc_broker_disk"] / a } }' "$1"
}
run() {
  : > "$S/counters"
  BENCH_PID=
  # BENCH_ARGS is split into words on purpose: several options.
  # shellcheck disable=SC2086
  "$BATON" bench --target 127.0.0.1:17070 --turns "$TURN" --duration $((2 * PAIRS * TURN)) --warmup "$WARM" \
    --broker-pid "$PID" --max-attempts "${MAX_ATTEMPTS:-3}" "$@" ${BENCH_ARGS:-} 2>/dev/null | while IFS= read -r line; do
      case "$line" in
        "turn "*)
          if [ -n "${TURNS:-}" ]; then echo "$line" >> "$TURNS"; fi
          if [ "${COUNTERS:-0}" = 1 ]; then echo "== $line" >> "$S/counters"; scrape >> "$S/counters"; fi ;;
        "turns:"*) echo "$line" ;;
      esac
    done
  if [ "${COUNTERS:-0}" = 1 ]; then per_ack "$S/counters"; fi
}
for s in $(seq "$SERIES"); do
  echo "series $s, poison in B: $(run --poison-rate "${POISON_RATE:-0.01}")"
  if [ "${PLAIN:-1}" != 0 ]; then echo "series $s, plain in B:  $(run)"; fi
done
