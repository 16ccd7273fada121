#!/usr/bin/env bash
# Builds the cluster image (docker/Dockerfile) from a staged context: the shaded zcl.jar, the
# emulated perf tools, the delay proxy (docker/delay-proxy, compiled here with javac) and the
# scripts in docker/bin and docker/network-configs. Skipped when an image with the same context
# already exists (a label holds the context's checksum).
#   docker/build-image.sh [--base IMAGE] [--tag zcl:local] [--force]
# --base defaults to zcl-base:bookworm (docker/build-base-image.sh). The jar must be built first
# (./mvnw -B -DskipTests -pl examples/zcl-cli -am package, or ./zcl once).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
base="zcl-base:bookworm"
tag="zcl:local"
force=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base) base="$2"; shift ;;
    --tag) tag="$2"; shift ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { printf 'build-image: %s\n' "$*" >&2; }

jar="$repo/examples/zcl-cli/target/zcl.jar"
tools="$repo/03-cluster-runner-simulation/src/main/resources/emulated-tools"
[[ -f "$jar" ]] || { say "no $jar: build it first (./zcl --help builds it)"; exit 1; }

ctx="$here/target/image-context"
rm -rf "$ctx"
mkdir -p "$ctx/bin" "$ctx/network-configs"
cp "$jar" "$ctx/zcl.jar"
cp -r "$tools" "$ctx/emulated-tools"
cp "$here"/bin/* "$ctx/bin/"
cp "$here"/network-configs/* "$ctx/network-configs/"
cp "$here/Dockerfile" "$ctx/Dockerfile"
# The delay proxy is one Java file; the image has only a JRE, so it is compiled here.
command -v javac >/dev/null || { say "no javac: the delay proxy needs a JDK 17+ here (the jar build needs one too)"; exit 1; }
javac -nowarn --release 17 -d "$ctx/delay-proxy" "$here/delay-proxy/DelayProxy.java"

sum="$( (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "base=$base") | sha256sum | cut -c1-16)"
if [[ $force -eq 0 ]] && [[ "$(docker image inspect -f '{{index .Config.Labels "io.zcl.context"}}' "$tag" 2>/dev/null)" == "$sum" ]]; then
  say "$tag is up to date (context $sum)"
  exit 0
fi
start=$SECONDS
# The classic builder: Debian's docker.io has no buildx, and nothing here needs BuildKit.
if ! DOCKER_BUILDKIT=0 docker build --build-arg "BASE_IMAGE=$base" --label "io.zcl.context=$sum" -t "$tag" "$ctx" \
    >"$ctx.log" 2>&1; then
  tail -n 30 "$ctx.log" >&2
  exit 1
fi
# The image this one replaced is now untagged: drop it (and any other stale build of this script).
docker image prune -f --filter label=io.zcl.context >/dev/null
say "$tag built on $base in $((SECONDS - start)) s (context $sum)"
