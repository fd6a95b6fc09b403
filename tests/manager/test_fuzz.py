"""Runs the request-parser fuzzer for a fixed number of seeded iterations."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "fuzz", "manager"))

import fuzz_requests  # noqa: E402

ITERATIONS = int(os.environ.get("VIREO_MANAGER_FUZZ_ITERATIONS", "20000"))


class FuzzRequests(unittest.TestCase):
  def test_parser_never_fails_outside_api_errors(self):
    for seed in (1, 2, 3):
      findings = fuzz_requests.run(ITERATIONS // 3, seed)
      self.assertEqual(findings[:5], [], f"seed {seed}")


if __name__ == "__main__":
  unittest.main()
