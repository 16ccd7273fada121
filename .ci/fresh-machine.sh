#!/usr/bin/env bash
# The README's test command on a fresh machine, as a new user would run it: a clean Debian
# bookworm container holding only openjdk-17-jdk-headless and git (no Maven, no ~/.m2, no sshd,
# Chromium or pyzmq, so the tests that need those skip and say why), a fresh clone of this
# repository's HEAD bind-mounted, and `./mvnw verify` run by an ordinary user (uid 1000, not root).
# Each run starts from a new clone and an empty Maven repository, so every dependency and Maven
# itself are downloaded as on a new laptop.
#
#   .ci/fresh-machine.sh [--runs N] [--out DIR]     # default: 3 runs, logs in /var/tmp/zcl-fresh-machine
#
# Needs root and docker (docker/dockerd.sh starts dockerd when none answers; the base image is
# built by docker/build-base-image.sh when missing, then the JDK image from it). The host's Java
# trust store is mounted read-only (a network whose TLS proxy has its own CA needs it). Prints one line
# per run (wall time, tests, skipped with their reasons) and exits 1 if any run failed.
# Part of .ci/extended; about 5 minutes a run on 2 cores (Maven and every dependency downloaded each time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"

runs=3
out=/var/tmp/zcl-fresh-machine
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-machine: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "fresh-machine: --runs takes a positive number, got $runs" >&2; exit 2; }

say() { printf 'fresh-machine: %s\n' "$*" >&2; }
image=zcl-jdk:bookworm

docker/dockerd.sh start >/dev/null
docker/build-base-image.sh
if ! docker image inspect "$image" >/dev/null 2>&1; then
  say "building $image: zcl-base:bookworm + openjdk-17-jdk-headless + git, without openssh-server"
  name="zcl-jdk-build-$$"
  docker run --name "$name" zcl-base:bookworm bash -ec '
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless git ca-certificates >/dev/null
    apt-get purge -y -qq openssh-server >/dev/null
    apt-get autoremove -y -qq >/dev/null
    apt-get clean; rm -rf /var/lib/apt/lists/*
    useradd -m -u 1000 dev' >/dev/null
  docker commit "$name" "$image" >/dev/null
  docker rm "$name" >/dev/null
fi
docker run --rm "$image" bash -c 'java -version 2>&1 | head -1; command -v sshd mvn chromium || echo "no sshd, no mvn, no chromium: as intended"'

truststore=""
if [[ -r /etc/ssl/certs/java/cacerts ]]; then
  truststore="-v /etc/ssl/certs/java/cacerts:/etc/ssl/certs/java/cacerts:ro"
fi

mkdir -p "$out"
failed=0
for ((i = 1; i <= runs; i++)); do
  clone="$(mktemp -d /var/tmp/zcl-fresh-clone.XXXXXX)"
  git clone -q "$repo" "$clone/src"
  commit="$(git -C "$clone/src" rev-parse --short HEAD)"  # before the clone changes owner
  chown -R 1000:1000 "$clone"
  log="$out/run-$i.log"
  say "run $i/$runs: ./mvnw verify in $image, clone of $commit, log $log"
  start=$SECONDS
  rc=0
  # The user's home is inside the clone's parent: empty, so ~/.m2 and the wrapper's Maven start empty.
  # The host's Java trust store, read-only: where the registries are reached through a TLS proxy,
  # every machine of that network trusts its CA, and so must this one. Nothing else comes in.
  # --init: a process that reaps orphans is PID 1, as on any machine (without it the Maven JVM would
  # be PID 1, and processes a test killed would stay zombies that still look alive).
  docker run --rm --init -u 1000:1000 -e HOME=/work/home -v "$clone:/work" -w /work/src $truststore "$image" \
    bash -c 'mkdir -p "$HOME" && ./mvnw -B -ntp verify' >"$log" 2>&1 || rc=$?
  secs=$((SECONDS - start))
  tests=$(grep -h -o 'tests="[0-9]*"' "$clone"/src/*/target/surefire-reports/TEST-*.xml \
            "$clone"/src/*/*/target/surefire-reports/TEST-*.xml 2>/dev/null | tr -dc '0-9\n' | awk '{n += $1} END {print n + 0}')
  skipped=$(grep -h -o 'skipped="[0-9]*"' "$clone"/src/*/target/surefire-reports/TEST-*.xml \
              "$clone"/src/*/*/target/surefire-reports/TEST-*.xml 2>/dev/null | tr -dc '0-9\n' | awk '{n += $1} END {print n + 0}')
  if [[ $rc -eq 0 ]]; then verdict=PASSED; else verdict="FAILED (exit $rc)"; failed=1; fi
  echo "fresh-machine run $i/$runs ($commit): $verdict in ${secs} s, $tests tests, $skipped skipped"
  # why each skipped test was skipped (the reasons the Requirements helpers give)
  grep -h -A1 '<skipped' "$clone"/src/*/target/surefire-reports/TEST-*.xml "$clone"/src/*/*/target/surefire-reports/TEST-*.xml 2>/dev/null \
    | grep -o 'message="[^"]*"' | sort | uniq -c | sed 's/^/    skipped: /' || true
  if [[ $rc -ne 0 ]]; then
    grep -E 'Tests run:.*(Fail|Err).*[1-9]|FAIL|ERROR\]' "$log" | head -20 || true
  fi
  rm -rf "$clone"
done
exit "$failed"
