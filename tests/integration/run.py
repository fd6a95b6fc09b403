#!/usr/bin/python3
"""Runs every integration test module (test_*.py in this directory), or the
ones named on the command line, against the server binary in VIREO_SERVER.

The last line printed is exactly `integration: N passed, M failed`, counting
test cases (errors count as failed, skips as neither); the exit status is
non-zero when anything failed. VIREO_QUICK=1 shortens the slow tests.
VIREO_SKIP_ORACLE=1 leaves out the test classes that run their bodies on
redis-server alone (BINARY = redis-server: they check that a test states
Redis's behaviour, which a sanitizer build of Vireo cannot change).

VIREO_TEST_JOBS=N (N > 1, and no module named) runs the modules in N child
processes at a time, the biggest files first, each child printing its
module's log when it ends; most of a module's time is spent waiting on
servers and timeouts, so two at a time on two cores take about 60% of the
serial time. Modules in SERIAL measure timing and run alone at the end.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from slowest import TimingResult, print_slowest  # noqa: E402
TEST_TIMEOUT_S = 180  # per test case; a hung server must not hang the run


class TestTimeout(Exception):
  pass


def on_alarm(signum, frame):
  raise TestTimeout("test exceeded %d s" % TEST_TIMEOUT_S)


class TimedResult(TimingResult):
  """Arms an alarm around each test so that a server that stops answering
  turns into one failed test instead of a stuck suite."""

  def startTest(self, test):
    signal.alarm(TEST_TIMEOUT_S)
    super().startTest(test)

  def stopTest(self, test):
    signal.alarm(0)
    super().stopTest(test)


def load(names):
  loader = unittest.TestLoader()
  if names:
    return loader.loadTestsFromNames(
        [n[:-3] if n.endswith(".py") else n for n in names])
  return loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)


def without_oracle_classes(suite, redis_binary):
  """The suite minus the cases whose class runs only redis-server."""
  kept = unittest.TestSuite()
  for item in suite:
    if isinstance(item, unittest.TestSuite):
      kept.addTest(without_oracle_classes(item, redis_binary))
    elif getattr(type(item), "BINARY", None) != redis_binary:
      kept.addTest(item)
  return kept


# Modules whose assertions depend on timing (latency bounds, pauses, client
# timeouts): run alone, after the parallel part.
SERIAL = {"test_pause_static", "test_latency_monitor", "test_latency_tracking", "test_slowlog_monitor"}


def run_parallel(jobs):
  """Every module in its own child process, `jobs` at a time, then SERIAL
  ones one by one. Prints each child's log as it ends and the summary."""
  modules = sorted((f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py")),
                   key=lambda m: -os.path.getsize(os.path.join(HERE, m + ".py")))
  queue = [m for m in modules if m not in SERIAL]
  serial = [m for m in modules if m in SERIAL]
  print("integration: %d modules, %d at a time (%d alone at the end)" % (len(modules), jobs, len(serial)),
        flush=True)
  start = time.monotonic()
  running = []  # (module, process, log file, start)
  passed = failed = 0
  bad_modules = []
  times = []

  def finish(entry):
    nonlocal passed, failed
    module, proc, log, began = entry
    rc = proc.wait()
    log.seek(0)
    text = log.read().decode("utf-8", "replace")
    log.close()
    sys.stdout.write(text)
    times.append((time.monotonic() - began, module))
    p = f = 0
    for line in text.splitlines():
      if line.startswith("integration: ") and " passed, " in line:
        words = line.split()
        p, f = int(words[1]), int(words[3])
    if rc != 0 and f == 0:
      f = 1
    passed += p
    failed += f
    if rc != 0:
      bad_modules.append(module)
    sys.stdout.flush()

  def launch(module):
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), module],
                            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, VIREO_TEST_JOBS="1", VIREO_TEST_CHILD="1"))
    running.append((module, proc, log, time.monotonic()))

  for pool, width in ((queue, jobs), (serial, 1)):
    while pool or running:
      while pool and len(running) < width:
        launch(pool.pop(0))
      time.sleep(0.1)
      for entry in [e for e in running if e[1].poll() is not None]:
        running.remove(entry)
        finish(entry)
  print("slowest modules:")
  for seconds, module in sorted(times, reverse=True)[:12]:
    print("  %6.1f s  %s" % (seconds, module))
  print("slowest 12 modules above (cases are timed in serial runs: VIREO_TEST_JOBS=1)")
  if bad_modules:
    print("integration: failed modules: %s" % " ".join(bad_modules))
  print("integration: %.1f s in all" % (time.monotonic() - start))
  print("integration: %d passed, %d failed" % (passed, failed), flush=True)
  return 1 if failed or passed == 0 else 0


def main():
  jobs = int(os.environ.get("VIREO_TEST_JOBS", "1") or "1")
  if jobs > 1 and not sys.argv[1:]:
    return run_parallel(jobs)
  sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
  sys.path.insert(0, HERE)
  import harness  # after the path is set: the test modules import it too

  binary = harness.server_binary()
  print("integration: server under test: %s%s" %
        (binary, "" if os.access(binary, os.X_OK) else " (NOT FOUND)"),
        flush=True)
  suite = load(sys.argv[1:])
  if os.environ.get("VIREO_SKIP_ORACLE", "") not in ("", "0"):
    suite = without_oracle_classes(suite, "/usr/bin/redis-server")
  start = time.monotonic()
  signal.signal(signal.SIGALRM, on_alarm)
  runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                   resultclass=TimedResult)
  result = runner.run(suite)
  if not os.environ.get("VIREO_TEST_CHILD"):  # a parallel run's parent prints its own
    print_slowest(result, sys.stdout)
  failed = len(result.failures) + len(result.errors) + \
      len(result.unexpectedSuccesses)
  passed = result.testsRun - failed - len(result.skipped)
  print("integration: %d skipped, %.1f s" %
        (len(result.skipped), time.monotonic() - start))
  print("integration: %d passed, %d failed" % (passed, failed), flush=True)
  return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
  sys.exit(main())
