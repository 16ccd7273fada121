#!/usr/bin/env bash
# Runs the commands the root README shows, as a user would, and checks what they print.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=$(mktemp -d)
trap 'pkill -f "zcl.jar agent" 2>/dev/null || true; rm -rf "$runs"' EXIT

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

echo "--- ./zcl keygen + ./zcl run + 4 x ./zcl agent --emulate, CURVE"
keys="$runs/keys"
./zcl keygen --dir "$keys" --name coordinator --name node-1 --name node-2 --name node-3 --name node-4
mkdir -p "$keys/agents" && cp "$keys"/node-*.key "$keys/agents/"
test "$(stat -c %a "$keys/node-1.key_secret")" = 600 || { echo "secret key file should be mode 600"; exit 1; }
timeout 180 ./zcl run --cluster examples/coordinator/conf/localhost-4.yaml \
  --plan examples/coordinator/conf/quick-plan.yaml --runs-dir "$runs/c" \
  --curve-secret "$keys/coordinator.key_secret" --allow-keys "$keys/agents" > /tmp/zcl-run.log 2>&1 &
coordinator=$!
agents=()
for i in 1 2 3 4; do
  timeout 180 ./zcl agent --coordinator tcp://127.0.0.1:5555 --node-id "node-$i" --emulate \
    --curve-secret "$keys/node-$i.key_secret" --coordinator-key "$keys/coordinator.key" > "/tmp/zcl-agent-$i.log" 2>&1 &
  agents+=($!)
done
wait "$coordinator" || { cat /tmp/zcl-run.log; exit 1; }
grep '^RESULT' /tmp/zcl-run.log
grep -q 'fail=0 error=0' /tmp/zcl-run.log || { cat /tmp/zcl-run.log; exit 1; }
grep -q '(CURVE, public key' /tmp/zcl-run.log || { echo "run should say it uses CURVE"; cat /tmp/zcl-run.log; exit 1; }
kill "${agents[@]}"; wait "${agents[@]}" 2>/dev/null || true

echo "--- ./zcl run + 4 x ./zcl agent --emulate, --insecure on loopback"
timeout 180 ./zcl run --cluster examples/coordinator/conf/localhost-4.yaml \
  --plan examples/coordinator/conf/quick-plan.yaml --runs-dir "$runs/d" --insecure > /tmp/zcl-run-insecure.log 2>&1 &
coordinator=$!
agents=()
for i in 1 2 3 4; do
  timeout 180 ./zcl agent --coordinator tcp://127.0.0.1:5555 --node-id "node-$i" --emulate --insecure \
    > "/tmp/zcl-agent-insecure-$i.log" 2>&1 &
  agents+=($!)
done
wait "$coordinator" || { cat /tmp/zcl-run-insecure.log; exit 1; }
grep '^RESULT' /tmp/zcl-run-insecure.log
grep -q 'fail=0 error=0' /tmp/zcl-run-insecure.log || { cat /tmp/zcl-run-insecure.log; exit 1; }
grep -q 'WARNING: --insecure' /tmp/zcl-run-insecure.log || { echo "--insecure should warn"; exit 1; }
kill "${agents[@]}"; wait "${agents[@]}" 2>/dev/null || true

echo "--- ./zcl bench --nodes 1,8,64"
timeout 900 ./zcl bench --nodes 1,8,64 --runs-dir "$runs/bench" > /tmp/zcl-bench.log 2> /tmp/zcl-bench.err \
  || { cat /tmp/zcl-bench.err; exit 1; }
for f in bench.json bench.md latency-cdf.svg makespan.svg; do test -s "$runs/bench/latest/$f"; done
sed -n '/## Targets/,/## Notes/p' "$runs/bench/latest/bench.md"
echo "README commands OK"
