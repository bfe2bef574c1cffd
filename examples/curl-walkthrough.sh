#!/usr/bin/env bash
# The Cloud Queues producer/consumer tutorial, verbatim, against a running Baton:
#   bin/baton standalone            # in another terminal
#   examples/curl-walkthrough.sh    # BATON_URL=http://host:port to aim elsewhere, BATON_TOKEN with auth on
#
# Posts two messages, claims both with a 60 s lease and 60 s of grace, deletes a claimed message
# through its claim, and shows the queue's stats at each step. Needs only curl (and sed).
# Exits non-zero, naming the step, if any answer is not what the v1 API promises.
set -euo pipefail

BATON_URL="${BATON_URL:-http://127.0.0.1:8888}"
PROJECT="${BATON_PROJECT:-walkthrough}"
QUEUE="${BATON_QUEUE:-demo-$$}"
CLIENT_ID="${CLIENT_ID:-$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)}"
Q="$BATON_URL/v1/queues/$QUEUE"
H=(-H "Client-ID: $CLIENT_ID" -H "X-Project-Id: $PROJECT" -H "Content-Type: application/json")
# BATON_TOKEN as every baton command reads it (AUTH_TOKEN, its former name, still works).
TOKEN="${BATON_TOKEN:-${AUTH_TOKEN:-}}"
if [[ -n "$TOKEN" ]]; then H+=(-H "X-Auth-Token: $TOKEN"); fi
if [[ -n "${BATON_TLS_CA:-}" ]]; then H+=(--cacert "$BATON_TLS_CA"); fi

BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

# step NAME EXPECTED_STATUS curl-args... : runs one request, prints it, checks the status.
step() {
  local name=$1 want=$2; shift 2
  local got
  got=$(curl -sS -o "$BODY" -w '%{http_code}' "${H[@]}" "$@")
  printf '\n== %s -> %s\n' "$name" "$got"
  if [[ -s "$BODY" ]]; then cat "$BODY"; echo; fi
  if [[ "$got" != "$want" ]]; then
    echo "FAILED: $name answered $got, expected $want" >&2
    exit 1
  fi
}

step "create queue $QUEUE" 201 -X PUT "$Q"

step "post two messages" 201 -X POST "$Q/messages" \
  -d '[{"ttl": 300, "body": {"event": "two"}}, {"ttl": 60, "body": {"event": "three"}}]'

step "stats: two free" 200 "$Q/stats"
grep -q '"free":2' "$BODY" || { echo "FAILED: expected 2 free messages" >&2; exit 1; }

step "claim up to two" 201 -X POST "$Q/claims?limit=2" -d '{"ttl": 60, "grace": 60}'
# The tutorial's lifetime extension: ttl 300 stays 300, ttl 60 becomes claim ttl + grace = 120.
grep -q '"ttl":300' "$BODY" && grep -q '"ttl":120' "$BODY" || { echo "FAILED: grace did not extend the ttls" >&2; exit 1; }
# A worker deletes a message by calling DELETE on exactly the href the claim gave it.
HREF=$(sed -E 's/^\[\{"href":"([^"]+)".*/\1/' "$BODY")
case "$HREF" in /v1/queues/*claim_id=*) ;; *) echo "FAILED: no claimed href in the claim" >&2; exit 1 ;; esac

step "nothing left to claim" 204 -X POST "$Q/claims" -d '{"ttl": 60, "grace": 60}'

step "delete the first message without its claim: refused" 403 -X DELETE "$BATON_URL${HREF%%\?*}"

step "delete the first message through its claim" 204 -X DELETE "$BATON_URL$HREF"

step "stats: one left, still claimed" 200 "$Q/stats"
grep -q '"claimed":1,"free":0,"total":1' "$BODY" || { echo "FAILED: expected 1 claimed message" >&2; exit 1; }

step "delete the queue" 204 -X DELETE "$Q"

echo
echo "walkthrough OK against $BATON_URL (project $PROJECT, queue $QUEUE)"
