#!/usr/bin/env bash
# `baton bench` against a plain standalone and one with TLS on every port and tokens (the REST
# side: bench/http/tls.sh). Figures: docs/BENCHMARKS.md, "TLS and tokens".
# Usage: [PIN=1] bench/grpc/tls.sh [rounds] [seconds] [warm-up seconds]
#        bench/grpc/tls.sh turns [pairs of turns] [seconds per turn] [warm-up seconds]
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
  METRICS_CA_B=$S/certs/ca.pem
}
bench_args() { if [ "$1" = secure ]; then echo "--token $TOKEN --tls-ca $S/certs/ca.pem"; fi; }
pair_main "$@"
