#!/usr/bin/env bash
# Configures and builds readiness-gate in build/ (or $BUILD_DIR). Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" ${CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j"$(nproc)" "$@"
