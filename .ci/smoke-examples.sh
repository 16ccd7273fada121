#!/usr/bin/env bash
# Runs ./zcl as a user would: the listing, then every example in its one-process mode, each with
# a timeout, so a command shown in a README is a command CI has run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./zcl >/dev/null
./zcl example | tee /tmp/zcl-examples.txt
# Example names are the first word of the indented lines.
names=$(awk '/^  [a-z]/ {print $1}' /tmp/zcl-examples.txt)
[ -n "$names" ] || { echo "no examples listed" >&2; exit 1; }
for name in $names; do
  printf '\n--- ./zcl example %s\n' "$name"
  timeout 60 ./zcl example "$name" > "/tmp/zcl-example-$name.log" 2>&1 || {
    echo "FAILED: ./zcl example $name (exit $?)"; tail -40 "/tmp/zcl-example-$name.log"; exit 1; }
  tail -3 "/tmp/zcl-example-$name.log"
done
echo "all $(echo "$names" | wc -w) examples ran"
