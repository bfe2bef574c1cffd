#!/usr/bin/env bash
# Where a poison load's extra CPU goes in the broker: one standalone, one `baton bench --turns`
# with poison jobs in its B turns (as poison-turns.sh), and async-profiler (from Maven Central)
# sampling the broker's CPU once a millisecond from the end of the warm-up. TurnProfile.java then
# splits the samples by kind of turn and prints the CPU per handled job of each thread, and the
# frames whose share grew most (inclusive and self). JIT=1 records the JIT's compilations and
# deoptimizations instead (a JDK Flight Recorder recording), counted by kind of turn. WHO=bench
# profiles the load generator (the SDK's producers and workers) instead of the broker.
# Figures: docs/BENCHMARKS.md, "Poison jobs, dead letters and the ledger".
# Usage: [JIT=1] [WHO=bench] [KEEP=DIR] [POISON_RATE=0.01] [MAX_ATTEMPTS=3] bench/grpc/profile-turns.sh [pairs of turns] [seconds per turn] [warm-up seconds] [frames]
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-20}; TURN=${2:-4}; WARM=${3:-60}; TOP=${4:-60}
BATON=${BATON:-$PWD/bin/baton}
# shellcheck source=standalone.sh
. bench/grpc/standalone.sh
start_standalone profile-turns
# The JVM profiled: the broker, or the load generator once it runs (WHO=bench). The load generator
# exits when its turns end, so a recording of it stops itself just before (a duration), not by a
# stop command after.
WHO=${WHO:-broker}
profiled() { if [ "$WHO" = bench ]; then java_matching 'baton.* bench --target'; else echo "$PID"; fi; }
MEASURED=$((2 * PAIRS * TURN - 1))
if [ "${JIT:-0}" = 1 ]; then
  for_bench=""; if [ "$WHO" = bench ]; then for_bench="duration=${MEASURED}s"; fi
  # shellcheck disable=SC2086
  (sleep "$WARM"; jcmd "$(profiled)" JFR.start name=turns settings=profile filename="$S/jit.jfr" $for_bench > /dev/null) &
else
  mvn -q dependency:get -Dartifact=tools.profiler:async-profiler:3.0 > /dev/null
  unzip -q -j ~/.m2/repository/tools/profiler/async-profiler/3.0/async-profiler-3.0.jar linux-x64/libasyncProfiler.so -d "$S"
  until_end=""; if [ "$WHO" = bench ]; then until_end=",timeout=$MEASURED"; fi
  (sleep "$WARM"; java bench/grpc/TurnProfile.java attach "$(profiled)" "$S/libasyncProfiler.so" "start,event=cpu,interval=1ms,jfr,file=$S/cpu.jfr$until_end") &
fi
while IFS= read -r line; do
  case "$line" in
    "turn "*) echo "$(date +%s.%N) $(echo "$line" | awk '{print $3}') ${line##*jobs/s=}" >> "$S/turns" ;;
    "turns:"*) echo "$line" ;;
  esac
done < <("$BATON" bench --target 127.0.0.1:17070 --turns "$TURN" --duration $((2 * PAIRS * TURN)) --warmup "$WARM" \
  --broker-pid "$PID" --poison-rate "${POISON_RATE:-0.01}" --max-attempts "${MAX_ATTEMPTS:-3}" 2>/dev/null)
if [ "${JIT:-0}" = 1 ]; then
  if [ "$WHO" != bench ]; then jcmd "$PID" JFR.stop name=turns > /dev/null; fi
  java bench/grpc/TurnProfile.java jit "$S/jit.jfr" "$S/turns" "$TURN" "$TOP"
else
  if [ "$WHO" != bench ]; then java bench/grpc/TurnProfile.java attach "$PID" "$S/libasyncProfiler.so" stop; fi
  java bench/grpc/TurnProfile.java split "$S/cpu.jfr" "$S/turns" "$TURN" "$TOP"
fi
# KEEP=DIR keeps the recording and the turns file, to split again (TurnProfile.java split ...).
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp "$S"/*.jfr "$S/turns" "$KEEP"/; fi
