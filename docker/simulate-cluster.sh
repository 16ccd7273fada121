#!/usr/bin/env bash
# simulate-cluster.sh: the cluster as containers, in one command. Builds what is missing (the jar,
# the base image, the image), brings up a coordinator and N node containers with docker-compose,
# runs the default plan over ZeroMQ against them and then over SSH (the nodes' sshd), copies both
# run folders to runs/, prints the summaries and a per-transport table, and brings the cluster
# down, also on failure or Ctrl-C. It fails (exit 1) when either run fails or prints no RESULT.
#
#   docker/simulate-cluster.sh --nodes 4
#   docker/simulate-cluster.sh --nodes 6 --profile wan --fault node-3:slow-link
#
# Options:
#   --nodes N            node containers (default 4), two per leaf switch (one with --nodes 2)
#   --profile NAME       network profile from docker/network-configs (lan, datacenter, cross-rack,
#                        wan, lossy, partitioned); default none
#   --fault NODE:KIND    inject a fault (repeatable): KIND is slow-link[:F], faulty-gpu[:I],
#                        dead-gpus, hang or exit:N, e.g. node-3:slow-link
#   --plan FILE          a plan file (YAML) instead of the default plan
#   --time-scale S       share of the tools' modelled run time really waited (default 0.01)
#   --keep               leave the cluster up afterwards (docker-compose -p zcl-sim ... down to stop)
# Needs root on a machine without a running Docker daemon (it installs docker.io, docker-compose
# and debootstrap with apt-get when they are missing, and starts dockerd by hand).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

nodes=4
profile=""
faults=()
plan=""
time_scale="0.01"
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes="$2"; shift ;;
    --profile) profile="$2"; shift ;;
    --fault) faults+=("$2"); shift ;;
    --plan) plan="$2"; shift ;;
    --time-scale) time_scale="$2"; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "simulate-cluster: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "simulate-cluster: --nodes must be a positive integer" >&2; exit 2; }
# Two nodes per leaf; with two nodes, one per leaf, so the leaf-to-leaf schedules still have pairs.
leaf_size=2
[[ $nodes -eq 2 ]] && leaf_size=1
if [[ $nodes -eq 1 && -z "$plan" ]]; then
  echo "simulate-cluster: the default plan pairs nodes across leaves: use --nodes 2 or more, or --plan" >&2
  exit 2
fi
if [[ -n "$profile" && ! -f "$here/network-configs/$profile.conf" ]]; then
  echo "simulate-cluster: no profile '$profile' in docker/network-configs ($(cd "$here/network-configs" && ls -- *.conf | sed 's/\.conf$//' | tr '\n' ' '))" >&2
  exit 2
fi

project="${ZCL_COMPOSE_PROJECT:-zcl-sim}"
work="$here/target/cluster-$nodes"
ssh_dir="$here/target/ssh"
curve_dir="$here/target/curve"
logs="$here/target/logs"
t0=$SECONDS

step() { printf '\n== %s (%d s)\n' "$*" "$((SECONDS - t0))"; }
say() { printf '   %s\n' "$*"; }
die() { printf 'simulate-cluster: %s\n' "$*" >&2; exit 1; }

# Fault flags become per-node variables the compose file hands to each agent's --fault.
for f in "${faults[@]+"${faults[@]}"}"; do
  [[ "$f" =~ ^node-([0-9]+):(.+)$ ]] || die "--fault $f: expected NODE:KIND, e.g. node-3:slow-link"
  (( BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= nodes )) || die "--fault $f: no such node (node-1..node-$nodes)"
  export "ZCL_FAULT_NODE_${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
done
export ZCL_NET_PROFILE="$profile" ZCL_TIME_SCALE="$time_scale" ZCL_SSH_DIR="$ssh_dir" ZCL_IMAGE="${ZCL_IMAGE:-zcl:local}"
export ZCL_CURVE_DIR="$curve_dir"

step "prerequisites"
missing=()
command -v docker >/dev/null || missing+=(docker.io)
command -v dockerd >/dev/null || docker info >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null || docker image inspect zcl-base:bookworm >/dev/null 2>&1 || missing+=(debootstrap)
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    die "missing ${missing[*]}: install them (as root: apt-get install ${missing[*]})"
  fi
  say "installing ${missing[*]} with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
"$here/dockerd.sh" start >/dev/null
if command -v docker-compose >/dev/null; then compose=(docker-compose); else compose=(docker compose); fi
say "docker $(docker version -f '{{.Server.Version}}'), storage driver $(docker info -f '{{.Driver}}'), ${compose[*]}"

step "jar, base image, image (each built only when missing or stale)"
(cd "$repo" && ./zcl --version >/dev/null)
"$here/build-base-image.sh"
"$here/build-image.sh"

if [[ ! -s "$ssh_dir/coordinator/id_ecdsa" ]]; then
  # One user key for the coordinator and one host key shared by the nodes: a simulation, not a site.
  mkdir -p "$ssh_dir/node" "$ssh_dir/coordinator"
  docker run --rm -v "$ssh_dir:/keys" "$ZCL_IMAGE" bash -ec '
    rm -f /keys/coordinator/id_ecdsa* /keys/node/ssh_host_ecdsa_key* /keys/node/authorized_keys
    ssh-keygen -q -t ecdsa -N "" -C zcl-coordinator -f /keys/coordinator/id_ecdsa
    ssh-keygen -q -t ecdsa -N "" -C zcl-node -f /keys/node/ssh_host_ecdsa_key
    cp /keys/coordinator/id_ecdsa.pub /keys/node/authorized_keys'
fi
"$here/gen-keys.sh" --nodes "$nodes" --out "$curve_dir" >/dev/null
host_key="$(cut -d' ' -f1,2 "$ssh_dir/node/ssh_host_ecdsa_key.pub")"
for ((i = 1; i <= nodes; i++)); do echo "node-$i $host_key"; done >"$ssh_dir/coordinator/known_hosts"
"$here/gen-cluster.sh" --nodes "$nodes" --leaf-size "$leaf_size" --out "$work" 2>/dev/null
mkdir -p "$logs"
: >"$logs/compose.log"
dc() { "${compose[@]}" -p "$project" -f "$work/docker-compose.yml" "$@"; }
# A service's container id, without docker-compose's second of start-up.
dc_id() { docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1"; }

bg_pids=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${bg_pids[@]+"${bg_pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
  if [[ $keep -eq 1 && $rc -eq 0 ]]; then
    printf '\nCluster left up: %s -p %s -f %s down\n' "${compose[*]}" "$project" "$work/docker-compose.yml"
  else
    dc down -t 2 --remove-orphans >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "simulate-cluster: interrupted; bringing the cluster down" >&2; exit 130' INT TERM

# Waits until every container of the project reports healthy (one `docker ps` per second:
# docker-compose v1 takes most of a second per call).
wait_healthy() {
  local deadline=$((SECONDS + $1)) want=$2 states healthy
  while :; do
    states="$(docker ps -a --filter "label=com.docker.compose.project=$project" \
      --format '{{.Label "com.docker.compose.service"}}={{.Status}}')"
    healthy="$(grep -c '(healthy)' <<<"$states" || true)"
    (( healthy >= want )) && return 0
    (( SECONDS < deadline )) || die "not healthy after $1 s: $(grep -v '(healthy)' <<<"$states" | tr '\n' ' ')"
    sleep 1
  done
}

node_services=()
for ((i = 1; i <= nodes; i++)); do node_services+=("node-$i"); done

step "cluster up: coordinator and $nodes nodes (project $project)"
dc down -t 2 --remove-orphans >/dev/null 2>&1 || true
up_start=$SECONDS
compose_up() { dc up -d "$@" >>"$logs/compose.log" 2>&1 || { tail -n 20 "$logs/compose.log" >&2; die "docker-compose up failed"; }; }
compose_up coordinator
coordinator_id="$(dc_id coordinator)"

# Starts `zcl run` in the coordinator before the nodes, so every agent's first HELLO finds it
# (an agent that finds no coordinator backs off, up to 32 s).
plan_args=()
if [[ -n "$plan" ]]; then
  docker cp "$plan" "$coordinator_id:/etc/zcl/plan.yaml"
  plan_args=(--plan /etc/zcl/plan.yaml)
fi
start_run() {
  local transport="$1"
  shift
  dc exec -T coordinator zcl run --cluster /etc/zcl/cluster.yaml --runs-dir /runs --quiet \
    "${plan_args[@]+"${plan_args[@]}"}" "$@" >"$logs/run-$transport.out" 2>"$logs/run-$transport.err" &
  run_pid=$!
  bg_pids+=("$run_pid")
}
start_run zmq --bind 'tcp://*:5555' --curve-secret /etc/zcl/curve/coordinator.key_secret --allow-keys /etc/zcl/curve/agents \
  --events 'tcp://*:5560' --monitor-keys /etc/zcl/curve/monitors
compose_up "${node_services[@]}" monitor
wait_healthy 120 $((nodes + 1))
say "up and healthy in $((SECONDS - up_start)) s"
say "dashboard: http://$(dc port monitor 8080 2>/dev/null || echo '?')/?token=$(dc exec -T monitor cat /etc/zcl/curve/http-token 2>/dev/null || echo '?') (zcl monitor, following the run's events)"
if [[ -n "$profile" ]]; then
  say "network profile $profile, as node-1 applied it:"
  docker logs "$(dc_id node-1)" 2>&1 | grep '^zcl-net:' | sed 's/^/   /'
fi

# The partitioned profile cuts one leaf off the coordinator for a while during the run.
conf_value() { sed -n "s/^$1=\\([A-Za-z0-9._-]*\\)\$/\\1/p" "$here/network-configs/$profile.conf" | tail -n 1; }
if [[ -n "$profile" && -n "$(conf_value PARTITION_LEAF)" ]]; then
  leaf="$(conf_value PARTITION_LEAF)"
  mapfile -t cut_nodes < <(docker ps --filter "label=com.docker.compose.project=$project" --filter "label=io.zcl.leaf=$leaf" \
    --format '{{.Label "io.zcl.node-id"}}')
  if [[ ${#cut_nodes[@]} -eq 0 ]]; then
    say "partition: no node on $leaf in a $nodes-node cluster; nothing to cut"
  else
    (
      sleep "$(conf_value PARTITION_AFTER_S)"
      # Both ends drop what arrives from the other: packets vanish, as in a real partition.
      for node in "${cut_nodes[@]}"; do docker exec "$(dc_id "$node")" zcl-net partition coordinator >/dev/null; done
      docker exec "$coordinator_id" zcl-net partition "${cut_nodes[@]}" >/dev/null
      echo "   partition: $leaf (${cut_nodes[*]}) cut off from the coordinator for $(conf_value PARTITION_FOR_S) s"
      sleep "$(conf_value PARTITION_FOR_S)"
      docker exec "$coordinator_id" zcl-net heal >/dev/null
      for node in "${cut_nodes[@]}"; do docker exec "$(dc_id "$node")" zcl-net heal >/dev/null; done
      echo "   partition: healed"
    ) &
    bg_pids+=($!)
  fi
fi

declare -A result_line
finish_run() {
  local transport="$1" rc=0 id
  wait "$run_pid" || rc=$?
  if [[ $rc -ne 0 ]] || ! grep -q '^RESULT ' "$logs/run-$transport.out"; then
    tail -n 20 "$logs/run-$transport.err" >&2
    die "the $transport run failed (exit $rc); logs in $logs"
  fi
  result_line[$transport]="$(grep '^RESULT ' "$logs/run-$transport.out" | tail -n 1)"
  id="$(sed -n 's/.*runs=\([^ ]*\).*/\1/p' <<<"${result_line[$transport]}")"
  mkdir -p "$repo/runs"
  rm -rf "${repo:?}/runs/$id"
  docker cp "$coordinator_id:/runs/$id" "$repo/runs/$id"
  ln -sfn "$id" "$repo/runs/latest"
  grep -v '^RESULT ' "$logs/run-$transport.out"
  say "run folder: runs/$id (journal.jsonl, summary.md)"
}

step "run over ZeroMQ"
finish_run zmq

step "run over SSH"
start_run ssh --transport ssh --user root --identity /etc/zcl/ssh/id_ecdsa --known-hosts /etc/zcl/ssh/known_hosts
finish_run ssh

step "transports"
printf '   %-9s %8s %5s %5s %6s %10s\n' transport results pass fail error elapsed_s
for transport in zmq ssh; do
  [[ -n "${result_line[$transport]:-}" ]] || die "no $transport result"
  awk -v t="$transport" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "   %-9s %8s %5s %5s %6s %10s\n", t, v["results"], v["pass"], v["fail"], v["error"], v["elapsed_s"] }' \
    <<<"${result_line[$transport]}"
done
step "done; bringing the cluster down"
