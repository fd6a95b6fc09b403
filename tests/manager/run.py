#!/usr/bin/python3
"""Runs every manager test (test_*.py here) and prints one summary line:

  manager: N passed, M failed

Exits non-zero on any failure, or when a test left a node process behind.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import harness  # noqa: E402
from harness import node_pids_in  # noqa: E402
from slowest import TimingResult, print_slowest  # noqa: E402


def main():
  suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py",
                                              top_level_dir=HERE)
  result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout,
                                   resultclass=TimingResult).run(suite)
  print_slowest(result, sys.stdout)
  failed = len(result.failures) + len(result.errors)
  passed = result.testsRun - failed - len(result.skipped)
  leftovers = sorted({pid for d in harness.created_dirs
                      for pid in node_pids_in(d)})
  if leftovers:
    print(f"left-over node processes: {leftovers}")
    failed += 1
  print(f"manager: {passed} passed, {failed} failed")
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main())
