#!/usr/bin/env bash
# Dependencies point one way: kube/ (the Kubernetes library) <- reconcilers/ (the gate domain)
# <- operator/ (the binary's wiring). Prints every #include that points the other way and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
forbid() {  # directory, then the include prefixes its files must not use
  local dir=$1
  shift
  for prefix in "$@"; do
    if grep -rn --include='*.cpp' --include='*.hpp' "#include \"$prefix" "$dir"; then
      status=1
    fi
  done
}
forbid kube reconcilers/ operator/
forbid reconcilers operator/
if [[ $status -eq 0 ]]; then
  echo "layout: dependencies point one way (kube/ <- reconcilers/ <- operator/)"
else
  echo "layout: the includes above point against kube/ <- reconcilers/ <- operator/" >&2
fi
exit $status
