#!/usr/bin/env bash
# Install what is missing, build with -Werror, run every test suite, then
# build again with ASan+UBSan and run them once more. Ends with one line
# "N passed, N failed" over both runs. Benchmarks run in a short mode.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1

passed=0 failed=0 skipped=0
count() { # $1: build dir; adds its meson test results to the totals
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || { failed=$((failed + 1)); return; }
  read -r p f s < <(python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

run_suite() { # $1: build dir, rest: meson setup options
  local dir="$1"; shift
  rm -rf "$dir"
  if ! meson setup "$dir" --werror "$@" >"$dir.setup.log" 2>&1; then
    cat "$dir.setup.log"; failed=$((failed + 1)); return
  fi
  if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
    tail -50 "$dir.build.log"; failed=$((failed + 1)); return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 2>&1 | grep -vE '^\s*$' | tail -40
  count "$dir"
}

echo "== style: clang-format --dry-run --Werror (.clang-format)"
# The output decides, not the pipeline's status (with pipefail a failing
# clang-format made the old `if ... | grep .` report "style ok").
style=$(git ls-files '*.c' '*.h' | grep -v '^tests/fixtures/' | xargs clang-format --dry-run --Werror 2>&1 | head -20)
if [ -n "$style" ]; then
  echo "$style"
  echo "style check failed: run clang-format -i on the files above"; failed=$((failed + 1))
else
  echo "style ok"; passed=$((passed + 1))
fi

echo "== build and test (gcc, -Werror)"
run_suite build-ci
echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false

if [ -d build-ci ]; then
  echo "== benchmarks (short mode; full runs: see tests/bench/)"
  BENCH_MB=${BENCH_MB:-8} RUNS=1 tests/bench/bench_patterns.sh build-ci || echo "pattern benchmark failed (not counted)"
  BENCH_DOCS=${BENCH_DOCS:-600} RUNS=1 tests/bench/bench_batch.sh build-ci || echo "batch benchmark failed (not counted)"
  BENCH_DOCS=${BENCH_DOCS:-600} tests/bench/bench_detect.sh build-ci || echo "detect benchmark failed (not counted)"
  SHORT=1 tests/bench/bench_langid.sh build-ci || echo "langid benchmark failed (not counted)"
  BENCH_SHORT=1 tests/bench/bench_pdf.sh build-ci || echo "pdf benchmark failed (not counted)"
  BENCH_PAGES=1 tests/bench/bench_ocr.sh build-ci || echo "ocr benchmark failed (not counted)"
  BENCH_SHORT=1 tests/bench/bench_watch.sh build-ci || echo "watch benchmark failed (not counted)"
  SHORT=1 tests/bench/bench_search.sh build-ci || echo "search benchmark failed (not counted)"
  BENCH_SHORT=1 tests/bench/bench_office.sh build-ci || echo "office benchmark failed (not counted)"
  BENCH_SHORT=1 tests/bench/bench_legacy.sh build-ci || echo "legacy/RTF benchmark failed (not counted)"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
