#!/usr/bin/python3
"""vireo-server against redis-server in one session, reported as ratios.

For each throughput test (SET, GET, INCR, MSET at pipeline 1 and 16, 50
clients) it measures requests/s and the server's own CPU time per request,
running vireo and redis interleaved for several rounds (the order swapped
every round) and keeping the medians; the v/r column is the median of the
per-round ratios.
Then it loads 1,000,000 string keys into each and reports
used_memory and RSS growth per key. Each figure is printed beside its goal.

CPU per request is the figure that tells servers apart on a 2-core machine:
the benchmark client saturates a core, so requests/s mostly measures the
client; CPU time per request is what the server itself spends.

Streams, bitmaps, HyperLogLog and geo rows live in bench/datatypes.py
(--only names: xadd, xreadgroup, setbit, bitcount, pfadd, pfcount,
geosearch, geoadd); latency-tracking yes vs no rows in bench/latency_bench.py
(--only latency-tracking). Memory loads run with --only only when named
(mem-string, mem-list, mem-hash, mem-intset, mem-set, mem-zset,
mem-stream). Memory limits: --only maxmemory (bench/eviction_bench.py),
unlink (another client's latency while UNLINK frees a 10M-element set,
bench/unlink_bench.py), replication (repl-sync: 1 GB full-sync time,
repl-cpu: the primary's CPU per write with one and two replicas,
repl-sync-load: a 2 GB sync under a write load, primary memory and
catch-up; bench/repl_bench.py), churn (RSS under SET/DEL churn at maxmemory,
bench/churn_bench.py; restarts the servers, so it runs last).

Usage: VIREO_SERVER=build/vireo-server /usr/bin/python3 bench/bench.py
       [--quick] [--only set,get] [--rounds N] [--no-memory]
"""

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import datatypes  # noqa: E402
import scripted  # noqa: E402
import churn_bench  # noqa: E402
import eviction_bench  # noqa: E402
import latency_bench  # noqa: E402
import repl_bench  # noqa: E402
import unlink_bench  # noqa: E402
import secure  # noqa: E402
import workloads  # noqa: E402
from server_proc import BenchServer  # noqa: E402

REDIS_SERVER = "/usr/bin/redis-server"


@dataclasses.dataclass
class Row:
  """One line of the report: a metric for both servers and its goal.

  better is "higher" or "lower"; goal is the vireo/redis ratio to meet, or
  with absolute, the bound vireo's own figure must meet (redis's beside it
  for comparison)."""
  metric: str
  unit: str
  vireo: float = None
  redis: float = None
  better: str = "higher"
  goal: float = 1.0
  error: str = ""
  absolute: bool = False
  # Median of the per-round vireo/redis ratios, where the row comes from
  # interleaved rounds: steadier than the ratio of the two medians when the
  # machine's speed drifts between rounds.
  paired: float = None

  def ratio(self):
    if self.paired is not None:
      return self.paired
    if self.vireo is None or not self.redis:
      return None
    return self.vireo / self.redis

  def goal_text(self):
    g = "%.2f" % self.goal
    if g.endswith("0"):
      g = g[:-1]  # 1.0, 0.9, but 1.15
    return "%s %s%s" % (">=" if self.better == "higher" else "<=", g, "" if self.absolute else "x")

  def verdict(self):
    r = self.vireo if self.absolute else self.ratio()
    if r is None:
      return "n/a"
    met = r >= self.goal if self.better == "higher" else r <= self.goal
    return "met" if met else "MISSED"


def fmt(value, unit):
  if value is None:
    return "-"
  if unit == "req/s":
    return "%.0f" % value
  if unit == "us/req":
    return "%.2f" % value
  if unit in ("share", "ratio"):
    return "%.3f" % value
  return "%.1f" % value


def parse_args():
  p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  p.add_argument("--quick", action="store_true",
                 help="fewer requests, one round, fewer keys")
  p.add_argument("--only", default="",
                 help="comma-separated tests to run, e.g. set,get")
  p.add_argument("--rounds", type=int, default=None,
                 help="interleaved rounds per test (default 3, quick 1)")
  p.add_argument("--no-memory", action="store_true",
                 help="skip the memory-per-key loads")
  return p.parse_args()


def selected_tests(only):
  """(redis-benchmark tests, scripted tests) named by --only (all by default);
  a scripted test is named by its first word, lower case (e.g. multi)."""
  if not only:
    return workloads.THROUGHPUT_TESTS, scripted.SCRIPTED_TESTS + ["publish", "aof"]
  wanted = {w.strip().lower() for w in only.split(",") if w.strip()}
  tests = [t for t in workloads.THROUGHPUT_TESTS
           if t.tool_test in wanted or t.name.lower() in wanted]
  short = lambda t: t.name.split("+")[0].split()[0].lower()
  extra = [t for t in scripted.SCRIPTED_TESTS if short(t) in wanted]
  if "publish" in wanted:
    extra.append("publish")
  if "aof" in wanted:
    extra.append("aof")
  wanted -= {"acl", "tls"}  # bench/secure.py's rows
  wanted -= {"maxmemory", "unlink", "churn"}  # eviction_bench, unlink_bench, churn_bench rows
  wanted -= set(repl_bench.NAMES)  # bench/repl_bench.py's rows
  wanted -= {"latency-tracking"}  # bench/latency_bench.py's rows
  wanted -= set(datatypes.GROUPS)  # bench/datatypes.py's rows
  wanted -= {load.only for load in workloads.MEMORY_LOADS}
  unknown = wanted - {t.tool_test for t in tests} - \
      {t.name.lower() for t in tests} - {short(t) for t in extra if t not in ("publish", "aof")} - {"publish", "aof"}
  if unknown:
    sys.exit("bench: unknown test(s): %s" % ",".join(sorted(unknown)))
  return tests, extra


def measure_memory(servers, load, keys, rows):
  """Loads `keys` keys of `load` into each server (fresh, nothing else
  allocated yet, so RSS growth is real growth and not reuse of freed
  pages) and adds used_memory and RSS per key rows."""
  used = Row("mem %s used_memory" % load.name, "B/key", better="lower",
             goal=load.goal)
  rss = Row("mem %s RSS" % load.name, "B/key", better="lower", goal=load.goal)
  with tempfile.TemporaryDirectory(prefix="vireo-bench-load-") as tmp:
    path = os.path.join(tmp, "load.resp")
    workloads.write_load_file(load, keys, path)
    for server in servers:
      try:
        server.command("FLUSHALL")
        time.sleep(0.2)
        used_before = server.info_field("memory", "used_memory")
        rss_before = server.rss_bytes()
        workloads.pipe_file(server, path, keys * load.commands_per_key)
        dbsize = int(server.command("DBSIZE"))
        expected = keys if load.dbsize is None else load.dbsize
        if dbsize != expected:
          raise RuntimeError("DBSIZE %d after loading %d keys" % (dbsize, expected))
        time.sleep(0.2)
        used_after = server.info_field("memory", "used_memory")
        rss_after = server.rss_bytes()
        setattr(used, server.label, (used_after - used_before) / keys)
        setattr(rss, server.label, (rss_after - rss_before) / keys)
      except Exception as e:  # report and go on: one failure is one row
        used.error = rss.error = "%s: %s" % (server.label, e)
      finally:
        try:
          server.command("FLUSHALL")
        except Exception:
          pass  # a dead server is already reported by its row
  rows += [used, rss]


def measure_pair(servers, rounds, run, label, rate_name, cpu_name, cpu_goal, rows):
  """Runs `run(server)` for each server, interleaved for `rounds` rounds
  (vireo, redis, then redis, vireo... so that a burst of load from other
  users of the machine, or a drift of its speed, hits both, not just one),
  and adds a rate row and a CPU row: the medians of each server's runs, and
  as the ratio the median of the per-round ratios. run returns an object
  with .rps and .cpu_per_request."""
  samples = {s.label: [] for s in servers}
  rate_ratios, cpu_ratios = [], []
  error = ""
  for n in range(rounds):
    got = {}
    for server in (servers if n % 2 == 0 else servers[::-1]):
      try:
        got[server.label] = run(server)
        samples[server.label].append(got[server.label])
      except Exception as e:
        error = "%s: %s" % (server.label, e)
    if "vireo" in got and "redis" in got:
      v, r = got["vireo"], got["redis"]
      if r.rps and r.cpu_per_request:
        rate_ratios.append(v.rps / r.rps)
        cpu_ratios.append(v.cpu_per_request / r.cpu_per_request)
  rate = Row("%s %s" % (label, rate_name), "req/s", better="higher", goal=1.0, error=error)
  cpu = Row("%s %s" % (label, cpu_name), "us/req", better="lower", goal=cpu_goal, error=error)
  for name, runs in samples.items():
    if runs:
      setattr(rate, name, statistics.median(r.rps for r in runs))
      setattr(cpu, name, statistics.median(r.cpu_per_request for r in runs) * 1e6)
  if rate_ratios:
    rate.paired = statistics.median(rate_ratios)
    cpu.paired = statistics.median(cpu_ratios)
  rows += [rate, cpu]
  print("  %-22s vireo %s req/s, redis %s req/s; CPU/request ratios by round %s" % (
      label, fmt(rate.vireo, "req/s"), fmt(rate.redis, "req/s"),
      " ".join("%.2f" % x for x in cpu_ratios)), flush=True)


def measure_throughput(servers, tests, rounds, quick, rows):
  for test in tests:
    for pipeline in workloads.PIPELINES:
      requests = test.requests[pipeline] // (5 if quick else 1)
      measure_pair(servers, rounds,
                   lambda server: workloads.run_throughput(server, test, pipeline, requests),
                   "%s P%d" % (test.name, pipeline), "throughput", "CPU/request",
                   0.8 if pipeline > 1 else 1.0, rows)


def measure_scripted(servers, tests, rounds, quick, rows):
  """Tests of bench/scripted.py: CPU per command (a request is a whole block)."""
  for test in tests:
    for pipeline in workloads.PIPELINES:
      requests = test.requests[pipeline] // (5 if quick else 1)
      measure_pair(servers, rounds,
                   lambda server: scripted.run_scripted(server, test, pipeline, requests),
                   "%s P%d" % (test.name, pipeline), "throughput", "CPU/command", 0.9, rows)


def measure_publish(servers, rounds, quick, rows):
  """PUBLISH to 1 and 100 subscribers: deliveries/s and CPU per delivery."""
  for fanout in scripted.PUBLISH_FANOUTS:
    requests = scripted.PUBLISH_REQUESTS[fanout] // (5 if quick else 1)
    measure_pair(servers, rounds, lambda server: scripted.run_publish(server, fanout, requests),
                 "PUBLISH %d subs" % fanout, "deliveries", "CPU/delivery", 0.9, rows)


def measure_publish_stall(servers, rows):
  """How long a PUBLISH fan-out to 10,000 subscribers stalls other clients."""
  worst = Row("PUBLISH 10000 subs: max PING", "ms", better="lower", goal=1.0)
  p99 = Row("PUBLISH 10000 subs: p99 PING", "ms", better="lower", goal=1.0)
  for server in servers:
    try:
      w, p = scripted.run_publish_stall(server)
      setattr(worst, server.label, w)
      setattr(p99, server.label, p)
    except Exception as e:
      worst.error = p99.error = "%s: %s" % (server.label, e)
  rows += [worst, p99]
  print("  PUBLISH 10000 subs     max PING vireo %s ms, redis %s ms" % (
      fmt(worst.vireo, "ms"), fmt(worst.redis, "ms")), flush=True)


def measure_aof(servers, rounds, quick, rows):
  """SET P16 with appendonly yes, appendfsync everysec (CPU per request: the
  cost of feeding and writing the AOF). Each server turns the AOF on with
  CONFIG SET (Redis rewrites in a child first: wait for it) and off after."""
  set_test = next(t for t in workloads.THROUGHPUT_TESTS if t.name == "SET")
  requests = set_test.requests[16] // (5 if quick else 1)
  for server in servers:
    server.command("CONFIG", "SET", "appendfsync", "everysec")
    server.command("CONFIG", "SET", "appendonly", "yes")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        server.info_field("persistence", "aof_rewrite_in_progress") or
        server.info_field("persistence", "aof_rewrite_scheduled")):
      time.sleep(0.1)
  try:
    measure_pair(servers, rounds,
                 lambda server: workloads.run_throughput(server, set_test, 16, requests),
                 "SET P16 appendonly everysec", "throughput", "CPU/request", 0.8, rows)
  finally:
    for server in servers:
      try:
        server.command("CONFIG", "SET", "appendonly", "no")
      except Exception:
        pass  # a dead server is already reported by its row


def print_table(rows, header):
  print()
  print(header)
  line = "%-32s %12s %12s %8s %9s %-7s %s"
  print(line % ("metric", "vireo", "redis", "v/r", "goal", "", "unit"))
  print("-" * 92)
  for row in rows:
    ratio = row.ratio()
    print(line % (row.metric, fmt(row.vireo, row.unit),
                  fmt(row.redis, row.unit),
                  "-" if ratio is None else "%.2f" % ratio,
                  row.goal_text(), row.verdict(), row.unit))
  for row in rows:
    if row.error:
      print("error in %s: %s" % (row.metric, row.error))


def main():
  args = parse_args()
  tests, scripted_tests = selected_tests(args.only)
  rounds = args.rounds or (1 if args.quick else 3)
  # Absolute: servers run with their temp dir as working directory.
  vireo_binary = os.path.abspath(
      os.environ.get("VIREO_SERVER", "build/vireo-server"))
  if not os.access(vireo_binary, os.X_OK):
    sys.exit("bench: no server binary at %s (set VIREO_SERVER)" %
             vireo_binary)

  servers = [BenchServer("vireo", vireo_binary),
             BenchServer("redis", REDIS_SERVER)]
  rows = []
  started = time.monotonic()
  try:
    for server in servers:
      server.start()
    print("bench: vireo=%s (port %d), redis=%s (port %d), %d clients, "
          "median of %d round(s)%s" % (
              vireo_binary, servers[0].port, REDIS_SERVER, servers[1].port,
              workloads.CLIENTS, rounds, ", quick" if args.quick else ""),
          flush=True)
    # Memory first, each load on a fresh pair of servers: after a FLUSHALL
    # the allocator reuses freed pages and RSS growth would mean nothing.
    only = {w.strip().lower() for w in args.only.split(",") if w.strip()}
    loads = [l for l in workloads.MEMORY_LOADS if not only or l.only in only]
    if not args.no_memory:
      for n, load in enumerate(loads):
        if n > 0:
          for server in servers:
            server.restart_fresh()
        keys = load.keys // (5 if args.quick else 1)
        print("  loading %d keys (%s) into each server" % (keys, load.name),
              flush=True)
        measure_memory(servers, load, keys, rows)
    measure_throughput(servers, tests, rounds, args.quick, rows)
    measure_scripted(servers, [t for t in scripted_tests if t not in ("publish", "aof")], rounds, args.quick, rows)
    if "publish" in scripted_tests:
      measure_publish(servers, rounds, args.quick, rows)
      measure_publish_stall(servers, rows)
    if "aof" in scripted_tests:
      measure_aof(servers, rounds, args.quick, rows)
    if not args.only or "acl" in args.only.split(","):
      secure.measure_acl(servers, rounds, args.quick, rows, Row, measure_pair)
    if not args.only or "tls" in args.only.split(","):
      secure.measure_tls(vireo_binary, REDIS_SERVER, rounds, args.quick, rows, measure_pair)
    types_wanted = set(datatypes.GROUPS) if not only else only & set(datatypes.GROUPS)
    if types_wanted:
      datatypes.measure(servers, types_wanted, rounds, args.quick, rows, measure_pair)
    if not args.only or "latency-tracking" in args.only.split(","):
      latency_bench.measure_tracking_cost(servers, rounds, args.quick, rows, Row)
    if not args.only or "maxmemory" in args.only.split(","):
      eviction_bench.measure_check_cost(servers, rounds, args.quick, rows, Row)
      eviction_bench.measure_at_limit(servers, rounds, args.quick, rows, Row, measure_pair)
      eviction_bench.measure_hit_rate(servers, args.quick, rows, Row)
    if not args.only or "unlink" in args.only.split(","):
      unlink_bench.measure_unlink(servers, args.quick, rows, Row)
    # Replication: its own primaries and replicas, one engine at a time.
    repl_wanted = set(repl_bench.NAMES) if not args.only else only & set(repl_bench.NAMES)
    if repl_wanted:
      repl_bench.measure_repl(vireo_binary, REDIS_SERVER, repl_wanted, args.quick, rows, Row)
    # Last: it restarts the servers fresh (RSS must start from nothing).
    if not args.only or "churn" in args.only.split(","):
      churn_bench.measure_churn(servers, args.quick, rows, Row)
  finally:
    for server in servers:
      server.cleanup()

  mem_rows = [r for r in rows if r.metric.startswith("mem ")]
  other = [r for r in rows if not r.metric.startswith("mem ")]
  print_table(other + mem_rows,
              "vireo vs redis-server (%.0f s); v/r = vireo/redis ratio" %
              (time.monotonic() - started))
  missed = sum(1 for r in rows if r.verdict() == "MISSED")
  broken = sum(1 for r in rows if r.verdict() == "n/a")
  print("bench: %d rows, %d goals met, %d missed, %d not measured" % (
      len(rows), len(rows) - missed - broken, missed, broken))
  # Missing a goal is a finding, not a failure; not being able to measure
  # is a failure.
  return 1 if broken else 0


if __name__ == "__main__":
  sys.exit(main())
