#!/usr/bin/python3
"""Endpoint benchmark: throughput through a group's primary and reader
endpoints as a ratio of a direct connection to the node, in one run.

Starts a vireo-manager, creates a one-node group per engine, and runs
redis-benchmark (SET and GET, 50 clients, pipeline 1 and 16) alternately
against the node's own port and against each endpoint, several rounds, and
prints the median requests per second and the ratio endpoint / direct. The
goal is >= 0.95 at P1 and P16. Engine vireo's endpoints are the node's own
shared listeners (vireo-endpoint-ports); engine redis's are still the
manager's forwarders, shown for comparison.

  endpoint_bench.py [--rounds 3] [--requests 100000] [--engines vireo,redis]
"""

import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "manager"))
from harness import ManagerProcess  # noqa: E402

BENCHMARK = "/usr/bin/redis-benchmark"


def rps(port, test, pipeline, requests):
  out = subprocess.run(
      [BENCHMARK, "-p", str(port), "-c", "50", "-n", str(requests),
       "-P", str(pipeline), "-r", "100000", "-t", test, "--csv", "-q"],
      capture_output=True, text=True, timeout=300).stdout
  for line in out.splitlines():
    cols = [c.strip('"') for c in line.split(",")]
    if cols and cols[0].upper().startswith(test.upper()):
      return float(cols[1])
  raise RuntimeError(f"no result from redis-benchmark: {out!r}")


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--rounds", type=int, default=3)
  ap.add_argument("--requests", type=int, default=100000)
  ap.add_argument("--engines", default="vireo,redis")
  args = ap.parse_args()
  mgr = ManagerProcess().start()
  worst = None
  try:
    for engine in args.engines.split(","):
      gid = f"bench{engine}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               Engine=engine)
      g = mgr.wait_status(gid)
      ng = g["NodeGroups"][0]
      ports = {"direct": ng["NodeGroupMembers"][0]["ReadEndpoint"]["Port"],
               "primary": ng["PrimaryEndpoint"]["Port"],
               "reader": ng["ReaderEndpoint"]["Port"]}
      for test in ("set", "get"):
        for pipeline in (1, 16):
          runs = {k: [] for k in ports}
          for _ in range(args.rounds):
            for kind, port in ports.items():   # interleaved
              n = args.requests * (4 if pipeline > 1 else 1)
              runs[kind].append(rps(port, test, pipeline, n))
          direct = statistics.median(runs["direct"])
          for kind in ("primary", "reader"):
            ratio = statistics.median(runs[kind]) / direct
            if engine == "vireo":
              worst = ratio if worst is None else min(worst, ratio)
            print(f"endpoint_bench: {engine:5s} {test.upper():3s} P{pipeline:<2d}"
                  f" {kind:7s} {statistics.median(runs[kind]):10.0f} req/s,"
                  f" direct {direct:10.0f} req/s, ratio {ratio:.2f}"
                  f" (goal >= 0.95)", flush=True)
      mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
  finally:
    mgr.stop()
  if worst is not None:
    print(f"endpoint_bench: engine vireo worst ratio {worst:.2f}")
  return 0


if __name__ == "__main__":
  sys.exit(main())
