# Sourced by scripts of this folder.

# The JVM whose command line matches PATTERN (pgrep -f), not the launcher script that started it.
java_matching() { pgrep -f "$1" | while read -r p; do [ "$(cat /proc/"$p"/comm)" = java ] && echo "$p"; done | head -1; }

# The JVM of the standalone whose data is in DIR (a child of the launcher script, whose CPU is read
# from /proc).
jvm_of() { java_matching "data-dir $1 "; }

# start_standalone NAME makes a scratch folder S (/tmp/baton-NAME.XXXXXX) and starts one
# `baton standalone` ($BATON) with its data in S/data and its log in S/log, on the ports the benches use (gRPC 17070,
# metrics 19090), waits until it is ready, and sets PID to its JVM. The EXIT trap stops it and
# removes S.
start_standalone() {
  S=$(mktemp -d "/tmp/baton-$1.XXXXXX")
  local dir=$S
  "$BATON" standalone --data-dir "$dir/data" --grpc-port 17070 --http-port 18888 --metrics-port 19090 \
    --zookeeper-port 12181 > "$dir/log" 2>&1 &
  LAUNCHER=$!
  # shellcheck disable=SC2064
  trap "kill $LAUNCHER 2>/dev/null; wait $LAUNCHER 2>/dev/null || true; rm -rf '$dir'" EXIT
  for _ in $(seq 120); do grep -q "standalone ready" "$dir/log" && break; sleep 1; done
  PID=$(jvm_of "$dir/data")
}
