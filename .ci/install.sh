#!/usr/bin/env bash
# Installs the outside programs the tests and CI steps need, from Debian's packages, when missing
# (root, no stdin). Used by .ci/run and .ci/extended.
#   .ci/install.sh            # what ./mvnw verify's tests need: sshd, chromium + chromedriver, pyzmq + msgpack,
#                             # asyncssh and pdsh (the bench's other SSH clients)
#   .ci/install.sh --extended # and what .ci/extended adds: stress-ng
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

extended=0
[[ "${1:-}" == "--extended" ]] && extended=1

updated=0
install() { # packages...
  if [[ $updated -eq 0 ]]; then apt-get update -qq; updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" > /dev/null
}

echo "--- openssh-server (real sshd for the SSH transport's tests and the bench)"
if [ ! -x /usr/sbin/sshd ]; then
  # policy-rc.d keeps the package from starting a system sshd on port 22; tests start their own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  install openssh-server openssh-client
  rm -f /usr/sbin/policy-rc.d
fi
/usr/sbin/sshd -V 2>&1 | head -1 || true

echo "--- chromium, chromium-driver (the dashboard's browser test)"
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  install chromium chromium-driver
fi
/usr/bin/chromium --version 2>/dev/null | head -1 || true

echo "--- python3-zmq, python3-msgpack (the Python ZCR1 coordinator)"
if ! /usr/bin/python3 -c 'import zmq, msgpack' 2>/dev/null; then
  install python3 python3-zmq python3-msgpack
fi
/usr/bin/python3 -c 'import zmq, msgpack; print("pyzmq", zmq.__version__, "libzmq", zmq.zmq_version(), "msgpack", msgpack.version)'

echo "--- python3-asyncssh, pdsh (the bench's asyncssh and pdsh contenders)"
if ! /usr/bin/python3 -c 'import asyncssh' 2>/dev/null || [ ! -x /usr/bin/pdsh ]; then
  install python3-asyncssh pdsh openssh-client
fi
/usr/bin/python3 -c 'import asyncssh; print("asyncssh", asyncssh.__version__)' 2>/dev/null
pdsh -V 2>&1 | head -1

if [[ $extended -eq 1 ]]; then
  echo "--- stress-ng (the under-load runs)"
  command -v stress-ng > /dev/null || install stress-ng
  stress-ng --version | head -1
fi
