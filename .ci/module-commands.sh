#!/usr/bin/env bash
# Runs, as typed, the commands the module READMEs (01, 02, 03) and docs/ show that
# smoke-examples.sh and docs-commands.sh do not: each role of a multi-process example as its own
# process, the perf pairs with the README's arguments, and the other simulate variants.
# A role that runs until stopped is started in the background and stopped by its PID once the
# role that finishes on its own (shown last in the README) has exited 0.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
logs=$(mktemp -d)
runs=$(mktemp -d)
bg=()
stop_bg() {
  for pid in "${bg[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bg[@]}"; do wait "$pid" 2>/dev/null || true; done
  bg=()
}
trap 'stop_bg; rm -rf "$runs"' EXIT

n=0
limit=120
background() { # the command, started and left running
  n=$((n + 1))
  echo "    & $*"
  timeout "$limit" "$@" > "$logs/$n.log" 2>&1 &
  bg+=("$!")
  bglog=$n
  sleep 1
}
foreground() { # the command that must finish with exit 0
  n=$((n + 1))
  echo "    $*"
  if ! timeout "$limit" "$@" > "$logs/$n.log" 2>&1; then
    echo "FAILED: $*"; tail -30 "$logs/$n.log"; for f in "$logs"/*.log; do echo "--- $f"; tail -10 "$f"; done; exit 1
  fi
  tail -2 "$logs/$n.log"
}
waitfor() { # a background command that must end by itself with exit 0: the last one started
  local pid=${bg[-1]}
  unset 'bg[-1]'
  if ! wait "$pid"; then echo "FAILED: the background role did not end with 0"; tail -30 "$logs/$bglog.log"; exit 1; fi
  tail -2 "$logs/$bglog.log"
}

echo "--- 01-zmq-basics/README.md: several terminals"
background ./zcl example req-rep server --endpoint 'tcp://*:5555'
foreground ./zcl example req-rep client --endpoint tcp://localhost:5555 --requests 5
stop_bg
background ./zcl example push-pull sink --endpoint 'tcp://*:5558'
background ./zcl example push-pull worker --ventilator tcp://localhost:5557 --sink tcp://localhost:5558
background ./zcl example push-pull worker --ventilator tcp://localhost:5557 --sink tcp://localhost:5558
foreground ./zcl example push-pull ventilator --sink tcp://localhost:5558 --workers 2 --tasks 100
stop_bg
background ./zcl example pub-sub publisher --endpoint 'tcp://*:5556'
foreground ./zcl example pub-sub subscriber --endpoint tcp://localhost:5556 --topic net --messages 10
stop_bg
background ./zcl example router-dealer broker --frontend 'tcp://*:5559' --backend 'tcp://*:5560'
background ./zcl example router-dealer worker --backend tcp://localhost:5560
foreground ./zcl example router-dealer client --frontend tcp://localhost:5559 --requests 5
stop_bg
background ./zcl example lazy-pirate server --endpoint 'tcp://*:5555' --drop-every 3
foreground ./zcl example lazy-pirate client --endpoint tcp://localhost:5555 --requests 10
stop_bg
background ./zcl example local-thr 'tcp://*:5555' 64 1000000
foreground ./zcl example remote-thr tcp://localhost:5555 64 1000000
waitfor
background ./zcl example local-lat 'tcp://*:5556' 64 10000
foreground ./zcl example remote-lat tcp://localhost:5556 64 10000
waitfor
foreground ./zcl example req-rep --help
foreground ./zcl example thr --transport inproc
foreground ./zcl example lat --transport inproc

echo "--- 02-cluster-patterns/README.md: several terminals"
background ./zcl example cluster worker --connect tcp://localhost:5570 --name w1
background ./zcl example cluster worker --connect tcp://localhost:5570 --name w2 --crash-after 3
background ./zcl example cluster monitor --events tcp://localhost:5571 --snapshot tcp://localhost:5572
foreground ./zcl example cluster coordinator --bind 'tcp://*:5570' --events 'tcp://*:5571' --snapshot 'tcp://*:5572' --tasks 40
stop_bg
background ./zcl example heartbeat server --bind 'tcp://*:5580'
background ./zcl example heartbeat client --connect tcp://localhost:5580
for _ in $(seq 30); do grep -q 'heard the server' "$logs/$n.log" && break; sleep 1; done
grep -q 'heard the server' "$logs/$n.log" || { echo "heartbeat client never heard the server"; tail "$logs"/*.log; exit 1; }
tail -2 "$logs/$n.log"
stop_bg

echo "--- 03-cluster-runner-simulation/README.md"
limit=400  # the hang fault holds each of node-9's groups until the 15 s command timeout
foreground ./zcl simulate --transport local --runs-dir "$runs/local"
foreground ./zcl simulate --nodes 16 --leaves 4 --fault node-5:faulty-gpu --fault node-9:hang --runs-dir "$runs/faults"
grep -q '| FAIL | node-5 |' "$runs/faults/latest/summary.md" || { echo "node-5 should be blamed"; exit 1; }
foreground ./zcl simulate --help
echo "module README commands OK"
