#!/usr/bin/env bash
# The whole test suite: install what is missing, build everything, run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
if [[ -x scripts/fetch-tools.sh ]]; then scripts/fetch-tools.sh; fi
# The control-plane tests' etcd, kube-apiserver and kube-controller-manager (built once per
# machine, ~11 min; cached). Its last line is the folder CMake points the tests at.
bash scripts/fetch-control-plane.sh >/dev/null
scripts/build.sh
root="$(pwd)"
cd "${BUILD_DIR:-build}"
# A test that crashes leaves a core file (where the kernel writes them to the working
# directory); its backtraces are printed after ctest's summary.
find . -type f \( -name core -o -name 'core.[0-9]*' \) -delete
ulimit -c unlimited 2>/dev/null || true
status=0
ctest --output-on-failure --no-tests=error --timeout 300 -j"$(nproc)" "$@" || status=$?
if [[ $status -ne 0 ]]; then "$root/scripts/core-backtraces.sh" .; fi
exit $status
