#!/usr/bin/python3
"""Endpoint benchmark: throughput through a group's primary and reader
endpoints as a ratio of a direct connection to the node, in one run.

Starts a vireo-manager, creates a one-node group per engine, and runs
redis-benchmark (SET and GET, 50 clients, pipeline 1 and 16) alternately
against the node's own port and against each endpoint, several rounds (in
a rotated order), and prints the median requests per second and the median
of the rounds' ratios endpoint / direct. The goal is >= 0.95 at P1 and P16.
Then one client, one request at a time (GET, no queueing): the average and
p50 latency through each endpoint against the direct one. Engine vireo's endpoints are the node's own
shared listeners (vireo-endpoint-ports); engine redis's are kernel NAT
rules when the manager can use nftables (root, nft, conntrack: no process
on the data path), else (or with --endpoint-mode forwarder) the
vireo-forwarder process (one relay hop, splice()), whose CPU time per
request is read from /proc/PID/stat around each endpoint run and printed:
on a 2-core machine the forwarder, the node and redis-benchmark compete for
the same cores, so the engine redis ratio is bounded by that CPU, not by a
wait inside the forwarder.

  endpoint_bench.py [--rounds 5] [--requests 100000] [--engines vireo,redis]
                    [--endpoint-mode auto|nat|forwarder]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "manager"))
from harness import ManagerProcess  # noqa: E402
import redis  # noqa: E402

BENCHMARK = "/usr/bin/redis-benchmark"


def measure(port, test, pipeline, requests, clients=50):
  """redis-benchmark's CSV row: (req/s, avg ms, p50 ms, p99 ms)."""
  for _ in range(3):   # a run that could not connect prints no row
    r = subprocess.run(
        [BENCHMARK, "-p", str(port), "-c", str(clients), "-n",
         str(requests), "-P", str(pipeline), "-r", "100000", "-t", test,
         "--csv", "-q"], capture_output=True, text=True, timeout=300)
    for line in r.stdout.splitlines():
      cols = [c.strip('"') for c in line.split(",")]
      if cols and cols[0].upper().startswith(test.upper()):
        return (float(cols[1]), float(cols[2]), float(cols[4]),
                float(cols[6]))
  raise RuntimeError(f"no result from redis-benchmark: {r.stdout!r} "
                     f"{r.stderr[-300:]!r}")


def rps(port, test, pipeline, requests):
  return measure(port, test, pipeline, requests)[0]


def cpu_seconds(pid):
  """utime + stime of a process, in seconds."""
  with open(f"/proc/{pid}/stat") as f:
    fields = f.read().rsplit(") ", 1)[1].split()
  return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def node_pid(port):
  c = redis.Redis(port=port, socket_timeout=5)
  try:
    return int(c.info("server")["process_id"])
  finally:
    c.close()


def all_cpu(node, forwarder):
  """CPU seconds of the node, the forwarder (if any) and the finished
  redis-benchmark runs: what a request costs the machine, which the rest
  of a shared machine's load changes much less than it changes req/s
  (the kernel's loopback and NAT work runs in the sending process)."""
  children = resource.getrusage(resource.RUSAGE_CHILDREN)
  return (cpu_seconds(node) + (cpu_seconds(forwarder) if forwarder else 0)
          + children.ru_utime + children.ru_stime)


def forwarder_pid(mgr):
  try:
    with open(os.path.join(mgr.data_dir, "forwarder", "forwarder.pid")) as f:
      return int(f.read())
  except OSError:
    return None


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--rounds", type=int, default=5)
  ap.add_argument("--requests", type=int, default=100000)
  ap.add_argument("--engines", default="vireo,redis")
  ap.add_argument("--endpoint-mode", default="auto",
                  choices=("auto", "nat", "forwarder"))
  ap.add_argument("--ports", type=int, default=None,
                  help="first of the manager's 100 ports (default: "
                  "VIREO_MANAGER_TEST_PORTS, else 31000)")
  args = ap.parse_args()
  mgr = ManagerProcess(endpoint_mode=args.endpoint_mode,
                       base=args.ports).start()
  mode = ""
  with open(os.path.join(mgr.tmp, "manager.log")) as f:
    for line in f:
      if "engine redis endpoints:" in line:
        note = line.split("vireo-manager: ", 1)[-1].strip()
        mode = note.split("engine redis endpoints: ", 1)[1].split()[0]
        print("endpoint_bench: " + note, flush=True)
  worst = {}   # engine -> lowest endpoint/direct throughput ratio
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
          cpu = {k: 0.0 for k in ports}
          total = {k: 0.0 for k in ports}
          done = {k: 0 for k in ports}
          fpid = forwarder_pid(mgr) if engine == "redis" else None
          npid = node_pid(ports["direct"])
          order = list(ports)
          for r in range(args.rounds):
            # Interleaved, and in a rotated order each round, so that no
            # kind always runs first (or right after the same neighbour).
            for kind in order[r % 3:] + order[:r % 3]:
              port = ports[kind]
              n = args.requests * (4 if pipeline > 1 else 1)
              before = cpu_seconds(fpid) if fpid else 0.0
              all_before = all_cpu(npid, fpid)
              runs[kind].append(rps(port, test, pipeline, n))
              if fpid:
                cpu[kind] += cpu_seconds(fpid) - before
              total[kind] += all_cpu(npid, fpid) - all_before
              done[kind] += n
          direct = statistics.median(runs["direct"])
          for kind in ("primary", "reader"):
            # The median of each round's endpoint / direct: runs of one
            # round saw about the same load from the rest of the machine.
            ratio = statistics.median(
                e / d for e, d in zip(runs[kind], runs["direct"]))
            worst[engine] = min(worst.get(engine, ratio), ratio)
            extra = ""
            if fpid and done[kind]:
              extra = (f", forwarder CPU "
                       f"{cpu[kind] / done[kind] * 1e6:.2f} us/req")
            per = total[kind] / done[kind] * 1e6
            per_direct = total["direct"] / done["direct"] * 1e6
            print(f"endpoint_bench: {engine:5s} {test.upper():3s} P{pipeline:<2d}"
                  f" {kind:7s} {statistics.median(runs[kind]):10.0f} req/s,"
                  f" direct {direct:10.0f} req/s, ratio {ratio:.2f}"
                  f" (goal >= 0.95); CPU {per:.2f} us/req, direct "
                  f"{per_direct:.2f}{extra}", flush=True)
      # Latency: one client, one request at a time (no queueing), GET;
      # median over the rounds of redis-benchmark's average and p50.
      lat = {k: [] for k in ports}
      for _ in range(args.rounds):
        for kind, port in ports.items():
          lat[kind].append(measure(port, "get", 1, args.requests // 5,
                                   clients=1))
      d_avg = statistics.median(x[1] for x in lat["direct"])
      d_p50 = statistics.median(x[2] for x in lat["direct"])
      for kind in ("primary", "reader"):
        avg = statistics.median(x[1] for x in lat[kind])
        p50 = statistics.median(x[2] for x in lat[kind])
        print(f"endpoint_bench: {engine:5s} GET c1 latency {kind:7s} avg "
              f"{avg * 1000:5.0f} us p50 {p50 * 1000:5.0f} us, direct avg "
              f"{d_avg * 1000:5.0f} us p50 {d_p50 * 1000:5.0f} us "
              f"({(avg - d_avg) * 1000:+.0f} us)", flush=True)
      mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
  finally:
    mgr.stop()
  for engine, ratio in worst.items():
    how = (f" ({mode} endpoints)" if engine == "redis" and mode else "")
    print(f"endpoint_bench: engine {engine} worst ratio {ratio:.2f}{how}, "
          f"goal >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
  return 0


if __name__ == "__main__":
  sys.exit(main())
