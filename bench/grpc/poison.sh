#!/usr/bin/env bash
# `baton bench` plain against `baton bench` with 1% poison jobs, or POISON_RATE (their handler always
# fails; the queue has _max_claim_count 3, or MAX_ATTEMPTS, and a dead-letter queue), each against
# its own standalone.
# Figures: docs/BENCHMARKS.md, "Poison jobs, dead letters and the ledger".
# Usage: [PIN=1] [POISON_RATE=0.01] [MAX_ATTEMPTS=3] bench/grpc/poison.sh [rounds] [seconds] [warm-up seconds]
#        [SHARED=1] [POISON_RATE=0.01] [MAX_ATTEMPTS=3] bench/grpc/poison.sh turns [pairs of turns] [seconds per turn] [warm-up seconds]
# (SHARED=1: both loads against one standalone, each with its own queue; see pair.sh.)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=pair.sh
. bench/grpc/pair.sh
NAME_A=plain; NAME_B=poison; SERVER_A=""; SERVER_B=""
bench_args() { if [ "$1" = poison ]; then echo "--poison-rate ${POISON_RATE:-0.01} --max-attempts ${MAX_ATTEMPTS:-3}"; fi; }
pair_main "$@"
