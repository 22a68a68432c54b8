#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs every test (unit, integration, fuzz replay).
# Integration tests create network namespaces, so this runs as root (or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then exec sudo -E "$0" "$@"; fi
./scripts/setup.sh
build=${PHONEBOOT_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHONEBOOT_WERROR=ON ${PHONEBOOT_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)" ${PHONEBOOT_BUILD_TARGET:+--target "$PHONEBOOT_BUILD_TARGET"}
cd "$build"
ctest --output-on-failure -j "${PHONEBOOT_TEST_JOBS:-2}" ${PHONEBOOT_CTEST_ARGS:-}
