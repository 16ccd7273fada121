#!/usr/bin/env bash
# The docker part of CI: the cluster as containers (docker/), on a machine with no image registry.
# Runs as root with no stdin (called by .ci/run). Installs docker.io, docker-compose and
# debootstrap, starts dockerd (overlay2, else vfs), builds the jar, the base image (debootstrap)
# and the cluster image, checks the committed compose and cluster files and the network profiles,
# runs the committed compose file by hand, the "docker"-tagged Testcontainers tests (docker/tests;
# like .ci/run for the other modules, it fails if any of them was skipped) and the two
# simulate-cluster.sh commands docker/README.md shows (each must print a zmq and an ssh row), and
# removes every container and network it made, also on failure. About 6 minutes on 2 cores when
# the packages and the base image are not there yet.
#   .ci/docker.sh              # the merge gate's part (.ci/run)
#   .ci/docker.sh --extended   # only the long run .ci/extended adds: simulate-cluster.sh under the
#                              # partitioned profile with a slow-link fault
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extended=0
[[ "${1:-}" == "--extended" ]] && extended=1

t0=$SECONDS
step() { printf '\n=== docker: %s (%d s)\n' "$*" "$((SECONDS - t0))"; }

# Containers and networks of the docker tests (Testcontainers with Ryuk off labels them), of the
# compose project simulate-cluster.sh uses, and of any project of our compose file (its services
# carry io.zcl.role, its network io.zcl.cluster: ComposeClusterTest's project name is random).
sweep() {
  local ids
  ids="$( { docker ps -aq --filter label=io.zcl.docker-tests
            docker ps -aq --filter label=org.testcontainers=true
            docker ps -aq --filter label=io.zcl.role
            docker ps -aq --filter label=com.docker.compose.project=zcl-sim
            docker ps -aq --filter label=com.docker.compose.project=zcl; } | sort -u)"
  [[ -z "$ids" ]] || docker rm -f $ids >/dev/null 2>&1 || true
  ids="$( { docker network ls -q --filter label=io.zcl.docker-tests
            docker network ls -q --filter label=org.testcontainers=true
            docker network ls -q --filter label=io.zcl.cluster
            docker network ls -q --filter label=com.docker.compose.project=zcl-sim
            docker network ls -q --filter label=com.docker.compose.project=zcl; } | sort -u)"
  [[ -z "$ids" ]] || docker network rm $ids >/dev/null 2>&1 || true
}
cleanup() {
  local rc=$?
  trap - EXIT
  if docker info >/dev/null 2>&1; then
    sweep
  fi
  docker/dockerd.sh stop || true
  printf '\n=== docker: %s after %d s\n' "$([[ $rc -eq 0 ]] && echo passed || echo "FAILED (exit $rc)")" "$((SECONDS - t0))"
  exit "$rc"
}
trap cleanup EXIT

step "packages: docker.io docker-compose debootstrap"
if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
fi
docker-compose version --short

step "dockerd"
driver="$(docker/dockerd.sh start)"
echo "storage driver: $driver"
sweep

step "jar (./zcl builds it when missing or stale)"
./zcl --version

step "base image (debootstrap; skipped when zcl-base:bookworm exists)"
docker/build-base-image.sh

step "cluster image"
docker/build-image.sh

if [[ $extended -eq 0 ]]; then
step "committed compose and cluster files match the generator"
gen="$(mktemp -d)"
docker/gen-cluster.sh --nodes 4 --out "$gen" 2>/dev/null
diff -u docker/docker-compose.yml "$gen/docker-compose.yml"
diff -u docker/cluster.yaml "$gen/cluster.yaml"
rm -rf "$gen"
(cd docker && docker-compose -p zcl-config-check config -q)

step "network profiles apply (mechanism per setting)"
docker run --rm --cap-add NET_ADMIN zcl:local bash -ec \
  'for p in /etc/zcl/network-configs/*.conf; do zcl-net apply "$(basename "$p" .conf)"; done; zcl-net clear >/dev/null'

step "the committed 4-node compose file, by hand (docker/README.md)"
(
  cd docker
  ./gen-keys.sh --nodes 4 --out target/curve
  ZCL_CURVE_DIR=./target/curve docker-compose -p zcl up -d
  docker-compose -p zcl exec -T coordinator zcl run --cluster /etc/zcl/cluster.yaml --bind 'tcp://*:5555' \
    --curve-secret /etc/zcl/curve/coordinator.key_secret --allow-keys /etc/zcl/curve/agents --runs-dir /runs --quiet \
    | grep '^RESULT '
  docker-compose -p zcl down
)

step "docker tests (Testcontainers, tag docker)"
reports=docker/tests/target/surefire-reports
rm -rf "$reports"
ZCL_CI=true TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost \
  timeout 900 ./mvnw -B -ntp -pl docker/tests -am verify -Dzcl.test.excludedGroups=soak -Dgroups=docker
# As .ci/run does for the other modules (whose check ran before these tests existed): every
# docker test ran, none was skipped.
if ! ls "$reports"/TEST-*.xml >/dev/null 2>&1; then
  echo "no surefire reports in $reports: the docker tests did not run"; exit 1
fi
skipped=$(grep -l '<skipped' "$reports"/TEST-*.xml || true)
if [[ -n "$skipped" ]]; then
  echo "CI runs every docker test, but these reports contain skipped tests:"; echo "$skipped"; exit 1
fi
fi

# simulate-cluster.sh ends with one row per transport; both must be there.
simulate() {
  local out
  out="$(mktemp)"
  timeout 600 docker/simulate-cluster.sh "$@" | tee "$out"
  for transport in zmq ssh; do
    grep -Eq "^ +$transport +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+\$" "$out" \
      || { echo "simulate-cluster.sh $*: no $transport row in its transports table"; rm -f "$out"; exit 1; }
  done
  rm -f "$out"
}

if [[ $extended -eq 0 ]]; then
  step "docker/simulate-cluster.sh --nodes 4"
  simulate --nodes 4
else
  step "docker/simulate-cluster.sh --nodes 4 --profile partitioned --fault node-3:slow-link"
  simulate --nodes 4 --profile partitioned --fault node-3:slow-link
fi
