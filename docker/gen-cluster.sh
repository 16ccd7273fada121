#!/usr/bin/env bash
# Writes a compose file and the matching cluster file for N nodes, because `docker-compose up
# --scale` gives no stable node ids. Nodes sit on leaves in blocks of --leaf-size (node-1..2 on
# leaf-1, node-3..4 on leaf-2, ...), like racks; hosts in the cluster file are the service names.
#   docker/gen-cluster.sh --nodes 8 --out docker/target/cluster-8
#   docker/gen-cluster.sh --nodes 4 --out docker      # the committed docker/docker-compose.yml
# Writes OUT/docker-compose.yml and OUT/cluster.yaml (compose file format 2.4: docker-compose v1
# and v2 both run it).
set -euo pipefail

nodes=4
leaf_size=2
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes="$2"; shift ;;
    --leaf-size) leaf_size="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gen-cluster: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$out" ]] || { echo "gen-cluster: --out DIR is required" >&2; exit 2; }
[[ "$nodes" =~ ^[1-9][0-9]*$ && "$leaf_size" =~ ^[1-9][0-9]*$ ]] || {
  echo "gen-cluster: --nodes and --leaf-size must be positive integers" >&2; exit 2; }
mkdir -p "$out"

leaf_of() { echo "leaf-$(( ($1 - 1) / leaf_size + 1 ))"; }

{
  cat <<EOF
# $nodes nodes, written by docker/gen-cluster.sh --nodes $nodes --leaf-size $leaf_size: regenerate rather than edit.
# One image for every role (docker/build-image.sh). The coordinator idles until a run is started in
# it (docker/simulate-cluster.sh does: docker-compose exec coordinator zcl run ...); each node runs
# the agent with the emulated perf tools, and sshd when a key is mounted. Variables:
#   ZCL_IMAGE (zcl:local), ZCL_TIME_SCALE (0.01), ZCL_NET_PROFILE (none), ZCL_SSH_DIR (./ssh),
#   ZCL_CURVE_DIR (./curve: coordinator/{coordinator.key_secret,agents/} and node-<i>/{node.key_secret,
#   coordinator.key}, as docker/simulate-cluster.sh makes them with zcl keygen),
#   ZCL_FAULT_NODE_<i> (an agent --fault KIND for node-<i>).
version: "2.4"

services:
  coordinator:
    image: \${ZCL_IMAGE:-zcl:local}
    hostname: coordinator
    init: true
    # Runs the jar once (zcl --version, kept for the healthcheck), then idles until a run is
    # started in it; a JVM or jar that cannot start ends the container at once.
    command: ["sh", "-c", "zcl --version >/run/zcl-version && exec sleep infinity"]
    # NET_ADMIN: a partition is cut on both ends (zcl-net partition, in the node and here).
    cap_add: [NET_ADMIN]
    environment:
      ZCL_JAVA_OPTS: "-Xmx256m -XX:+UseSerialGC"
    labels:
      io.zcl.role: coordinator
    volumes:
      - ./cluster.yaml:/etc/zcl/cluster.yaml:ro
      - \${ZCL_SSH_DIR:-./ssh}/coordinator:/etc/zcl/ssh:ro
      - \${ZCL_CURVE_DIR:-./curve}/coordinator:/etc/zcl/curve:ro
    # Healthy: the jar ran at start (the check does not start a JVM every few seconds: each takes
    # about a second of CPU), and what a ZeroMQ run needs is mounted and readable: the cluster file,
    # the CURVE secret key and at least one agent key to allow. It does not mean that a run is going
    # on (runs are started with docker-compose exec) or that any agent is connected, and it does not
    # look at the SSH key (only an SSH run needs it).
    healthcheck:
      test: ["CMD-SHELL", "grep -q '^zcl ' /run/zcl-version && test -r /etc/zcl/cluster.yaml && test -r /etc/zcl/curve/coordinator.key_secret && ls /etc/zcl/curve/agents/*.key >/dev/null"]
      interval: 3s
      timeout: 3s
      retries: 3
    networks: [cluster]

  # The dashboard (zcl monitor): follows the coordinator's event stream, which a run publishes with
  # zcl run --events 'tcp://*:5560' --monitor-keys DIR (simulate-cluster.sh does): CURVE, with the
  # monitor's key pair from gen-keys.sh allow-listed there. Published on the host's loopback
  # at a free port: docker-compose port monitor 8080 says which. It listens on 0.0.0.0 in its
  # container, so it requires the token gen-keys.sh wrote (open /?token=TOKEN).
  monitor:
    image: \${ZCL_IMAGE:-zcl:local}
    hostname: monitor
    init: true
    command: ["zcl", "monitor", "--events", "tcp://coordinator:5560", "--http", "0.0.0.0:8080",
              "--curve-secret", "/etc/zcl/curve/monitor.key_secret", "--coordinator-key", "/etc/zcl/curve/coordinator.key",
              "--http-token-file", "/etc/zcl/curve/http-token"]
    depends_on: [coordinator]
    ports: ["127.0.0.1::8080"]
    volumes:
      - \${ZCL_CURVE_DIR:-./curve}/monitor:/etc/zcl/curve:ro
    environment:
      ZCL_JAVA_OPTS: "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
    labels:
      io.zcl.role: monitor
    healthcheck:
      test: ["CMD-SHELL", "pgrep -f 'zcl[.]jar monitor' >/dev/null"]
      interval: 3s
      timeout: 3s
      retries: 3
      start_period: 10s
    networks: [cluster]
EOF
  for ((i = 1; i <= nodes; i++)); do
    leaf="$(leaf_of "$i")"
    cat <<EOF

  node-$i:
    image: \${ZCL_IMAGE:-zcl:local}
    hostname: node-$i
    init: true
    command: ["zcl-node"]
    cap_add: [NET_ADMIN]
    # Started after the coordinator, so its name resolves at the agent's first try. An agent that
    # cannot resolve it, or finds no coordinator, is not stopped by it: it tries again after a
    # backoff that doubles up to 32 s (zcl-node gives zcl agent --connect-timeout 0: no limit).
    depends_on: [coordinator]
    environment:
      ZCL_NODE_ID: node-$i
      ZCL_COORDINATOR: tcp://coordinator:5555
      ZCL_TIME_SCALE: \${ZCL_TIME_SCALE:-0.01}
      ZCL_FAULT: \${ZCL_FAULT_NODE_$i:-}
      ZCL_NET_PROFILE: \${ZCL_NET_PROFILE:-}
      ZCL_JAVA_OPTS: "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
    labels:
      io.zcl.role: node
      io.zcl.node-id: node-$i
      io.zcl.leaf: $leaf
    volumes:
      - \${ZCL_SSH_DIR:-./ssh}/node:/etc/zcl/ssh:ro
      - \${ZCL_CURVE_DIR:-./curve}/node-$i:/etc/zcl/curve:ro
    healthcheck:
      test: ["CMD-SHELL", "pgrep -f 'zcl[.]jar agent' >/dev/null && { [ ! -s /etc/zcl/ssh/authorized_keys ] || pgrep -x sshd >/dev/null; }"]
      interval: 3s
      timeout: 3s
      retries: 3
      start_period: 10s
    networks: [cluster]
EOF
  done
  cat <<EOF

networks:
  cluster:
    labels:
      io.zcl.cluster: "true"
EOF
} >"$out/docker-compose.yml"

# Every node is the HGX H100 the emulated tools model (SystemProfiles.h100 in
# 03-cluster-runner-simulation): ZeroMQ agents say so in HELLO, and the SSH transport reads it
# from here, so both transports size their tests (GPUs, NIC thresholds) the same way.
cpus() { seq -s ', ' "$1" "$2"; }
pci=(0000:18:00.0 0000:40:00.0 0000:4f:00.0 0000:5e:00.0 0000:9a:00.0 0000:c0:00.0 0000:ce:00.0 0000:dc:00.0)
{
  echo "# $nodes nodes, written by docker/gen-cluster.sh with the compose file beside it: hosts are service names."
  echo "name: docker-$nodes"
  echo "defaults:"
  echo "  system:"
  echo "    gpus:"
  for g in 0 1 2 3 4 5 6 7; do
    echo "      - { index: $g, model: \"NVIDIA H100 80GB HBM3\", memory_gb: 80, nvlink_links: 18, nvlink_gb_per_sec: 25, tflops: 50 }"
  done
  echo "    nics:"
  for n in 0 1 2 3 4 5 6 7; do
    echo "      - { name: mlx5_$n, link_rate_gbps: 400, pci_bus: \"${pci[$n]}\" }"
  done
  echo "    numa:"
  echo "      - { id: 0, cpus: [$(cpus 0 55)], gpus: [0, 1, 2, 3], nics: [mlx5_0, mlx5_1, mlx5_2, mlx5_3] }"
  echo "      - { id: 1, cpus: [$(cpus 56 111)], gpus: [4, 5, 6, 7], nics: [mlx5_4, mlx5_5, mlx5_6, mlx5_7] }"
  echo "nodes:"
  for ((i = 1; i <= nodes; i++)); do
    echo "  - { id: node-$i, host: node-$i, leaf: $(leaf_of "$i") }"
  done
} >"$out/cluster.yaml"

echo "gen-cluster: wrote $out/docker-compose.yml and $out/cluster.yaml ($nodes nodes, $(( (nodes - 1) / leaf_size + 1 )) leaves)" >&2
