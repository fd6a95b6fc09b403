#!/usr/bin/python3
"""Runs every integration test module (test_*.py in this directory), or the
ones named on the command line, against the server binary in VIREO_SERVER.

The last line printed is exactly `integration: N passed, M failed`, counting
test cases (errors count as failed, skips as neither); the exit status is
non-zero when anything failed. VIREO_QUICK=1 shortens the slow tests.
VIREO_SKIP_ORACLE=1 leaves out the test classes that run their bodies on
redis-server alone (BINARY = redis-server: they check that a test states
Redis's behaviour, which a sanitizer build of Vireo cannot change).
"""

import os
import signal
import sys
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


def main():
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
