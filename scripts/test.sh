#!/usr/bin/env bash
# The whole test suite: install what is missing, build everything, run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
if [[ -x scripts/fetch-tools.sh ]]; then scripts/fetch-tools.sh; fi
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --no-tests=error --timeout 300 -j"$(nproc)" "$@"
