#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan) into build-fuzz and runs each for
# FUZZ_SECONDS (60) on a copy of its seed corpus and past findings. A crash, sanitizer report,
# leak, slow input (FUZZ_TIMEOUT seconds, 10) or broken property fails the run; the input is
# kept in build-fuzz/artifacts/ — add it to fuzz/regressions/<target>/ with the fix.
# Usage: scripts/fuzz.sh [target...]   (targets: fuzz/*_fuzzer.cpp without _fuzzer; all by default)
# Environment: FUZZ_SECONDS, FUZZ_TIMEOUT, FUZZ_PARALLEL (targets at once; default: cores),
# FUZZ_BUILD_DIR, CXX_FUZZ (clang++-14).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

scripts/setup.sh fuzz

build="${FUZZ_BUILD_DIR:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
timeout="${FUZZ_TIMEOUT:-10}"
parallel="${FUZZ_PARALLEL:-$(nproc)}"
artifacts="$root/$build/artifacts"

start=$SECONDS
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++-14}" >/dev/null
fi
ninja -C "$build"
echo "fuzz: built in $((SECONDS - start)) s"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for source in fuzz/*_fuzzer.cpp; do
    name="$(basename "$source" .cpp)"
    targets+=("${name%_fuzzer}")
  done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$artifacts"
mkdir -p "$artifacts"
symbolizer="$(command -v llvm-symbolizer-14 || echo /usr/lib/llvm-14/bin/llvm-symbolizer)"
export ASAN_SYMBOLIZER_PATH="$symbolizer"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

# One target: a fresh copy of its corpus (libFuzzer adds what it finds to the first folder).
fuzz_one() {
  local name="$1" corpus="$work/$1"
  mkdir -p "$corpus"
  cp fuzz/corpus/"$name"/* "$corpus"/
  if [[ -d fuzz/regressions/$name ]]; then cp fuzz/regressions/"$name"/* "$corpus"/ 2>/dev/null || true; fi
  "$build/${name}_fuzzer" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$corpus" >"$work/$name.log" 2>&1
}

start=$SECONDS
queue=() # running targets, oldest first, as name:pid
failed=()
finish_oldest() {
  local name="${queue[0]%%:*}" pid="${queue[0]##*:}"
  queue=("${queue[@]:1}")
  if wait "$pid"; then
    echo "fuzz: $name: clean ($(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log") runs)"
  else
    echo "fuzz: $name: FAILED" >&2
    tail -n 60 "$work/$name.log" >&2
    failed+=("$name")
  fi
}
for name in "${targets[@]}"; do
  if [[ ! -x "$build/${name}_fuzzer" || ! -d fuzz/corpus/$name ]]; then
    echo "fuzz: unknown target \"$name\" (no $build/${name}_fuzzer or fuzz/corpus/$name)" >&2
    exit 2
  fi
  # Targets all run for the same time, so the oldest ends first.
  while [[ ${#queue[@]} -ge $parallel ]]; do finish_oldest; done
  fuzz_one "$name" &
  queue+=("$name:$!")
done
while [[ ${#queue[@]} -gt 0 ]]; do finish_oldest; done
echo "fuzz: ran ${#targets[@]} targets for ${seconds} s each in $((SECONDS - start)) s"

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${failed[*]}; inputs in $artifacts:" >&2
  ls -l "$artifacts" >&2
  exit 1
fi
