#!/usr/bin/env bash
# The README's test command with both cores kept busy: Debian's `stress-ng --cpu N` runs for the
# whole time, and `./mvnw verify` runs --runs times in a row, each in a fresh clone of HEAD. The
# tests must not depend on a quiet machine: any failure fails this script. stress-ng is started
# here and stopped by the PID this script got for it, also on failure or Ctrl-C.
#
#   .ci/under-load.sh [--runs N] [--cpu N] [--out DIR]   # defaults: 3 runs, --cpu 2, logs in /var/tmp/zcl-under-load
#
# Installs stress-ng when missing (root). With ZCL_CI=true (as .ci/extended sets it) a test whose
# outside program is missing fails instead of skipping. Part of .ci/extended; about 5 to 6 minutes a
# run on 2 cores under the hog.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"

runs=3
cpu=2
out=/var/tmp/zcl-under-load
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --cpu) cpu="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "under-load: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ && "$cpu" =~ ^[1-9][0-9]*$ ]] || { echo "under-load: --runs and --cpu take positive numbers" >&2; exit 2; }

if ! command -v stress-ng >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >/dev/null
fi

mkdir -p "$out"
hog=""
stop_hog() {
  if [[ -n "$hog" ]]; then
    kill -TERM "$hog" 2>/dev/null || true
    wait "$hog" 2>/dev/null || true
    hog=""
  fi
}
trap stop_hog EXIT
stress-ng --cpu "$cpu" --timeout 0 --quiet &
hog=$!
echo "under-load: stress-ng --cpu $cpu running (pid $hog)"

failed=0
for ((i = 1; i <= runs; i++)); do
  clone="$(mktemp -d /var/tmp/zcl-under-load-clone.XXXXXX)"
  git clone -q "$repo" "$clone"
  log="$out/run-$i.log"
  load0=$(cut -d' ' -f1 /proc/loadavg)
  start=$SECONDS
  rc=0
  (cd "$clone" && ./mvnw -B -ntp verify) >"$log" 2>&1 || rc=$?
  secs=$((SECONDS - start))
  load1=$(cut -d' ' -f1 /proc/loadavg)
  kill -0 "$hog" 2>/dev/null || { echo "under-load: stress-ng is gone; the run was not under load"; exit 1; }
  tests=$(cat "$clone"/*/target/surefire-reports/TEST-*.xml "$clone"/*/*/target/surefire-reports/TEST-*.xml 2>/dev/null \
            | grep -o '<testsuite [^>]*' | grep -o ' tests="[0-9]*"' | tr -dc '0-9\n' | awk '{n += $1} END {print n + 0}')
  skipped=$(cat "$clone"/*/target/surefire-reports/TEST-*.xml "$clone"/*/*/target/surefire-reports/TEST-*.xml 2>/dev/null \
            | grep -o '<testsuite [^>]*' | grep -o ' skipped="[0-9]*"' | tr -dc '0-9\n' | awk '{n += $1} END {print n + 0}')
  if [[ $rc -eq 0 ]]; then verdict=PASSED; else verdict="FAILED (exit $rc)"; failed=1; fi
  echo "under-load run $i/$runs: $verdict in ${secs} s, $tests tests, $skipped skipped, load average ${load0} at start, ${load1} at end"
  if [[ $rc -ne 0 ]]; then
    grep -E '<<< (FAILURE|ERROR)|Tests run:.*(Failures|Errors): [1-9]' "$log" | head -20 || true
  fi
  rm -rf "$clone"
done
exit "$failed"
