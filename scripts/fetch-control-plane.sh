#!/usr/bin/env bash
# Provides a real Kubernetes control plane for the `control-plane` tests: Debian's etcd-server
# (3.4) and kube-apiserver + kube-controller-manager 1.20.2 built from the source of Debian's
# `kubernetes` package with Debian's Go. Idempotent: the two binaries are cached in a folder
# keyed by version outside the build tree ($RG_CONTROL_PLANE_CACHE, default
# /var/cache/readiness-gate/control-plane/<version>), reused by every clone on the machine.
# Prints the folder that holds etcd, kube-apiserver and kube-controller-manager (last line).
#
# Cost of the one-time build on 2 cores: 11 to 13 minutes (download, extract, code generators,
# both binaries; measured 791 s with a C++ build running beside it); the source tree with its Go
# cache takes 2.2 GB while building and is removed afterwards; the cache keeps the two binaries,
# 205 MB (kube-apiserver 110 MB, kube-controller-manager 104 MB).
set -euo pipefail

VERSION="1.20.2"
cache_root="${RG_CONTROL_PLANE_CACHE:-/var/cache/readiness-gate/control-plane}"
dest="${cache_root}/v${VERSION}"

log() { echo "fetch-control-plane: $*" >&2; }

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

install_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

have_binaries() {
  [[ -x "${dest}/kube-apiserver" && -x "${dest}/kube-controller-manager" && -x "${dest}/etcd" ]]
}

# etcd and openssl (test certificates) are needed at run time, cached build or not.
install_packages etcd-server openssl
if have_binaries; then
  echo "${dest}"
  exit 0
fi

install_packages golang-go rsync jq golang-github-modern-go-reflect2-dev dpkg-dev make

# The machine's apt sources may hold binary entries only; source entries are added beside them.
if ! apt-get source --print-uris kubernetes >/dev/null 2>&1 ||
  [[ -z "$(apt-get source --print-uris kubernetes 2>/dev/null | grep orig)" ]]; then
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      $sudo tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
  elif [[ -f /etc/apt/sources.list ]]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | $sudo tee /etc/apt/sources.list.d/debian-src.list >/dev/null
  fi
  $sudo apt-get update -qq
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/rg-control-plane.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
start=$(date +%s)
log "building kube-apiserver and kube-controller-manager ${VERSION} in ${work} (11 to 13 minutes, once)"
(cd "${work}" && apt-get source --download-only kubernetes >/dev/null 2>&1)
orig="$(ls "${work}"/kubernetes_*.orig.tar.gz | head -n1)"
tar -xzf "${orig}" -C "${work}"
src="$(find "${work}" -maxdepth 1 -type d -name "kubernetes-${VERSION}*" | head -n1)"
[[ -d "${src}" ]] || {
  log "no kubernetes-${VERSION} source in ${orig}"
  exit 1
}
# Go >= 1.18 crashes the vendored reflect2 1.0.1 ("unexpected fault address" in mapiterinit,
# through json-iterator) on the first custom resource; Debian's reflect2 1.0.2 works.
rm -rf "${src}/vendor/github.com/modern-go/reflect2"
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "${src}/vendor/github.com/modern-go/reflect2"
# GOPATH mode, as the package's own debian/rules builds it; `make` runs the code generators.
mkdir -p "${src}/.go/src/k8s.io"
ln -s ../../.. "${src}/.go/src/k8s.io/kubernetes"
(cd "${src}" && GOPATH="${src}/.go" CGO_ENABLED=0 \
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >"${work}/build.log" 2>&1) || {
  tail -n 40 "${work}/build.log" >&2
  exit 1
}
$sudo mkdir -p "${dest}.tmp"
$sudo install -m 0755 "${src}/_output/bin/kube-apiserver" "${src}/_output/bin/kube-controller-manager" "${dest}.tmp/"
$sudo ln -sf /usr/bin/etcd "${dest}.tmp/etcd"
$sudo rm -rf "${dest}"
$sudo mv "${dest}.tmp" "${dest}"
log "built in $(($(date +%s) - start)) s; $(du -sh "${dest}" | cut -f1) in ${dest}"
echo "${dest}"
