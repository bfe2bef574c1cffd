# Sourced by the scripts of this folder: `baton bench` against two standalones on this machine,
# load A against the first and load B against the second, alternating (ABBA) and then both at once,
# each run after a long warm-up. Each line gives jobs/s and what the broker and the load generator
# spent per job while measuring.
#
# The caller sets NAME_A and NAME_B, SERVER_A and SERVER_B (extra standalone arguments), defines
# bench_args NAME (extra bench arguments) and optionally prepare (run once the scratch folder $S
# exists, before the standalones start; it may set SERVER_A and SERVER_B), then calls
# pair_main [rounds] [seconds] [warm-up seconds], or pair_main turns [pairs of turns] [seconds per
# turn] [warm-up seconds] for the loads in turns instead (pair_turns, below). $BATON is bin/baton.
# BATON_A and BATON_B (default: $BATON) name the launcher of each side, standalone and load alike,
# to compare two builds.
#
# Why the warm-up is long: a fresh load generator's JIT keeps compiling for most of a minute on two
# busy cores, and that CPU would be counted against whichever load has more code to compile.
# PIN=1 runs the standalones on CPU 1 and the load generators on CPU 0, as if the clients had a
# machine of their own.
#
# SHARED=1 (in turns only, one build, the same standalone arguments on both sides) runs one
# standalone for both loads, each with its own queue: the two sides then share one broker JVM and
# whatever its JIT made of the code, where two standalones can settle on CPU costs per job that
# differ by several percent for their whole life. What one load leaves behind (a growing
# dead-letter queue, its checkpoints) is then also charged to the other's turns.

pair_main() {
  if [ "${1:-}" = turns ]; then
    shift
    pair_start
    pair_turns "$@"
    return
  fi
  ROUNDS=${1:-2}; SECS=${2:-20}; WARM=${3:-60}
  if [ "${SHARED:-0}" = 1 ]; then
    echo "SHARED=1 is for turns only: the other methods give each load its own standalone" >&2; exit 2
  fi
  pair_start
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

# Starts both standalones (each warmed by two short loads) in the scratch folder $S.
pair_start() {
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
  if [ "${SHARED:-0}" = 1 ] && { [ "$BATON_A" != "$BATON_B" ] || [ "$SERVER_A" != "$SERVER_B" ]; }; then
    echo "SHARED=1 needs one build and the same standalone arguments on both sides" >&2; rm -rf "$S"; exit 2
  fi
  # shellcheck disable=SC2086
  $SERVER_CPUS "$BATON_A" standalone --data-dir "$S/$NAME_A" --grpc-port 17070 --http-port 18888 --metrics-port 19090 \
    --zookeeper-port 12181 $SERVER_A > "$S/$NAME_A.log" 2>&1 &
  PID_A=$!
  if [ "${SHARED:-0}" = 1 ]; then
    PID_B=$PID_A
  else
    # shellcheck disable=SC2086
    $SERVER_CPUS "$BATON_B" standalone --data-dir "$S/$NAME_B" --grpc-port 17170 --http-port 18988 --metrics-port 19190 \
      --zookeeper-port 12281 $SERVER_B > "$S/$NAME_B.log" 2>&1 &
    PID_B=$!
  fi
  trap 'kill $PID_A $PID_B 2>/dev/null; wait $PID_A $PID_B 2>/dev/null || true; rm -rf "$S"' EXIT
  for _ in $(seq 120); do
    grep -q "standalone ready" "$S/$NAME_A.log" && { [ "${SHARED:-0}" = 1 ] || grep -q "standalone ready" "$S/$NAME_B.log"; } \
      && break
    sleep 1
  done
  for name in $NAME_A $NAME_B $NAME_A $NAME_B; do
    # shellcheck disable=SC2046
    $CLIENT_CPUS "$(launcher "$name")" bench $(target "$name") --duration 20 --warmup 10 > /dev/null 2>&1
  done
}

port_of() { if [ "$1" = "$NAME_A" ] || [ "${SHARED:-0}" = 1 ]; then echo 17070; else echo 17170; fi; }
metrics_port_of() { if [ "$1" = "$NAME_A" ] || [ "${SHARED:-0}" = 1 ]; then echo 19090; else echo 19190; fi; }
target() { echo "--target 127.0.0.1:$(port_of "$1") $(bench_args "$1")"; }
launcher() { if [ "$1" = "$NAME_A" ]; then echo "$BATON_A"; else echo "$BATON_B"; fi; }

# shellcheck source=standalone.sh
. bench/grpc/standalone.sh
jvm() { local dir=$1; if [ "${SHARED:-0}" = 1 ]; then dir=$NAME_A; fi; jvm_of "$S/$dir"; }
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

# Both loads run for the whole measurement, but in turns: while one runs, the other's load
# generator is frozen (SIGSTOP), so each has the machine to itself as in the alternating runs,
# and a turn lasts seconds, so the machine's drift, which spoils runs minutes apart, is the same
# for both. Each turn is measured from its broker's count of acknowledged messages (so the jobs a
# poison load dead-letters are not counted) after a second to get going again; the turns go
# A B B A, so neither side always follows the other. Prints each pair of turns, then the sums.
# Usage: pair_main turns [pairs of turns] [seconds per turn] [warm-up seconds, spent in turns too]
# A side whose broker serves /metrics over TLS names the CA to trust in METRICS_CA_A or METRICS_CA_B.
pair_turns() {
  local turns=${1:-30} secs=${2:-4} warm=${3:-60}
  local total=$(( warm + turns * 2 * (secs + 2) + 60 ))
  # shellcheck disable=SC2046
  $CLIENT_CPUS "$(launcher $NAME_A)" bench $(target $NAME_A) --duration $total --warmup 0 > "$S/turns-$NAME_A" 2>&1 &
  local load_a=$!
  # shellcheck disable=SC2046
  $CLIENT_CPUS "$(launcher $NAME_B)" bench $(target $NAME_B) --duration $total --warmup 0 > "$S/turns-$NAME_B" 2>&1 &
  local load_b=$!
  # A frozen load would outlive an interrupted script: thaw and stop both on the way out.
  # shellcheck disable=SC2064
  # (Each kill may find its process gone; under set -e a failing command would end the trap.)
  trap "kill -CONT $load_a $load_b 2>/dev/null || true; kill $load_a $load_b $PID_A $PID_B 2>/dev/null || true; wait 2>/dev/null || true; rm -rf '$S'" EXIT
  local rc=0
  python3 - "$NAME_A" "$NAME_B" "$load_a" "$load_b" "$(jvm $NAME_A)" "$(jvm $NAME_B)" "$turns" "$secs" "$warm" "$TICK" \
    "$(metrics_port_of $NAME_A)" "$(metrics_port_of $NAME_B)" "${METRICS_CA_A:-}" "${METRICS_CA_B:-}" <<'PY' || rc=$?
import os, signal, ssl, statistics, sys, time, urllib.request
name_a, name_b = sys.argv[1:3]
load_a, load_b, broker_a, broker_b, turns, secs, warm, tick, port_a, port_b = map(int, sys.argv[3:13])

def metrics(port, ca):
    if not ca:
        return f'http://127.0.0.1:{port}/metrics', None
    return f'https://127.0.0.1:{port}/metrics', ssl.create_default_context(cafile=ca)

sides = {name_a: (load_a, broker_a, metrics(port_a, sys.argv[13])), name_b: (load_b, broker_b, metrics(port_b, sys.argv[14]))}

def acked(endpoint):
    url, context = endpoint
    for line in urllib.request.urlopen(url, timeout=10, context=context).read().decode().splitlines():
        if line.startswith('baton_messages_deleted_total'):
            return float(line.split()[-1])
    return 0.0

def ticks(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])

def turn(name, seconds, measured):
    load, broker, endpoint = sides[name]
    os.kill(load, signal.SIGCONT)
    try:
        time.sleep(1.0)  # the pipeline fills again after the freeze
        t0, a0, b0, l0 = time.monotonic(), acked(endpoint), ticks(broker), ticks(load)
        time.sleep(seconds)
        t1, a1, b1, l1 = time.monotonic(), acked(endpoint), ticks(broker), ticks(load)
    finally:
        os.kill(load, signal.SIGSTOP)
    if measured:
        totals[name][0] += a1 - a0; totals[name][1] += t1 - t0
        totals[name][2] += b1 - b0; totals[name][3] += l1 - l0
    return (a1 - a0) / (t1 - t0)

os.kill(load_b, signal.SIGSTOP)
time.sleep(3)  # both loads have connected and made their queues (a frozen one resumes where it was)
totals = {name_a: [0.0] * 4, name_b: [0.0] * 4}
deadline = time.monotonic() + warm
while time.monotonic() < deadline:
    turn(name_a, 4, False); turn(name_b, 4, False)
ratios = []
for k in range(turns):
    order = (name_a, name_b) if k % 2 == 0 else (name_b, name_a)
    rate = {n: turn(n, secs, True) for n in order}
    ratios.append(rate[name_b] / rate[name_a])
    print(f'pair {k + 1:3d}: {name_a} {rate[name_a]:9.0f} jobs/s  {name_b} {rate[name_b]:9.0f} jobs/s  '
          f'{name_b}/{name_a} {ratios[-1]:.3f}', flush=True)
for name in (name_a, name_b):
    jobs, seconds, broker_ticks, load_ticks = totals[name]
    print(f'{name:7s} jobs/s={jobs / seconds:8.0f} broker_cpu_us_per_job={broker_ticks / tick * 1e6 / jobs:6.2f} '
          f'bench_cpu_us_per_job={load_ticks / tick * 1e6 / jobs:6.2f}')
sums = (totals[name_b][0] / totals[name_b][1]) / (totals[name_a][0] / totals[name_a][1])
q = statistics.quantiles(ratios, n=4)
print(f'{name_b}/{name_a}: {sums:.3f} in sums; by pair median {statistics.median(ratios):.3f}, '
      f'quartiles {q[0]:.3f}-{q[2]:.3f}, {len(ratios)} pairs of {secs} s')
PY
  kill -CONT $load_a $load_b 2>/dev/null || true
  kill $load_a $load_b 2>/dev/null || true
  wait $load_a $load_b 2>/dev/null || true
  return $rc
}
