#!/usr/bin/env bash
# `baton bench` against a plain standalone and one with TLS on every port and tokens; then wrk
# POSTs against both gateways, alternating. Figures: docs/BENCHMARKS.md, "TLS and tokens".
# Usage: [PIN=1] bench/grpc/tls.sh [rounds] [seconds] [warm-up seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=pair.sh
. bench/grpc/pair.sh
TOKEN=bench-token-0123456789abcdef
NAME_A=plain; NAME_B=secure; SERVER_A=""
prepare() {
  printf '{"tokens": {"%s": ["bench"]}}' $TOKEN > "$S/tokens.json"
  "$BATON" tls init "$S/certs" > /dev/null
  SERVER_B="--auth tokens --tokens-file $S/tokens.json --tls-cert $S/certs/baton.pem --tls-key $S/certs/baton-key.pem --tls-ca $S/certs/ca.pem"
}
bench_args() { if [ "$1" = secure ]; then echo "--token $TOKEN --tls-ca $S/certs/ca.pem"; fi; }
pair_main "$@"
for i in $(seq 0 15); do
  curl -sf -o /dev/null -X PUT -H "X-Project-Id: bench" http://127.0.0.1:18888/v1/queues/bench-$i
  curl -sf -o /dev/null --cacert "$S/certs/ca.pem" -X PUT -H "X-Project-Id: bench" -H "X-Auth-Token: $TOKEN" \
    https://127.0.0.1:18988/v1/queues/bench-$i
done
cd bench/http
# shellcheck disable=SC2086
post() { TOKEN=$TOKEN $CLIENT_CPUS wrk -t2 -c64 -d"$2"s --latency -s post10.lua "$1" | grep -E "Requests/sec|99%" | tr -s ' ' | tr '\n' ' '; }
post http://127.0.0.1:18888 10 > /dev/null; post https://127.0.0.1:18988 10 > /dev/null
echo "REST POST, alternating:"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then echo "plain:  $(post http://127.0.0.1:18888 15)"; echo "secure: $(post https://127.0.0.1:18988 15)"
  else echo "secure: $(post https://127.0.0.1:18988 15)"; echo "plain:  $(post http://127.0.0.1:18888 15)"; fi
done
