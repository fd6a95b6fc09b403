#!/usr/bin/python3
"""Entry point of the differential tests: every case file, then the random
runs, against one redis-server / vireo-server pair.

Environment:
  VIREO_SERVER   server under test (default build/vireo-server of this checkout)
  REDIS_SERVER   reference (default /usr/bin/redis-server)
  VIREO_QUICK=1  20,000 random commands per run instead of 100,000
  VIREO_DIFF_SEEDS  comma-separated seeds for the random runs (default: a
                 fixed seed, for reproducibility, plus one from the clock)

Ends with the line `differential: N passed, M failed` (N/M count case files
and random runs) and exits non-zero if anything failed.
"""

import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import case_runner  # noqa: E402
import harness  # noqa: E402
import random_test  # noqa: E402


def main():
  quick = os.environ.get("VIREO_QUICK") == "1"
  count = 20000 if quick else random_test.DEFAULT_COUNT
  seeds = os.environ.get("VIREO_DIFF_SEEDS")
  seeds = seeds.split(",") if seeds else ["1", str(int(time.time()) % 1000000)]
  start = time.time()
  passed = failed = 0
  pair = harness.ServerPair()
  try:
    pair.start()
    print("differential: redis=%s (port %d), vireo=%s (port %d)" % (
        pair.reference.binary, pair.reference.port, pair.candidate.binary,
        pair.candidate.port))
    sys.stdout.flush()
    p, f = case_runner.run_case_files(pair, case_runner.case_files())
    passed += p
    failed += f
    # The last seed runs again with lists in compressed quicklists.
    for seed, compressed in [(s, False) for s in seeds] + [(seeds[-1], True)]:
      try:
        pair.restart_dead()
      except RuntimeError as e:
        print("FAIL random seed=%s: no usable server (%s)" % (seed, e))
        failed += 1
        continue
      try:
        ok = random_test.run_random(pair, seed, count,
                                    compressed_lists=compressed)
      except Exception:  # A harness bug: report it, keep the summary line.
        traceback.print_exc()
        ok = False
      if ok:
        passed += 1
      else:
        failed += 1
  except RuntimeError as e:
    # A server that does not start at all is one failure, not a crash.
    print("differential: %s" % e)
    failed += 1
  finally:
    pair.stop()
  print("(%.1fs)" % (time.time() - start))
  print("differential: %d passed, %d failed" % (passed, failed))
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main())
