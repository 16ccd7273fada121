#!/usr/bin/env bash
# Runs ./zcl as a user would: the listing, every example in its one-process mode, and the
# libzmq-style perf pairs as two processes, each under a timeout, so a command shown in a README
# is a command CI has run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

run() { # name, then the command
  local name=$1; shift
  printf '\n--- %s\n' "$*"
  if ! timeout 90 "$@" > "/tmp/zcl-smoke-$name.log" 2>&1; then
    echo "FAILED: $* (see below)"; tail -40 "/tmp/zcl-smoke-$name.log"; exit 1
  fi
  tail -3 "/tmp/zcl-smoke-$name.log"
}

./zcl >/dev/null
./zcl example | tee /tmp/zcl-examples.txt
names=$(awk '/^  [a-z]/ {print $1}' /tmp/zcl-examples.txt)
[ -n "$names" ] || { echo "no examples listed" >&2; exit 1; }
count=0
for name in $names; do
  case $name in
    local-thr|remote-thr|local-lat|remote-lat) continue ;;  # two-process pairs, below
  esac
  run "$name" ./zcl example "$name"
  count=$((count + 1))
done

# The libzmq perf contract: one side binds, the other connects, as two processes.
printf '\n--- ./zcl example local-thr / remote-thr\n'
timeout 90 ./zcl example local-thr tcp://127.0.0.1:5591 64 200000 > /tmp/zcl-smoke-thr.log 2>&1 &
thr=$!
timeout 90 ./zcl example remote-thr tcp://127.0.0.1:5591 64 200000
wait "$thr" || { echo "FAILED: local-thr"; cat /tmp/zcl-smoke-thr.log; exit 1; }
cat /tmp/zcl-smoke-thr.log
printf '\n--- ./zcl example local-lat / remote-lat\n'
timeout 90 ./zcl example local-lat tcp://127.0.0.1:5592 64 2000 > /tmp/zcl-smoke-lat.log 2>&1 &
lat=$!
timeout 90 ./zcl example remote-lat tcp://127.0.0.1:5592 64 2000
wait "$lat" || { echo "FAILED: local-lat"; cat /tmp/zcl-smoke-lat.log; exit 1; }
echo "all $((count + 4)) examples ran"
