# Sourced by the scripts of this folder: `baton bench` against two standalones on this machine,
# load A against the first and load B against the second, alternating (ABBA) and then both at once,
# each run after a long warm-up. Each line gives jobs/s and what the broker and the load generator
# spent per job while measuring.
#
# The caller sets NAME_A and NAME_B, SERVER_A and SERVER_B (extra standalone arguments), defines
# bench_args NAME (extra bench arguments) and optionally prepare (run once the scratch folder $S
# exists, before the standalones start; it may set SERVER_A and SERVER_B), then calls
# pair_main [rounds] [seconds] [warm-up seconds]. $BATON is bin/baton. BATON_A and BATON_B (default:
# $BATON) name the launcher of each side, standalone and load alike, to compare two builds.
#
# Why the warm-up is long: a fresh load generator's JIT keeps compiling for most of a minute on two
# busy cores, and that CPU would be counted against whichever load has more code to compile.
# PIN=1 runs the standalones on CPU 1 and the load generators on CPU 0, as if the clients had a
# machine of their own.

pair_main() {
  ROUNDS=${1:-2}; SECS=${2:-20}; WARM=${3:-60}
  SERVER_CPUS=""; CLIENT_CPUS=""
  if [ "${PIN:-0}" = 1 ]; then
    SERVER_CPUS="taskset -c 1"; CLIENT_CPUS="taskset -c 0"
    # Pinned to one CPU, a JVM would pick another collector and fewer threads: keep them as unpinned.
    export BATON_JAVA_OPTS="${BATON_JAVA_OPTS:-} -XX:ActiveProcessorCount=2"
  fi
  BATON=$PWD/bin/baton
  BATON_A=${BATON_A:-$BATON}; BATON_B=${BATON_B:-$BATON}
  S=$(mktemp -d /tmp/baton-pair-bench.XXXXXX)
  TICK=$(getconf CLK_TCK)
  if declare -F prepare > /dev/null; then prepare; fi
  # shellcheck disable=SC2086
  $SERVER_CPUS "$BATON_A" standalone --data-dir "$S/$NAME_A" --grpc-port 17070 --http-port 18888 --metrics-port 19090 \
    --zookeeper-port 12181 $SERVER_A > "$S/$NAME_A.log" 2>&1 &
  PID_A=$!
  # shellcheck disable=SC2086
  $SERVER_CPUS "$BATON_B" standalone --data-dir "$S/$NAME_B" --grpc-port 17170 --http-port 18988 --metrics-port 19190 \
    --zookeeper-port 12281 $SERVER_B > "$S/$NAME_B.log" 2>&1 &
  PID_B=$!
  trap 'kill $PID_A $PID_B 2>/dev/null; wait $PID_A $PID_B 2>/dev/null || true; rm -rf "$S"' EXIT
  for _ in $(seq 120); do
    grep -q "standalone ready" "$S/$NAME_A.log" && grep -q "standalone ready" "$S/$NAME_B.log" && break; sleep 1
  done
  for name in $NAME_A $NAME_B $NAME_A $NAME_B; do
    # shellcheck disable=SC2046
    $CLIENT_CPUS "$(launcher "$name")" bench $(target "$name") --duration 20 --warmup 10 > /dev/null 2>&1
  done
  echo "alternating:"
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then measure $NAME_A; measure $NAME_B; else measure $NAME_B; measure $NAME_A; fi
  done
  # Both loads at once, each against its own standalone: the machine's speed, which drifts by 2x
  # within the hour here, is then the same for both, and each side's cost shows in its share.
  echo "at once:"
  for r in $(seq "$ROUNDS"); do
    measure $NAME_A > "$S/at-once-$NAME_A" & local p1=$!
    measure $NAME_B > "$S/at-once-$NAME_B" & local p2=$!
    wait $p1 $p2; cat "$S/at-once-$NAME_A" "$S/at-once-$NAME_B"
  done
}

port_of() { if [ "$1" = "$NAME_A" ]; then echo 17070; else echo 17170; fi; }
target() { echo "--target 127.0.0.1:$(port_of "$1") $(bench_args "$1")"; }
launcher() { if [ "$1" = "$NAME_A" ]; then echo "$BATON_A"; else echo "$BATON_B"; fi; }

# The broker JVMs are children of the launcher script; their CPU is read from /proc.
jvm() { pgrep -f "data-dir $S/$1 " | while read -r p; do [ "$(cat /proc/"$p"/comm)" = java ] && echo "$p"; done | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One measured run: the broker's CPU is read at the end of the warm-up and of the last second.
measure() {
  local name=$1 pid start=0 end=0 json=""
  pid=$(jvm "$1")
  # The bench prints seconds as %2d.
  local warmed measured
  warmed=$(printf "warm-up %2ds" "$WARM"); measured=$(printf "t=%2ds" "$SECS")
  while IFS= read -r line; do
    case "$line" in
      "$warmed"*) start=$(cpu_ticks "$pid") ;;
      "$measured"*) end=$(cpu_ticks "$pid") ;;
      "{"*) json=$line ;;
    esac
    # shellcheck disable=SC2046
  done < <($CLIENT_CPUS "$(launcher "$name")" bench $(target "$name") --duration "$SECS" --warmup "$WARM" --json 2>/dev/null)
  python3 - "$name" "$start" "$end" "$TICK" "$SECS" "$json" <<'PY'
import json, sys
name, start, end, tick, secs = sys.argv[1], *map(int, sys.argv[2:6])
j = json.loads(sys.argv[6])
jobs = max(j["jobs_per_sec"] * secs, 1)
print(f'{name:7s} jobs/s={j["jobs_per_sec"]:6d} broker_cpu_us_per_job={(end - start) / tick * 1e6 / jobs:6.1f} '
      f'bench_cpu_us_per_job={j.get("bench_cpu_us_per_job", 0):6.1f} lost={j["lost"]} dead_lettered={j["dead_lettered"]}')
PY
}
