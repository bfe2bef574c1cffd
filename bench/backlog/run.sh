#!/usr/bin/env bash
# A backlog far larger than memory, side by side: Baton (standalone), RabbitMQ (a quorum queue) and
# NATS JetStream (file storage), one after the other on this machine, each publishing N messages of
# SIZE bytes with nobody consuming, then restarted with the backlog, then drained.
# Between the phases: the server's resident memory, its heap after a full GC (Baton), its disk use.
# Needs: mvn -DskipTests package (bin/baton), and from Debian: rabbitmq-server nats-server.
# Usage: bench/backlog/run.sh [N] [SIZE] [systems...]   e.g. bench/backlog/run.sh 10000000 256 baton rabbitmq nats
# Baton's heap and budget: BATON_HEAP (default 1g) and BATON_BUDGET (default 640m).
# Figures: docs/BENCHMARKS.md, "Backlogs on disk".
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000000}
SIZE=${2:-256}
shift 2 || true
SYSTEMS=${*:-baton rabbitmq nats}
BASE=$(mktemp -d /tmp/baton-backlog.XXXXXX)
chmod 755 "$BASE"
if [ ! -s /tmp/baton-backlog-cp.txt ]; then
  mvn -q -o -pl deploy dependency:build-classpath -Dmdep.outputFile=/tmp/baton-backlog-cp.txt -Dmdep.includeScope=test
fi
CP="deploy/target/test-classes:$(cat /tmp/baton-backlog-cp.txt)"
bench() { java -Xmx1g -cp "$CP" io.baton.deploy.bench.BacklogBench "$@"; }
rss_mb() { echo $(( $(ps -o rss= -p "$1" | tr -d ' ') / 1024 )); }
disk_mb() { du -sm "$1" | cut -f1; }
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do kill -9 $p 2>/dev/null || true; done; rm -rf "$BASE"' EXIT
say() { printf '%s | %s\n' "$1" "$2"; }

baton_start() {
  BATON_JAVA_OPTS="-Xmx${BATON_HEAP:-1g}" bin/baton standalone --data-dir "$BASE/baton" --grpc-port 17070 \
    --http-port 18888 --metrics-port 17071 --memory-budget "${BATON_BUDGET:-640m}" >> "$BASE/baton.log" 2>&1 &
  BPID=$!
  PIDS+=($BPID)
}
baton_waiting() {
  curl -sf -H "X-Project-Id: bench" -H "Client-ID: 3b0f7d9c-0000-4000-8000-000000000001" \
    http://127.0.0.1:18888/v1/queues/backlog/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"]["total"])' 2>/dev/null || echo -1
}
baton_heap_mb() {
  jcmd "$1" GC.run > /dev/null
  jcmd "$1" GC.heap_info | awk '/garbage-first heap/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K,?","",v); print int(v/1024)}}'
}
run_baton() {
  echo "== baton ($N x $SIZE B; -Xmx${BATON_HEAP:-1g}, --memory-budget ${BATON_BUDGET:-640m})"
  baton_start
  for _ in $(seq 240); do grep -q "standalone ready" "$BASE/baton.log" && break; sleep 0.5; done
  bench baton publish 127.0.0.1:17070 "$N" "$SIZE"
  say "baton backlog" "rss $(rss_mb $BPID) MB, heap after GC $(baton_heap_mb $BPID) MB, disk $(disk_mb "$BASE/baton") MB"
  kill $BPID; wait $BPID 2>/dev/null || true
  local t0=$(date +%s.%N)
  baton_start
  until [ "$(baton_waiting)" = "$N" ]; do sleep 0.2; done
  say "baton restart" "$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f} s until all {int($N):,} were served')")"
  say "baton restarted" "rss $(rss_mb $BPID) MB, heap after GC $(baton_heap_mb $BPID) MB"
  bench baton drain 127.0.0.1:17070 "$N" "$SIZE"
  sleep 15 # a checkpoint after the drain lets the log go
  say "baton drained" "rss $(rss_mb $BPID) MB, disk $(disk_mb "$BASE/baton") MB"
  kill $BPID; wait $BPID 2>/dev/null || true
}

rabbit_start() {
  mkdir -p "$BASE/rabbit"
  chown -R rabbitmq:rabbitmq "$BASE/rabbit" 2>/dev/null || true
  RABBITMQ_NODENAME=backlog@localhost RABBITMQ_NODE_PORT=15672 RABBITMQ_DIST_PORT=25672 \
    RABBITMQ_MNESIA_BASE="$BASE/rabbit/mnesia" RABBITMQ_LOG_BASE="$BASE/rabbit/log" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/rabbit/plugins" rabbitmq-server >> "$BASE/rabbit.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 120); do
    rabbitmqctl -n backlog@localhost await_startup > /dev/null 2>&1 && break
    sleep 1
  done
  RPID=$(pgrep -u rabbitmq beam.smp | head -1)
}
rabbit_waiting() {
  rabbitmqctl -n backlog@localhost list_queues -q name messages 2>/dev/null | awk '$1=="backlog" {print $2}'
}
run_rabbitmq() {
  echo "== rabbitmq $(dpkg-query -W -f '${Version}' rabbitmq-server) (quorum queue, persistent, confirms)"
  rabbit_start
  bench rabbitmq publish 127.0.0.1:15672 "$N" "$SIZE"
  say "rabbitmq backlog" "rss $(rss_mb $RPID) MB, disk $(disk_mb "$BASE/rabbit") MB"
  rabbitmqctl -n backlog@localhost stop > /dev/null
  sleep 2
  local t0=$(date +%s.%N)
  rabbit_start
  until [ "$(rabbit_waiting)" = "$N" ]; do sleep 0.5; done
  say "rabbitmq restart" "$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f} s until all {int($N):,} were served')")"
  say "rabbitmq restarted" "rss $(rss_mb $RPID) MB"
  bench rabbitmq drain 127.0.0.1:15672 "$N" "$SIZE"
  sleep 15
  say "rabbitmq drained" "rss $(rss_mb $RPID) MB, disk $(disk_mb "$BASE/rabbit") MB"
  rabbitmqctl -n backlog@localhost stop > /dev/null
}

nats_start() {
  nats-server -js -sd "$BASE/nats" -a 127.0.0.1 -p 14222 >> "$BASE/nats.log" 2>&1 &
  NPID=$!
  PIDS+=($NPID)
  sleep 1
}
run_nats() {
  echo "== nats-server $(dpkg-query -W -f '${Version}' nats-server) (JetStream, file storage)"
  nats_start
  bench nats publish 127.0.0.1:14222 "$N" "$SIZE"
  say "nats backlog" "rss $(rss_mb $NPID) MB, disk $(disk_mb "$BASE/nats") MB"
  kill $NPID; wait $NPID 2>/dev/null || true
  local t0=$(date +%s.%N)
  nats_start
  bench nats await 127.0.0.1:14222 "$N" "$SIZE" > /dev/null
  say "nats restart" "$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f} s until its stream held all {int($N):,}')")"
  say "nats restarted" "rss $(rss_mb $NPID) MB"
  bench nats drain 127.0.0.1:14222 "$N" "$SIZE"
  sleep 15
  say "nats drained" "rss $(rss_mb $NPID) MB, disk $(disk_mb "$BASE/nats") MB"
  kill $NPID; wait $NPID 2>/dev/null || true
}

for s in $SYSTEMS; do "run_$s"; done
