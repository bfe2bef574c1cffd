#!/usr/bin/env bash
# Plain against 1% poison jobs (POISON_RATE; max 3 attempts, MAX_ATTEMPTS) inside the same two
# processes: one standalone and one `baton bench --turns` per series, whose producers send poison
# jobs in its B turns only (A B B A ...). Each series is followed by the same run without poison
# jobs (A against A: the method's own noise, on the same standalone), unless PLAIN=0.
# BENCH_ARGS: more `baton bench` options (e.g. --queue NAME, which fixes the queues' slots).
# TURNS=FILE: appends each turn's line (kind, jobs/s) to FILE, to compare parts of a series.
# COUNTERS=1: reads the broker's work and log counters, both processes' read and write system calls,
# the broker's bytes to disk, both processes' CPU (all of it, and their garbage collectors' and JIT
# compilers' threads) and their threads' context switches (from /proc) at the end of each turn and
# prints, by kind of turn, the journal's average fsync, append-to-durable time and records per group
# commit, how many requests, pushes, claim batches, appends, fsyncs, system calls,
# bytes, microseconds of CPU and context switches there were per ack, and each process's CPU per
# second in the B turns against the A turns.
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
    | grep -E '^baton_(work_(acks|ack_batches|settles|claim_batches|jobs_pushed)_total|log_(append|fsync)_seconds_(count|sum)|log_group_commit_records_(count|sum))(\{[^}]*\})? ' || true
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
  thread_counters "$1" "$2"
}
# A process's CPU in clock ticks (all of it, and its garbage collector's and JIT compilers' threads,
# by the names the JVM gives them) and its threads' context switches, as counter lines.
thread_counters() {
  awk -v who="$1" '{ rest = $0; sub(/^[^(]*\(/, "", rest); match(rest, /.*\) /)
         name = substr(rest, 1, RLENGTH - 2); split(substr(rest, RLENGTH + 1), f, " "); t = f[12] + f[13]
         if (FILENAME ~ /task/) { if (name ~ /^(GC Thread|G1 |VM Thread)/) gc += t; else if (name ~ /Compiler/) jit += t }
         else all += t }
       END { print "proc_" who "_cpu " all; print "proc_" who "_gc " gc + 0; print "proc_" who "_jit " jit + 0 }' \
    "/proc/$2/stat" /proc/"$2"/task/*/stat 2>/dev/null || true
  # Context switches (a thread put to sleep or preempted) by kind of thread, digits dropped from the names.
  awk -v who="$1" '/^Name:/ { name = $2; for (i = 3; i <= NF; i++) name = name "_" $i; gsub(/[0-9]+/, "N", name) }
       /^(voluntary|nonvoluntary)_ctxt_switches:/ { cs[name] += $2 }
       END { for (n in cs) print "proc_" who "_cs_" n " " cs[n] }' /proc/"$2"/task/*/status 2>/dev/null || true
}
# Per kind of turn, the counters' growth over each turn (from the end of the one before) per ack.
per_ack() {
  awk -v hz="$(getconf CLK_TCK)" '/^== / { if (kind != "") { for (k in now) { if (k in last) grow[kind, k] += now[k] - last[k] }
                  if (counted) turns[kind]++; counted = 1 }
                for (k in now) last[k] = now[k]; delete now; kind = $4; next }
       { name = $1; sub(/\{.*/, "", name); now[name] += $2 }
       function ratio(x, y) { return y > 0 ? x / y : 0 }
       END { if (kind != "") { for (k in now) if (k in last) grow[kind, k] += now[k] - last[k]; if (counted) turns[kind]++ }
             split("A B", kinds, " ")
             for (i = 1; i <= 2; i++) { K = kinds[i]; a = grow[K, "baton_work_acks_total"]; if (a == 0) continue
               printf "counters in %s turns, per ack: requests %.4f (ack batches %.4f, settles %.4f), pushes %.4f, claim batches %.4f, appends %.4f, fsyncs %.5f\n",
                 K, (grow[K, "baton_work_ack_batches_total"] + grow[K, "baton_work_settles_total"]) / a,
                 grow[K, "baton_work_ack_batches_total"] / a, grow[K, "baton_work_settles_total"] / a,
                 grow[K, "baton_work_jobs_pushed_total"] / a,
                 grow[K, "baton_work_claim_batches_total"] / a, grow[K, "baton_log_append_seconds_count"] / a,
                 grow[K, "baton_log_fsync_seconds_count"] / a
               printf "  journal in %s turns: fsync %.3f ms on average, append to durable %.3f ms, %.1f records per group commit\n",
                 K, 1000 * ratio(grow[K, "baton_log_fsync_seconds_sum"], grow[K, "baton_log_fsync_seconds_count"]),
                 1000 * ratio(grow[K, "baton_log_append_seconds_sum"], grow[K, "baton_log_append_seconds_count"]),
                 ratio(grow[K, "baton_log_group_commit_records_sum"], grow[K, "baton_log_group_commit_records_count"])
               printf "  system calls in %s turns, per ack: broker reads %.3f, writes %.3f; load generator reads %.3f, writes %.3f; bytes the broker sent to its disk per ack: %.0f\n",
                 K, grow[K, "proc_broker_syscr"] / a, grow[K, "proc_broker_syscw"] / a,
                 grow[K, "proc_bench_syscr"] / a, grow[K, "proc_bench_syscw"] / a, grow[K, "proc_broker_disk"] / a
               us = 1000000 / hz / a
               printf "  CPU in %s turns, us per ack: broker %.2f (garbage collector %.2f, JIT %.2f); load generator %.2f (garbage collector %.2f, JIT %.2f)\n",
                 K, grow[K, "proc_broker_cpu"] * us, grow[K, "proc_broker_gc"] * us, grow[K, "proc_broker_jit"] * us,
                 grow[K, "proc_bench_cpu"] * us, grow[K, "proc_bench_gc"] * us, grow[K, "proc_bench_jit"] * us }
             # The turns are of one length, so CPU per turn compares CPU per second. Where both kinds
             # of turn burn the same CPU per second, CPU per job mirrors the rate and explains nothing.
             if (turns["A"] > 0 && turns["B"] > 0 && grow["A", "proc_broker_cpu"] > 0 && grow["A", "proc_bench_cpu"] > 0)
               printf "  CPU per second, B turns against A: broker %.3fx, load generator %.3fx\n",
                 grow["B", "proc_broker_cpu"] / turns["B"] / (grow["A", "proc_broker_cpu"] / turns["A"]),
                 grow["B", "proc_bench_cpu"] / turns["B"] / (grow["A", "proc_bench_cpu"] / turns["A"])
             printf "  context switches per 1,000 acks by thread:%10s %10s\n", "A", "B"
             for (key in grow) { split(key, kk, SUBSEP); if (kk[2] ~ /^proc_.*_cs_/) names[kk[2]] = 1 }
             for (n in names) { a = grow["A", "baton_work_acks_total"]; b = grow["B", "baton_work_acks_total"]
               if (a > 0 && b > 0 && (grow["A", n] / a > 0.0005 || grow["B", n] / b > 0.0005)) {
                 label = n; sub(/^proc_/, "", label); sub(/_cs_/, " ", label)
                 printf "    %-40s %10.2f %10.2f\n", label, 1000 * grow["A", n] / a, 1000 * grow["B", n] / b } } }' "$1"
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
