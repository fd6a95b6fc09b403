#!/usr/bin/python3
"""The crash-test matrix at size (make bench): N random runs (default 200) of
tests/manager/crash_matrix.py per engine (vireo and redis), printing each run
and a summary per engine of acknowledged writes lost and deleted keys back
(both must be 0; exit status 1 otherwise).

  bench/crash_matrix.py [--runs 200] [--seed S] [--engines vireo,redis]
                        [--ports BASE]

--ports (or VIREO_MANAGER_TEST_PORTS) is the first of the 1000 ports the
runs use (default 31000); a range inside the kernel's ephemeral range is
refused (a killed node's port can be taken by any outgoing connection).
--seed S --runs 1 replays the run a full bench printed as seed S.
"""

import argparse
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "manager"))

from crash_matrix import run_one  # noqa: E402
import harness  # noqa: E402
from harness import ManagerProcess  # noqa: E402


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--runs", type=int, default=200)
  ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
  ap.add_argument("--engines", default="vireo,redis")
  ap.add_argument("--ports", type=int, default=harness.PORT_BASE)
  args = ap.parse_args()
  harness.PORT_BASE = args.ports
  status = 0
  for engine in args.engines.split(","):
    status |= run(args, engine)
  return status


def run(args, engine):
  mgr = ManagerProcess(down_after_ms=500).start()
  lost = back = failed = acked = 0
  scenarios = {}
  start = time.time()
  try:
    for i in range(args.runs):
      seed = args.seed + i
      try:
        r = run_one(mgr, seed, f"bench{i}", engine)
      except Exception as e:  # a run that does not converge is a failure
        failed += 1
        print(f"{engine} seed {seed}: FAILED {e}", flush=True)
        try:
          mgr.call("DeleteReplicationGroup", ReplicationGroupId=f"bench{i}")
        except Exception:
          pass
        continue
      key = "+".join(sorted(r["victims"]))
      scenarios[key] = scenarios.get(key, 0) + 1
      lost += len(r["lost"])
      back += len(r["resurrected"])
      acked += r["acked"] + r["deleted"]
      print(f"{engine} seed {seed}: killed {'+'.join(r['victims'])}: "
            f"lost {len(r['lost'])}, back {len(r['resurrected'])}",
            flush=True)
  finally:
    mgr.stop()
  print(f"\ncrash matrix {engine}: {args.runs} runs from seed {args.seed} in "
        f"{time.time() - start:.0f}s, {len(scenarios)} kill combinations, "
        f"{acked} acknowledged operations checked: {lost} acknowledged "
        f"writes lost, {back} deleted keys back, {failed} runs did not "
        "converge")
  return 1 if lost or back or failed else 0


if __name__ == "__main__":
  sys.exit(main())
