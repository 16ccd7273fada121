#!/usr/bin/env bash
# Makes sure a Docker daemon answers, starting one by hand where nothing else does (machines and
# CI containers without systemd). Tries the overlay2 storage driver first and falls back to vfs,
# which works on any filesystem but copies the whole image for every container.
#   docker/dockerd.sh start   # prints the storage driver in use
#   docker/dockerd.sh stop    # stops the daemon only if `start` started it
# Env: ZCL_DOCKERD_LOG (default /tmp/zcl-dockerd.log), ZCL_DOCKERD_WAIT_S (default 30).
set -euo pipefail

log="${ZCL_DOCKERD_LOG:-/tmp/zcl-dockerd.log}"
wait_s="${ZCL_DOCKERD_WAIT_S:-30}"
pidfile=/run/zcl-dockerd.pid

say() { printf 'dockerd.sh: %s\n' "$*" >&2; }
driver() { docker info --format '{{.Driver}}' 2>/dev/null; }

try_driver() {
  local want="$1" pid i
  # setsid: the daemon outlives this script and does not get the caller's Ctrl-C.
  setsid dockerd --storage-driver "$want" >>"$log" 2>&1 </dev/null &
  pid=$!
  for ((i = 0; i < wait_s * 5; i++)); do
    if [[ "$(driver)" == "$want" ]]; then
      echo "$pid" >"$pidfile"
      say "started dockerd (pid $pid, storage driver $want, log $log)"
      echo "$want"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  say "dockerd with $want did not come up; last lines of $log:"
  tail -n 5 "$log" >&2 || true
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f /var/run/docker.pid
  return 1
}

start() {
  local d
  if d="$(driver)" && [[ -n "$d" ]]; then
    say "a daemon already answers (storage driver $d)"
    echo "$d"
    return 0
  fi
  command -v dockerd >/dev/null || { say "no dockerd: apt-get install -y docker.io"; return 1; }
  [[ $(id -u) -eq 0 ]] || { say "no daemon answers, and only root can start one"; return 1; }
  try_driver overlay2 || try_driver vfs || { say "no storage driver worked"; return 1; }
}

stop() {
  local pid i
  [[ -f "$pidfile" ]] || { say "no daemon started by this script; leaving docker alone"; return 0; }
  pid="$(cat "$pidfile")"
  if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]]; then
    rm -f "$pidfile"
    say "dockerd $pid is gone already"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f "$pidfile"
  say "stopped dockerd $pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
