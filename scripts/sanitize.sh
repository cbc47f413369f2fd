#!/usr/bin/env bash
# Sanitizer jobs. asan: the product's *_tests programs built with AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan), then the unit and wire suites. tsan: the work queue,
# informer, leader-election and runtime check pool tests built with ThreadSanitizer
# (build-tsan). A sanitizer report in any process, test or child, fails the job: reports go to
# files that must stay empty.
# Usage: scripts/sanitize.sh [asan] [tsan]   (both by default)
# Environment: ASAN_BUILD_DIR, TSAN_BUILD_DIR, CMAKE_ARGS (extra cmake arguments), CTEST_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
jobs=("$@")
[[ ${#jobs[@]} -eq 0 ]] && jobs=(asan tsan)

scripts/setup.sh test
scripts/fetch-tools.sh >/dev/null # kubectl for kubectl_tests (label wire)

ctest_jobs="${CTEST_JOBS:-$(nproc)}"
failed=()

configure() { # dir kind optimisation
  if [[ ! -f "$1/build.ninja" ]]; then
    # shellcheck disable=SC2086 # CMAKE_ARGS is a list of arguments
    # -g1 (line tables only): stack traces keep file:line at a fraction of -g's cost.
    cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$3 -g1 -DNDEBUG" -DRG_SANITIZE="$2" ${CMAKE_ARGS:-} >/dev/null
  fi
}

# Reports are written as <dir>/<tool>.<pid>; any file there is a finding.
report_dir() {
  rm -rf "$1"
  mkdir -p "$1"
}
check_reports() { # dir job
  local files
  files=$(find "$1" -type f | sort)
  if [[ -n "$files" ]]; then
    echo "sanitize: $2: sanitizer reports:" >&2
    for f in $files; do
      echo "--- $f" >&2
      cat "$f" >&2
    done
    return 1
  fi
}

run_asan() {
  local dir="${ASAN_BUILD_DIR:-build-asan}" reports
  reports="$root/$dir/sanitizer-reports"
  # -O0: on 2 cores, building these programs took 781 s (1230 s at -O1 with apiserver_tests),
  # and their tests 280 s instead of 243 s.
  configure "$dir" address -O0
  report_dir "$reports"
  # Test discovery runs the programs at build time, so the options apply to the build too.
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:log_path=$reports/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
  export LSAN_OPTIONS="suppressions=$root/tests/support/lsan.supp:print_suppressions=0"
  # Every test program of the product (the unit and wire suites are spread over several); the
  # labels select. apiserver_tests tests only the test API server, and the programs that start
  # the operator as a child process would test it without its sanitizer.
  local targets
  mapfile -t targets < <(ninja -C "$dir" -t targets all | sed -n 's/^\([A-Za-z0-9_]*_tests\): CXX_EXECUTABLE_LINKER.*/\1/p' |
    grep -v -x -E "${ASAN_SKIP_TARGETS:-install_tests|e2e_tests|control_plane_tests|control_plane_ops_tests|scenario_tests|apiserver_tests}")
  local start=$SECONDS
  ninja -C "$dir" "${targets[@]}"
  echo "sanitize: asan: built ${#targets[@]} test programs in $((SECONDS - start)) s"
  start=$SECONDS
  local status=0
  # MallocArenas tests glibc's malloc, which AddressSanitizer replaces.
  (cd "$dir" && ctest --output-on-failure --no-tests=error --timeout 600 -j"$ctest_jobs" -L 'unit|wire' \
    -E '^MallocArenas\.') || status=1
  echo "sanitize: asan: ctest took $((SECONDS - start)) s"
  check_reports "$reports" asan || status=1
  unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
  [[ $status -eq 0 ]] || failed+=(asan)
}

run_tsan() {
  local dir="${TSAN_BUILD_DIR:-build-tsan}" reports
  reports="$root/$dir/sanitizer-reports"
  # -O1: ThreadSanitizer's overhead is per memory access, which -O0 multiplies.
  configure "$dir" thread -O1
  report_dir "$reports"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/support/tsan.supp:log_path=$reports/tsan"
  local start=$SECONDS
  ninja -C "$dir" workqueue_tests informer_tests providers_tests
  echo "sanitize: tsan: built in $((SECONDS - start)) s"
  start=$SECONDS
  local status=0
  # The work queue (label concurrency) and all of informer_tests: informers, object store,
  # leader election and the event recorder, unit and against the test API server.
  (cd "$dir" && ctest --output-on-failure --no-tests=error --timeout 600 -j"$ctest_jobs" -L concurrency) ||
    status=1
  local suites
  suites=$("$dir/informer_tests" --gtest_list_tests | sed -n 's/^\([A-Za-z0-9_]*\)\.$/\1/p' | paste -sd '|')
  # The runtime check pool: its threads, rounds and answers.
  suites+="|RuntimeCheckPoolTest"
  (cd "$dir" && ctest --output-on-failure --no-tests=error --timeout 600 -j"$ctest_jobs" \
    -R "^($suites)\\.") || status=1
  echo "sanitize: tsan: ctest took $((SECONDS - start)) s"
  check_reports "$reports" tsan || status=1
  unset TSAN_OPTIONS
  [[ $status -eq 0 ]] || failed+=(tsan)
}

for job in "${jobs[@]}"; do
  case "$job" in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *)
      echo "sanitize: unknown job \"$job\" (asan, tsan)" >&2
      exit 2
      ;;
  esac
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "sanitize: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "sanitize: clean: ${jobs[*]}"
