#!/usr/bin/env bash
# Runs the commands the root README shows, as a user would, and checks what they print. Every
# process started in the background is remembered by its PID and stopped by it (never by a name
# pattern, which could hit another user's processes), also when a check fails. The long commands
# the README shows (the full bench, the CURVE cost bench, the 1000-agent scale run) are run by
# .ci/extended, not here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=$(mktemp -d)
started=()  # PIDs of background processes this script started
bg() { # the command, in the background; its PID is appended to started and left in $!
  "$@" &
  started+=($!)
}
stop() { # PIDs: TERM, then wait for each
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop "${started[@]}"; rm -rf "$runs"' EXIT

echo "--- ./zcl simulate"
timeout 120 ./zcl simulate --runs-dir "$runs/a" > /tmp/zcl-simulate.log 2>&1 || { cat /tmp/zcl-simulate.log; exit 1; }
grep '^RESULT' /tmp/zcl-simulate.log
grep -q 'fail=0 error=0' /tmp/zcl-simulate.log || { echo "healthy simulation should pass"; exit 1; }
test -s "$runs/a/latest/journal.jsonl" && test -s "$runs/a/latest/summary.md"

echo "--- ./zcl simulate --fault node-3:slow-link"
timeout 120 ./zcl simulate --fault node-3:slow-link --runs-dir "$runs/b" > /tmp/zcl-simulate-fault.log 2>&1 \
  || { cat /tmp/zcl-simulate-fault.log; exit 1; }
grep '^RESULT' /tmp/zcl-simulate-fault.log
grep -q '| FAIL | node-3 |' "$runs/b/latest/summary.md" || { echo "node-3 should be blamed"; cat "$runs/b/latest/summary.md"; exit 1; }

echo "--- ./zcl simulate --transport ssh"
timeout 180 ./zcl simulate --transport ssh --runs-dir "$runs/s" > /tmp/zcl-simulate-ssh.log 2>&1 \
  || { cat /tmp/zcl-simulate-ssh.log; exit 1; }
grep '^RESULT' /tmp/zcl-simulate-ssh.log
grep -q 'transport=ssh .*fail=0 error=0' /tmp/zcl-simulate-ssh.log || { cat /tmp/zcl-simulate-ssh.log; exit 1; }

echo "--- ./zcl simulate --transport auto"
timeout 180 ./zcl simulate --transport auto --runs-dir "$runs/auto" > /tmp/zcl-simulate-auto.log 2>&1 \
  || { cat /tmp/zcl-simulate-auto.log; exit 1; }
grep '^RESULT' /tmp/zcl-simulate-auto.log
grep -q 'transport=auto .*fail=0 error=0' /tmp/zcl-simulate-auto.log || { cat /tmp/zcl-simulate-auto.log; exit 1; }
grep -q '"node_transports":{"node-' "$runs/auto/latest/journal.jsonl" || { echo "auto journal lacks node_transports"; exit 1; }

echo "--- the Python coordinator (integration-plan/python) runs a command on a Java agent"
bg timeout 60 ./zcl agent --coordinator tcp://127.0.0.1:5556 --node-id node-1 --emulate --insecure --allow echo > /tmp/zcl-agent-py.log 2>&1
py_agent=$!
timeout 60 /usr/bin/python3 integration-plan/python/zcr1_coordinator.py --bind tcp://127.0.0.1:5556 --run node-1 -- echo hi \
  > /tmp/zcl-python.log 2>&1 || { cat /tmp/zcl-python.log /tmp/zcl-agent-py.log; exit 1; }
stop "$py_agent"
grep -q '^hi$' /tmp/zcl-python.log && grep -q '^RESULT .*"exit_code": 0' /tmp/zcl-python.log \
  || { cat /tmp/zcl-python.log; exit 1; }
grep '^RESULT' /tmp/zcl-python.log

echo "--- ./zcl keygen + ./zcl run + 4 x ./zcl agent --emulate, CURVE"
keys="$runs/keys"
./zcl keygen --dir "$keys" --name coordinator --name node-1 --name node-2 --name node-3 --name node-4
mkdir -p "$keys/agents" && cp "$keys"/node-*.key "$keys/agents/"
test "$(stat -c %a "$keys/node-1.key_secret")" = 600 || { echo "secret key file should be mode 600"; exit 1; }
bg timeout 180 ./zcl run --cluster examples/coordinator/conf/localhost-4.yaml \
  --plan examples/coordinator/conf/quick-plan.yaml --runs-dir "$runs/c" \
  --curve-secret "$keys/coordinator.key_secret" --allow-keys "$keys/agents" > /tmp/zcl-run.log 2>&1
coordinator=$!
agents=()
for i in 1 2 3 4; do
  bg timeout 180 ./zcl agent --coordinator tcp://127.0.0.1:5555 --node-id "node-$i" --emulate \
    --curve-secret "$keys/node-$i.key_secret" --coordinator-key "$keys/coordinator.key" > "/tmp/zcl-agent-$i.log" 2>&1
  agents+=($!)
done
wait "$coordinator" || { cat /tmp/zcl-run.log; exit 1; }
grep '^RESULT' /tmp/zcl-run.log
grep -q 'fail=0 error=0' /tmp/zcl-run.log || { cat /tmp/zcl-run.log; exit 1; }
grep -q '(CURVE, public key' /tmp/zcl-run.log || { echo "run should say it uses CURVE"; cat /tmp/zcl-run.log; exit 1; }
stop "${agents[@]}"

echo "--- ./zcl run + 4 x ./zcl agent --emulate, --insecure on loopback"
bg timeout 180 ./zcl run --cluster examples/coordinator/conf/localhost-4.yaml \
  --plan examples/coordinator/conf/quick-plan.yaml --runs-dir "$runs/d" --insecure > /tmp/zcl-run-insecure.log 2>&1
coordinator=$!
agents=()
for i in 1 2 3 4; do
  bg timeout 180 ./zcl agent --coordinator tcp://127.0.0.1:5555 --node-id "node-$i" --emulate --insecure \
    > "/tmp/zcl-agent-insecure-$i.log" 2>&1
  agents+=($!)
done
wait "$coordinator" || { cat /tmp/zcl-run-insecure.log; exit 1; }
grep '^RESULT' /tmp/zcl-run-insecure.log
grep -q 'fail=0 error=0' /tmp/zcl-run-insecure.log || { cat /tmp/zcl-run-insecure.log; exit 1; }
grep -q 'WARNING: --insecure' /tmp/zcl-run-insecure.log || { echo "--insecure should warn"; exit 1; }
stop "${agents[@]}"

echo "--- ./zcl bench --nodes 1,8 --samples 100 (a short run: the report is produced and complete; no timing gate)"
timeout 600 ./zcl bench --nodes 1,8 --samples 100 --runs-dir "$runs/bench" > /tmp/zcl-bench.log 2> /tmp/zcl-bench.err \
  || { cat /tmp/zcl-bench.err; exit 1; }
for f in bench.json bench.md latency-cdf.svg makespan.svg; do test -s "$runs/bench/latest/$f"; done
for t in zmq ssh; do
  grep -q "\"transport\" *: *\"$t\"" "$runs/bench/latest/bench.json" || { echo "bench.json has no $t figures"; exit 1; }
done
sed -n '/## Targets/,/## Notes/p' "$runs/bench/latest/bench.md"
# examples/monitoring/README.md
http_get() { # http_get PORT PATH: a plain HTTP/1.0 GET through bash's /dev/tcp (no curl needed)
  exec 3<>"/dev/tcp/127.0.0.1/$1"; printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3; cat <&3; exec 3<&-
}
echo "--- ./zcl simulate --monitor"
bg timeout 180 ./zcl simulate --monitor --hold-seconds 5 --runs-dir "$runs/m" > /tmp/zcl-simulate-monitor.log 2> /tmp/zcl-simulate-monitor.err
sim=$!
for _ in $(seq 1 60); do grep -q '^dashboard: http://' /tmp/zcl-simulate-monitor.err && break; sleep 1; done
grep '^dashboard: ' /tmp/zcl-simulate-monitor.err || { cat /tmp/zcl-simulate-monitor.err; exit 1; }
events=$(grep -o 'events: tcp://[0-9.:]*' /tmp/zcl-simulate-monitor.err | cut -d' ' -f2)
port=$(grep -o '^dashboard: http://127.0.0.1:[0-9]*' /tmp/zcl-simulate-monitor.err | sed 's/.*://')
http_get "$port" /metrics | grep -q '^# TYPE zcl_nodes gauge' || { echo "no /metrics on the dashboard"; exit 1; }
grep -q 'monitor --events tcp://127.0.0.1:[0-9]* --insecure' /tmp/zcl-simulate-monitor.err || { echo "simulate --monitor should say how to follow its plaintext stream"; exit 1; }
echo "--- ./zcl monitor --events $events --tui --once --insecure"
timeout 60 ./zcl monitor --events "$events" --tui --once --insecure > /tmp/zcl-monitor-tui.log || { cat /tmp/zcl-monitor-tui.log; exit 1; }
grep -q 'leaf-2  node-8' /tmp/zcl-monitor-tui.log || { echo "the table should list node-8 on leaf-2"; cat /tmp/zcl-monitor-tui.log; exit 1; }
head -3 /tmp/zcl-monitor-tui.log
wait "$sim" || { cat /tmp/zcl-simulate-monitor.err; exit 1; }
grep -q 'fail=0 error=0' /tmp/zcl-simulate-monitor.log || { cat /tmp/zcl-simulate-monitor.log; exit 1; }

echo "--- CURVE: ./zcl run --events --monitor-keys + ./zcl monitor with its keys + 4 x ./zcl agent"
./zcl keygen --dir "$keys" --name monitor --name stranger
mkdir -p "$keys/monitors" && cp "$keys/monitor.key" "$keys/monitors/"
bg timeout 120 ./zcl monitor --events tcp://127.0.0.1:5560 --http 127.0.0.1:8080 --duration-s 100 \
  --curve-secret "$keys/monitor.key_secret" --coordinator-key "$keys/coordinator.key" > /tmp/zcl-monitor.log 2>&1
monitor=$!
bg timeout 180 ./zcl run --cluster examples/coordinator/conf/localhost-4.yaml \
  --plan examples/coordinator/conf/quick-plan.yaml --runs-dir "$runs/e" \
  --curve-secret "$keys/coordinator.key_secret" --allow-keys "$keys/agents" \
  --events tcp://127.0.0.1:5560 --monitor-keys "$keys/monitors" > /tmp/zcl-run-events.log 2>&1
coordinator=$!
# (the run waits for its agents; they start after this check)
for _ in $(seq 1 60); do grep -q 'event stream is CURVE' /tmp/zcl-run-events.log && break; sleep 1; done
echo "--- ./zcl monitor with a key not in --monitor-keys: refused, says why"
if timeout 60 ./zcl monitor --events tcp://127.0.0.1:5560 --tui --once \
    --curve-secret "$keys/stranger.key_secret" --coordinator-key "$keys/coordinator.key" > /tmp/zcl-monitor-stranger.log 2>&1; then
  echo "a monitor whose key is not allowed should get nothing"; cat /tmp/zcl-monitor-stranger.log; exit 1
fi
grep "refused this monitor's key" /tmp/zcl-monitor-stranger.log || { cat /tmp/zcl-monitor-stranger.log; exit 1; }
agents=()
for i in 1 2 3 4; do
  bg timeout 180 ./zcl agent --coordinator tcp://127.0.0.1:5555 --node-id "node-$i" --emulate \
    --curve-secret "$keys/node-$i.key_secret" --coordinator-key "$keys/coordinator.key" > "/tmp/zcl-agent-e$i.log" 2>&1
  agents+=($!)
done
wait "$coordinator" || { cat /tmp/zcl-run-events.log; exit 1; }
grep '^RESULT' /tmp/zcl-run-events.log
grep -q 'fail=0 error=0' /tmp/zcl-run-events.log || { cat /tmp/zcl-run-events.log; exit 1; }
results=$(grep -o 'results=[0-9]*' /tmp/zcl-run-events.log | cut -d= -f2)
counted=$(http_get 8080 /metrics | awk '/^zcl_results_total\{/ { n += $2 } END { print n + 0 }')
[ "$counted" = "$results" ] || { echo "/metrics counts $counted results, the run had $results"; http_get 8080 /metrics; exit 1; }
echo "/metrics counted all $counted results (CURVE event stream)"
stop "$monitor" "${agents[@]}"

echo "--- --insecure on loopback: ./zcl run --events + ./zcl monitor --insecure --tui + 4 x ./zcl agent --insecure"
bg timeout 180 ./zcl run --cluster examples/coordinator/conf/localhost-4.yaml \
  --plan examples/coordinator/conf/quick-plan.yaml --events tcp://127.0.0.1:5560 --insecure --runs-dir "$runs/f" > /tmp/zcl-run-events-insecure.log 2>&1
coordinator=$!
agents=()
for i in 1 2 3 4; do
  bg timeout 180 ./zcl agent --coordinator tcp://127.0.0.1:5555 --node-id "node-$i" --emulate --insecure > "/tmp/zcl-agent-f$i.log" 2>&1
  agents+=($!)
done
for _ in $(seq 1 60); do grep -q "events for 'zcl monitor'" /tmp/zcl-run-events-insecure.log && break; sleep 1; done
timeout 60 ./zcl monitor --events tcp://127.0.0.1:5560 --tui --once --insecure > /tmp/zcl-monitor-insecure.log 2>&1 \
  || { cat /tmp/zcl-monitor-insecure.log; exit 1; }
grep -q 'WARNING: --insecure' /tmp/zcl-monitor-insecure.log || { echo "monitor --insecure should warn"; exit 1; }
grep -q 'node-4' /tmp/zcl-monitor-insecure.log || { cat /tmp/zcl-monitor-insecure.log; exit 1; }
wait "$coordinator" || { cat /tmp/zcl-run-events-insecure.log; exit 1; }
grep '^RESULT' /tmp/zcl-run-events-insecure.log
grep -q 'WARNING: --insecure: the event stream on tcp://127.0.0.1:5560' /tmp/zcl-run-events-insecure.log \
  || { echo "run --events --insecure should warn about the event stream"; exit 1; }
stop "${agents[@]}"

echo "--- ./zcl soak --seconds 20"
timeout 180 ./zcl soak --seconds 20 > /tmp/zcl-soak.log 2>/tmp/zcl-soak.err || { cat /tmp/zcl-soak.log; tail -50 /tmp/zcl-soak.err; exit 1; }
grep '^SOAK' /tmp/zcl-soak.log
grep -q 'problems=0' /tmp/zcl-soak.log || { cat /tmp/zcl-soak.log; exit 1; }

echo "README commands OK"
