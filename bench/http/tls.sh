#!/usr/bin/env bash
# REST POST over HTTPS with tokens against plain HTTP: two standalones on this machine, wrk posting
# 10 messages of 256 B per request (post10.lua), alternating (ABBA) and then both at once.
# Every run posts into fresh queues, deleted after it: the backlog one run leaves behind would
# otherwise be checkpointed during the next run, by either standalone, and count against
# whichever run it falls in. Figures: docs/BENCHMARKS.md, "TLS and tokens".
# Usage: bench/http/tls.sh [rounds] [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}; SECS=${2:-15}; CONNS=${3:-64}
BATON=$PWD/bin/baton
TOKEN=bench-token-0123456789abcdef
S=$(mktemp -d /tmp/baton-https-bench.XXXXXX)
printf '{"tokens": {"%s": ["bench"]}}' $TOKEN > "$S/tokens.json"
"$BATON" tls init "$S/certs" > /dev/null
"$BATON" standalone --data-dir "$S/plain" --grpc-port 0 --http-port 18888 --metrics-port 0 \
  --zookeeper-port 12181 > "$S/plain.log" 2>&1 &
PID_A=$!
"$BATON" standalone --data-dir "$S/secure" --grpc-port 0 --http-port 18988 --metrics-port 0 \
  --zookeeper-port 12281 --auth tokens --tokens-file "$S/tokens.json" \
  --tls-cert "$S/certs/baton.pem" --tls-key "$S/certs/baton-key.pem" --tls-ca "$S/certs/ca.pem" > "$S/secure.log" 2>&1 &
PID_B=$!
trap 'kill $PID_A $PID_B 2>/dev/null; wait $PID_A $PID_B 2>/dev/null || true; rm -rf "$S"' EXIT
for _ in $(seq 120); do
  grep -q "standalone ready" "$S/plain.log" && grep -q "standalone ready" "$S/secure.log" && break; sleep 1
done
url() { if [ "$1" = plain ]; then echo http://127.0.0.1:18888; else echo https://127.0.0.1:18988; fi; }
# queues NAME METHOD: PUT or DELETE the 16 queues post10.lua writes to.
queues() {
  local i
  for i in $(seq 0 15); do
    curl -sf -o /dev/null --cacert "$S/certs/ca.pem" -X "$2" -H "X-Project-Id: bench" -H "X-Auth-Token: $TOKEN" \
      "$(url "$1")/v1/queues/bench-$i"
  done
}
# post NAME SECONDS: one wrk run into fresh queues; prints requests/s and p99.
post() {
  queues "$1" PUT
  local out
  out=$(cd bench/http && TOKEN=$TOKEN wrk -t2 -c"$CONNS" -d"$2"s --latency -s post10.lua "$(url "$1")")
  queues "$1" DELETE
  printf '%-6s %s\n' "$1" "$(echo "$out" | grep -E "Requests/sec|99%" | tr -s ' ' | tr '\n' ' ')"
}
for _ in 1 2; do post plain 15 > /dev/null; post secure 15 > /dev/null; done   # JIT warm-up
echo "alternating ($CONNS connections, ${SECS} s):"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then post plain "$SECS"; post secure "$SECS"; else post secure "$SECS"; post plain "$SECS"; fi
done
# Both at once, each against its own standalone: the machine's speed, which drifts within the
# hour here, is the same for both, and each side's cost shows in its share.
echo "at once:"
for _ in $(seq "$ROUNDS"); do
  post plain "$SECS" > "$S/at-once-plain" & p1=$!
  post secure "$SECS" > "$S/at-once-secure" & p2=$!
  wait $p1 $p2; cat "$S/at-once-plain" "$S/at-once-secure"
done
