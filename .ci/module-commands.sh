#!/usr/bin/env bash
# Runs, as typed, the commands the module READMEs (01, 02, 03) and docs/ show that
# smoke-examples.sh and docs-commands.sh do not: each role of a multi-process example as its own
# process, the perf pairs with the README's arguments, and the other simulate variants.
# Also the 01 README's commands without the launcher (java -cp), one test class per module as the
# module READMEs show it (-Dtest=...), and docs/security.md's keygen.
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
  local start=$SECONDS
  if ! timeout "$limit" "$@" > "$logs/$n.log" 2>&1; then
    echo "FAILED: $*"; tail -30 "$logs/$n.log"; for f in "$logs"/*.log; do echo "--- $f"; tail -10 "$f"; done; exit 1
  fi
  tail -2 "$logs/$n.log"
  echo "    ($((SECONDS - start)) s)"
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
# "Without the launcher": the same main with java -cp (shell expansion as typed, hence bash -c)
limit=300
foreground ./mvnw -q -B -pl 01-zmq-basics compile dependency:build-classpath -Dmdep.outputFile=/tmp/01.cp
foreground bash -c 'java -cp 01-zmq-basics/target/classes:$(cat /tmp/01.cp) io.zcl.basics.reqrep.ReqRep'
grep -q 'every request answered: true' "$logs/$n.log" || { echo "ReqRep via java -cp should answer every request"; exit 1; }
foreground bash -c 'java -cp 01-zmq-basics/target/classes:$(cat /tmp/01.cp) io.zcl.basics.reqrep.ReqRep --help'
grep -q '^usage: req-rep' "$logs/$n.log" || { echo "ReqRep --help should print its usage"; exit 1; }
# "Tests": one test class of the module, as the README shows it
rm -f 01-zmq-basics/target/surefire-reports/TEST-io.zcl.basics.ReqRepTest.xml  # so the check below sees this run
foreground ./mvnw -q -B -pl 01-zmq-basics -am verify -Dtest=ReqRepTest -Dsurefire.failIfNoSpecifiedTests=false
test -s 01-zmq-basics/target/surefire-reports/TEST-io.zcl.basics.ReqRepTest.xml || { echo "ReqRepTest did not run"; exit 1; }
limit=120

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
limit=300
rm -f 02-cluster-patterns/target/surefire-reports/TEST-io.zcl.patterns.heartbeat.LivenessTest.xml  # so the check below sees this run
foreground ./mvnw -q -B -pl 02-cluster-patterns -am verify -Dtest=LivenessTest -Dsurefire.failIfNoSpecifiedTests=false
test -s 02-cluster-patterns/target/surefire-reports/TEST-io.zcl.patterns.heartbeat.LivenessTest.xml || { echo "LivenessTest did not run"; exit 1; }

echo "--- 03-cluster-runner-simulation/README.md"
rm -f 03-cluster-runner-simulation/target/surefire-reports/TEST-io.zcl.runner.schedule.ScheduleTest.xml  # so the check below sees this run
foreground ./mvnw -q -B -pl 03-cluster-runner-simulation -am verify -Dtest=ScheduleTest -Dsurefire.failIfNoSpecifiedTests=false
test -s 03-cluster-runner-simulation/target/surefire-reports/TEST-io.zcl.runner.schedule.ScheduleTest.xml || { echo "ScheduleTest did not run"; exit 1; }
foreground ./zcl simulate --transport local --runs-dir "$runs/local"
# (the 16-node run with a hanging node takes about 3 minutes, each of node-9's groups waiting out the
# 15 s command timeout: .ci/extended runs it)
foreground ./zcl simulate --help

echo "--- docs/security.md: keygen, and the four files it says it makes"
limit=120
foreground ./zcl keygen --dir "$runs/keys" --name coordinator --name node-1 --name node-2
for f in coordinator.key coordinator.key_secret node-1.key node-1.key_secret; do
  test -s "$runs/keys/$f" || { echo "keygen should make $f"; ls -l "$runs/keys"; exit 1; }
done
test "$(stat -c %a "$runs/keys/node-1.key_secret")" = 600 || { echo "a secret key file should be mode 600"; exit 1; }
echo "module README commands OK"
