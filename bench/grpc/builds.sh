#!/usr/bin/env bash
# `baton bench` against two builds, each with its own standalone and load generator, both with TLS
# on every port and tokens (TLS=0: neither). Usage:
#   BATON_A=/path/to/other/clone/bin/baton [PIN=1] [TLS=0] [BENCH_ARGS=...] bench/grpc/builds.sh [rounds] [seconds] [warm-up seconds]
#   (or ... bench/grpc/builds.sh turns [pairs of turns] [seconds per turn] [warm-up seconds])
# B is this clone's build. BENCH_ARGS go to both loads (for example "--poison-rate 0.01 --max-attempts 3").
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=pair.sh
. bench/grpc/pair.sh
: "${BATON_A:?set BATON_A to the bin/baton of the other build}"
TOKEN=bench-token-0123456789abcdef
NAME_A=other; NAME_B=this; SERVER_A=""; SERVER_B=""
prepare() {
  if [ "${TLS:-1}" = 1 ]; then
    printf '{"tokens": {"%s": ["bench"]}}' $TOKEN > "$S/tokens.json"
    "$BATON" tls init "$S/certs" > /dev/null
    SERVER_A="--auth tokens --tokens-file $S/tokens.json --tls-cert $S/certs/baton.pem --tls-key $S/certs/baton-key.pem --tls-ca $S/certs/ca.pem"
    SERVER_B=$SERVER_A
    METRICS_CA_A=$S/certs/ca.pem; METRICS_CA_B=$S/certs/ca.pem
  fi
}
bench_args() {
  if [ "${TLS:-1}" = 1 ]; then echo "--token $TOKEN --tls-ca $S/certs/ca.pem ${BENCH_ARGS:-}"; else echo "${BENCH_ARGS:-}"; fi
}
pair_main "$@"
