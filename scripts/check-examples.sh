#!/usr/bin/env bash
# The main job: build readiness-gate if needed and check every example gate offline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
scripts/build.sh --target readiness-gate
# manifests/install.yaml holds the target of examples/self-gate.yaml (the operator itself).
exec "${BUILD_DIR:-build}/readiness-gate" check -f manifests/examples/ -f manifests/install.yaml "$@"
