#!/usr/bin/env bash
# Runs one integration test in a network namespace of its own (an anonymous one, gone when the test ends):
# its loopback, ports and the namespaces and veth pairs it makes are invisible to the host and to the other
# tests ctest runs beside it, so a fixed port can never collide and nothing reaches the host's network.
# Usage: isolated.sh SCRIPT [ARGS...]
set -euo pipefail
if [ "${PHONEBOOT_ISOLATED:-}" != 1 ]; then
  export PHONEBOOT_ISOLATED=1
  exec unshare --net -- "$0" "$@"
fi
ip link set lo up
exec "$@"
