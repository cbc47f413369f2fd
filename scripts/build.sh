#!/usr/bin/env bash
# Configures and builds readiness-gate in build/ (or $BUILD_DIR). Extra args go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
if [[ ! -f "$build_dir/build.ninja" ]]; then
  # -g1 (line tables): backtraces keep file:line, and a clean build takes about a fifth less
  # time than with full debug information.
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" ${CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j"$(nproc)" "$@"
