"""A small sample of the crash-test matrix (crash_matrix.py) in make test:
after kill -9 of any mix of manager, primary and replicas during a WAIT'ed
write load, no acknowledged write is lost and no deleted key comes back,
on both engines. VIREO_CRASH_RUNS sets the number of runs per engine
(default 6), VIREO_CRASH_SEED the first seed (default: random, printed)."""

import os
import random
import unittest

from crash_matrix import run_one
from harness import ManagerProcess, for_engines


@for_engines
class CrashMatrix:
  def test_random_crashes_lose_nothing(self):
    runs = int(os.environ.get("VIREO_CRASH_RUNS", "6"))
    first = int(os.environ.get("VIREO_CRASH_SEED",
                               str(random.randrange(1 << 30))))
    mgr = ManagerProcess(down_after_ms=500).start()
    try:
      for i in range(runs):
        r = run_one(mgr, first + i, f"crash{i}", self.ENGINE)
        print(f"\n  {self.ENGINE} seed {r['seed']}: failover "
              f"{'on' if r['auto_failover'] else 'off'}, killed "
              f"{'+'.join(r['victims'])}, "
              f"{r['acked']} acked keys, {r['deleted']} acked deletes, "
              f"lost {len(r['lost'])}, back {len(r['resurrected'])}",
              flush=True)
        self.assertEqual(r["lost"], [], f"seed {r['seed']}")
        self.assertEqual(r["resurrected"], [], f"seed {r['seed']}")
        self.assertGreater(r["acked"], 0, f"seed {r['seed']}: no load")
    finally:
      mgr.stop()


if __name__ == "__main__":
  unittest.main()
