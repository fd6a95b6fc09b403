#!/usr/bin/env bash
# Runs every test suite against one build and prints one summary line.
# Env: VIREO_SERVER (binary), VIREO_BUILD (build dir with vireo_unit_tests),
#      VIREO_FUZZ_BUILD (build dir with fuzz_* targets), VIREO_SKIP_FUZZ=1,
#      VIREO_QUICK=1 (shorter runs, for sanitizer builds), PY (python with redis-py).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}
export VIREO_SERVER=$(realpath "${VIREO_SERVER:-build/vireo-server}")
BUILD=${VIREO_BUILD:-build}
FUZZ_BUILD=${VIREO_FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${VIREO_FUZZ_SECONDS:-6}  # a smoke run per target; set it higher for a real fuzzing run

passed=0
failed=0
failed_suites=()
log_dir=$(mktemp -d /tmp/vireo-test-logs.XXXXXX)

# While a suite runs (pid $3), prints every 10 s how many of its tests are
# done, counted from its log: unittest's "... ok" lines, the differential's
# "ok"/"FAIL" lines, the fuzz targets' results. Ends by itself within 1 s of
# the suite.
progress() {
  local name=$1 log=$2 pid=$3 start=$4 ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    ticks=$((ticks + 1))
    [ $((ticks % 10)) -eq 0 ] || continue
    kill -0 "$pid" 2>/dev/null || break
    local ndone nbad
    ndone=$(grep -cE ' \.\.\. (ok|FAIL|ERROR|skipped.*)$|^(ok|FAIL) |^fuzz_[a-z_]+: ' "$log")
    nbad=$(grep -cE ' \.\.\. (FAIL|ERROR)$|^FAIL |^fuzz_[a-z_]+: (CRASH|FINDINGS)' "$log")
    if [ "$ndone" -eq 0 ]; then
      echo "   ... $name: running ($((SECONDS - start))s)"  # reports only at its end
    else
      echo "   ... $name: $ndone done, $nbad failed so far ($((SECONDS - start))s)"
    fi
  done
}

# Runs one suite; its last line matching "<name>: N passed, M failed" is added to the totals.
suite() {
  local name=$1; shift
  local log="$log_dir/$name.log"
  local start=$SECONDS
  echo "== $name (suite $((suite_index += 1)) of $suite_count)"
  "$@" >"$log" 2>&1 &
  local pid=$!
  progress "$name" "$log" "$pid" "$start" &
  local monitor=$!
  wait "$pid"
  local rc=$?
  wait "$monitor"
  local line
  line=$(grep -E "^[a-z-]+: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
  local p f
  p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/p')
  f=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/p')
  p=${p:-0}
  f=${f:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ $rc -ne 0 ]; then
    failed_suites+=("$name")
    echo "   FAILED (rc=$rc) in $((SECONDS - start))s; last lines of $log:"
    tail -40 "$log" | sed 's/^/   | /'
  else
    echo "   ${line:-ok} ($((SECONDS - start))s)"
    # Where the time went (the log is deleted after a green run).
    sed -n '/^slowest modules:/,/^slowest [0-9]/p' "$log" | sed '$d' | head -9 | sed 's/^/   | /'
  fi
  echo "   so far: $passed passed, $failed failed"
}

# GoogleTest: count test cases from its own summary.
unit() {
  "$BUILD/vireo_unit_tests" --gtest_brief=1 2>&1
  local rc=$?
  return $rc
}
unit_wrapper() {
  local out
  out=$(unit)
  local rc=$?
  echo "$out" | tail -30
  local total fails
  total=$(echo "$out" | sed -nE 's/.*\[==========\] ([0-9]+) tests? from .* ran.*/\1/p' | tail -1)
  fails=$(echo "$out" | sed -nE 's/.*\[  FAILED  \] ([0-9]+) tests?, listed below.*/\1/p' | tail -1)
  total=${total:-0}
  fails=${fails:-0}
  echo "unit: $((total - fails)) passed, $fails failed"
  return $rc
}

fuzz_smoke() {
  local any=0 rc=0 n=0 bad=0
  for f in "$FUZZ_BUILD"/fuzz_*; do
    [ -x "$f" ] || continue
    any=1
    local name corpus
    name=$(basename "$f")
    corpus="fuzz/corpus/${name#fuzz_}"
    local work
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus/." "$work/" 2>/dev/null
    if "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=0 -artifact_prefix="$log_dir/$name-" "$work" >"$log_dir/$name.out" 2>&1; then
      n=$((n + 1))
      echo "$name: ok"
    else
      bad=$((bad + 1))
      rc=1
      echo "$name: CRASH"
      tail -30 "$log_dir/$name.out"
    fi
    rm -rf "$work"
  done
  [ $any -eq 1 ] || { echo "no fuzz targets built in $FUZZ_BUILD"; return 1; }
  # The manager's API request parser (Python): a seeded mutation fuzzer.
  if "$PY" fuzz/manager/fuzz_requests.py 50000 "$RANDOM" >"$log_dir/fuzz_requests.out" 2>&1; then
    n=$((n + 1))
    echo "fuzz_requests: ok"
  else
    bad=$((bad + 1))
    rc=1
    echo "fuzz_requests: FINDINGS"
    tail -30 "$log_dir/fuzz_requests.out"
  fi
  echo "fuzz: $n passed, $bad failed"
  return $rc
}

# The suites run below, for the "suite i of n" lines.
suite_index=0
suite_count=2
[ -f tests/integration/run.py ] && suite_count=$((suite_count + 1))
[ -f tests/differential/run.py ] && suite_count=$((suite_count + 1))
[ "${VIREO_SKIP_MANAGER:-0}" != 1 ] && [ -f tests/manager/run.py ] && suite_count=$((suite_count + 1))
[ "${VIREO_SKIP_FUZZ:-0}" = 1 ] || suite_count=$((suite_count + 1))

start_all=$SECONDS
suite layers "$PY" scripts/check_layers.py
suite unit unit_wrapper
[ -f tests/integration/run.py ] && suite integration "$PY" tests/integration/run.py
[ -f tests/differential/run.py ] && suite differential "$PY" tests/differential/run.py
if [ "${VIREO_SKIP_MANAGER:-0}" != 1 ] && [ -f tests/manager/run.py ]; then
  suite manager "$PY" tests/manager/run.py
fi
[ "${VIREO_SKIP_FUZZ:-0}" = 1 ] || suite fuzz fuzz_smoke

echo
if [ ${#failed_suites[@]} -ne 0 ]; then
  echo "failed suites: ${failed_suites[*]} (logs in $log_dir)"
else
  rm -rf "$log_dir"
fi
echo "all suites in $((SECONDS - start_all))s"
echo "$passed passed, $failed failed"
[ ${#failed_suites[@]} -eq 0 ]
