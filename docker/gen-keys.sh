#!/usr/bin/env bash
# CURVE key pairs for the simulated cluster, made with `zcl keygen` in the cluster image, laid out
# one folder per container (the compose file mounts $ZCL_CURVE_DIR/<service> on /etc/zcl/curve):
#   DIR/coordinator/coordinator.key_secret   the coordinator's secret key (zcl run --curve-secret)
#   DIR/coordinator/agents/node-<i>.key      the allow-list folder (zcl run --allow-keys)
#   DIR/node-<i>/node.key_secret             node-<i>'s secret key (zcl agent --curve-secret)
#   DIR/node-<i>/coordinator.key             the coordinator's public key (zcl agent --coordinator-key)
#   DIR/coordinator/monitors/monitor.key     the monitors' allow-list folder (zcl run --monitor-keys)
#   DIR/monitor/monitor.key_secret           the monitor's secret key (zcl monitor --curve-secret)
#   DIR/monitor/coordinator.key              the coordinator's public key (zcl monitor --coordinator-key)
#   DIR/monitor/http-token                   the dashboard's token (zcl monitor --http-token-file; the
#                                            dashboard listens on 0.0.0.0 inside its container)
# Usage: docker/gen-keys.sh --nodes N --out DIR   (keeps DIR when it already has keys for N nodes)
set -euo pipefail
nodes=4
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gen-keys: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$out" ]] || { echo "gen-keys: --out DIR is required" >&2; exit 2; }
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "gen-keys: --nodes must be a positive number" >&2; exit 2; }
if [[ -s "$out/coordinator/coordinator.key_secret" && -s "$out/node-$nodes/node.key_secret" \
  && -s "$out/monitor/monitor.key_secret" && -s "$out/monitor/http-token" ]]; then
  exit 0
fi
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
names=(--name coordinator --name monitor)
for ((i = 1; i <= nodes; i++)); do names+=(--name "node-$i"); done
docker run --rm -v "$out:/keys" "${ZCL_IMAGE:-zcl:local}" bash -ec '
  zcl keygen --dir /keys/all "$@" >/dev/null
  mkdir -p /keys/coordinator/agents
  mv /keys/all/coordinator.key_secret /keys/coordinator/
  mkdir -p /keys/coordinator/monitors /keys/monitor
  mv /keys/all/monitor.key_secret /keys/monitor/
  cp /keys/all/coordinator.key /keys/monitor/coordinator.key
  (umask 077 && head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n" > /keys/monitor/http-token)
  mv /keys/all/monitor.key /keys/coordinator/monitors/
  for f in /keys/all/node-*.key_secret; do
    n="$(basename "$f" .key_secret)"
    mkdir -p "/keys/$n"
    mv "$f" "/keys/$n/node.key_secret"
    cp /keys/all/coordinator.key "/keys/$n/coordinator.key"
    mv "/keys/all/$n.key" /keys/coordinator/agents/
  done
  rm -rf /keys/all' _ "${names[@]}"
echo "gen-keys: CURVE keys for the coordinator, the monitor and $nodes nodes in $out"
