#!/usr/bin/env bash
# Renders manifests/install.yaml (plain manifests for `kubectl apply`) from the Helm chart
# with its default values, in namespace readiness-gate-system, CRD included.
#
#   scripts/render-install.sh          copy crds/ into the chart, then write manifests/install.yaml
#   scripts/render-install.sh OUT      render only, to OUT ("-" for stdout); the drift test uses this
#
# helm: $HELM, else .tools/bin/helm (scripts/fetch-tools.sh fetches it).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="${REPO}/charts/readiness-gate"
CRD="readinessgates.gates.readiness.dev.yaml"
NAMESPACE="readiness-gate-system"
RELEASE="readiness-gate"
HELM="${HELM:-${REPO}/.tools/bin/helm}"

if [[ ! -x "${HELM}" ]]; then
  echo "render-install: no helm at ${HELM}; run scripts/fetch-tools.sh" >&2
  exit 1
fi

out="${1:-}"
if [[ -z "${out}" ]]; then
  # The chart ships the CRD in its crds/ folder; crds/ at the root is the source.
  cp "${REPO}/crds/${CRD}" "${CHART}/crds/${CRD}"
  out="${REPO}/manifests/install.yaml"
fi

render() {
  cat <<HEADER
# readiness-gate: plain install manifests (CRD, RBAC, ServiceAccount, Deployment, metrics Service).
# Generated from charts/readiness-gate with default values by scripts/render-install.sh;
# do not edit by hand: change the chart and run the script again (a test fails on drift).
#   kubectl apply -f manifests/install.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
  labels:
    app.kubernetes.io/name: readiness-gate
HEADER
  "${HELM}" template "${RELEASE}" "${CHART}" --namespace "${NAMESPACE}" --include-crds
}

if [[ "${out}" == "-" ]]; then
  render
else
  tmp="$(mktemp "${out}.XXXXXX")"
  trap 'rm -f "${tmp}"' EXIT
  render >"${tmp}"
  mv "${tmp}" "${out}"
  trap - EXIT
  echo "wrote ${out}"
fi
