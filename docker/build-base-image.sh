#!/usr/bin/env bash
# Builds the base image locally, with no image registry: debootstrap a Debian bookworm minbase
# into a folder, install a headless Java 17 runtime, OpenSSH server, iproute2 and iptables into it,
# and `docker import` the folder. Skipped when the image already exists (--force rebuilds).
#   docker/build-base-image.sh [--force] [--tag zcl-base:bookworm]
# Needs root, debootstrap and a reachable Debian mirror (ZCL_DEBIAN_MIRROR, default the one in
# /etc/apt/sources.list.d/debian.sources, else deb.debian.org). With a registry, skip this and
# build docker/Dockerfile with its default BASE_IMAGE instead.
set -euo pipefail

tag="zcl-base:bookworm"
force=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1 ;;
    --tag) tag="$2"; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-base-image: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { printf 'build-base-image: %s\n' "$*" >&2; }

if [[ $force -eq 0 ]] && docker image inspect "$tag" >/dev/null 2>&1; then
  say "$tag exists ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')); --force rebuilds it"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { say "debootstrap needs root"; exit 1; }
command -v debootstrap >/dev/null || { say "no debootstrap: apt-get install -y debootstrap"; exit 1; }

mirror="${ZCL_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" && -r /etc/apt/sources.list.d/debian.sources ]]; then
  mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

root="$(mktemp -d /var/tmp/zcl-base.XXXXXX)"
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root" "$root.log"
}
trap cleanup EXIT

start=$SECONDS
say "debootstrap bookworm minbase from $mirror into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

# No daemon may start inside the chroot while packages install (sshd would start on the host).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
say "installing openjdk-17-jre-headless openssh-server iproute2 iptables procps"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -euc '
  apt="apt-get -o APT::Sandbox::User=root -o Dpkg::Use-Pty=0"
  $apt update -qq
  $apt install -y -qq --no-install-recommends openjdk-17-jre-headless openssh-server iproute2 iptables procps
  apt-get clean
  rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* \
         /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log /etc/ssh/ssh_host_*
' >"$root.log" 2>&1 || { tail -n 20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
umount "$root/proc"

say "importing as $tag"
tar --numeric-owner -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  - "$tag" >/dev/null
say "$tag built in $((SECONDS - start)) s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
