"""Latency tracking in `make bench`: SET and GET at pipeline 16 with
latency-tracking yes against the same server with latency-tracking no in
the same round (interleaved, so load from other users of the machine hits
both). Reported as each server's own yes/no CPU-per-request ratio (goal:
within 3%, i.e. no measurable change) and vireo's CPU per request with
tracking on against redis-server's.

Pure helpers over bench.py's servers and rows; no state of its own.
"""

import statistics

import workloads

TESTS = [t for t in workloads.THROUGHPUT_TESTS if t.name in ("SET", "GET")]
PIPELINE = 16


class _OwnRatio:
  """Builds a Row subclass whose verdict reads each server's own ratio."""

  @staticmethod
  def row(Row, metric):
    class OwnRatioRow(Row):
      def ratio(self):
        return self.vireo

    return OwnRatioRow(metric, "ratio", better="lower", goal=1.03)


def measure_tracking_cost(servers, rounds, quick, rows, Row):
  for test in TESTS:
    requests = test.requests[PIPELINE] // (5 if quick else 1)
    label = "%s P%d" % (test.name, PIPELINE)
    on, off = {s.label: [] for s in servers}, {s.label: [] for s in servers}
    for _ in range(rounds):
      for server in servers:
        server.command("CONFIG", "SET", "latency-tracking", "no")
        off[server.label].append(workloads.run_throughput(server, test, PIPELINE, requests))
        server.command("CONFIG", "SET", "latency-tracking", "yes")
        on[server.label].append(workloads.run_throughput(server, test, PIPELINE, requests))
    cpu = Row("%s latency-tracking CPU/request" % label, "us/req", better="lower", goal=0.8)
    own = _OwnRatio.row(Row, "%s CPU tracking yes/no (own)" % label)
    for name in on:
      with_tracking = statistics.median(r.cpu_per_request for r in on[name])
      without = statistics.median(r.cpu_per_request for r in off[name])
      setattr(cpu, name, with_tracking * 1e6)
      setattr(own, name, with_tracking / without if without else None)
    rows += [cpu, own]
    print("  %-22s latency-tracking CPU vireo %.3f us, own yes/no ratio vireo %.3f, redis %.3f" % (
        label, cpu.vireo or 0, own.vireo or 0, own.redis or 0), flush=True)
