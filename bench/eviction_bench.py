"""maxmemory and eviction in `make bench`:

- SET/GET at P1 and P16 with a maxmemory that is never reached, against the
  same server without one in the same round: the cost of the per-command
  limit check (goal: within 3% CPU per request), and vs redis-server's.
- SET at P16 with the dataset held at maxmemory under allkeys-lru and
  allkeys-lfu (every write evicts): CPU per request vs redis-server
  (goal <= 0.9x).
- The hit rate of a zipfian GET-then-SET-on-miss cache load under
  allkeys-lru and allkeys-lfu with the same maxmemory above the empty
  server's usage (goal >= 1.0x redis-server's).

Pure helpers over bench.py's servers and rows; no state of its own.
"""

import bisect
import random
import socket
import statistics

import workloads

TESTS = [t for t in workloads.THROUGHPUT_TESTS if t.name in ("SET", "GET")]
UNREACHED = "64gb"
AT_LIMIT_BYTES = 32 << 20     # dataset size held at maxmemory for the SET-at-limit rows
ZIPF_KEYS = 200000            # key universe of the hit-rate load
ZIPF_LIMIT_BYTES = 2 << 20    # cache size: a fraction of the universe fits
ZIPF_S = 1.0


def _own_ratio_row(Row, metric):
  """A row whose columns are each server's own with/without ratio; its
  verdict is vireo's own ratio against the goal (not vireo/redis)."""
  class OwnRatioRow(Row):
    def ratio(self):
      return self.vireo

  return OwnRatioRow(metric, "ratio", better="lower", goal=1.03)


def measure_check_cost(servers, rounds, quick, rows, Row):
  """SET/GET with an unreached maxmemory vs none, interleaved per round."""
  for test in TESTS:
    for pipeline in workloads.PIPELINES:
      requests = test.requests[pipeline] // (5 if quick else 1)
      label = "%s P%d" % (test.name, pipeline)
      plain, limited = {s.label: [] for s in servers}, {s.label: [] for s in servers}
      for _ in range(rounds):
        for server in servers:
          server.command("CONFIG", "SET", "maxmemory", "0")
          plain[server.label].append(workloads.run_throughput(server, test, pipeline, requests))
          server.command("CONFIG", "SET", "maxmemory", UNREACHED)
          limited[server.label].append(workloads.run_throughput(server, test, pipeline, requests))
          server.command("CONFIG", "SET", "maxmemory", "0")
      cpu = Row("%s +maxmemory CPU/request" % label, "us/req", better="lower", goal=1.0)
      own = _own_ratio_row(Row, "%s CPU maxmemory/none (own)" % label)
      for name in limited:
        with_limit = statistics.median(r.cpu_per_request for r in limited[name])
        without = statistics.median(r.cpu_per_request for r in plain[name])
        setattr(cpu, name, with_limit * 1e6)
        setattr(own, name, with_limit / without if without else None)
      rows += [cpu, own]
      print("  %-22s +maxmemory CPU vireo %.3f us, own ratio %.3f" % (
          label, cpu.vireo or 0, own.vireo or 0), flush=True)


def fill_to_limit(server, policy, nbytes):
  """Empties the server and sets maxmemory `nbytes` above its usage."""
  server.command("FLUSHALL")
  server.command("CONFIG", "SET", "maxmemory", "0")
  server.command("CONFIG", "SET", "maxmemory-policy", policy)
  used = server.info_field("memory", "used_memory")
  server.command("CONFIG", "SET", "maxmemory", str(used + nbytes))


def measure_at_limit(servers, rounds, quick, rows, Row, measure_pair):
  """SET P16 of 100-byte values over 10M keys with the dataset at maxmemory."""
  requests = 300000 // (3 if quick else 1)
  set_test = TESTS[0]
  extra = ("-r", "10000000", "-d", "100")
  for policy in ("allkeys-lru", "allkeys-lfu"):
    for server in servers:
      fill_to_limit(server, policy, AT_LIMIT_BYTES)
      # Reach the limit first: the measured runs all evict.
      workloads.run_throughput(server, set_test, 16, AT_LIMIT_BYTES // 100, extra_args=extra)
    measure_pair(servers, rounds,
                 lambda server: workloads.run_throughput(server, set_test, 16, requests, extra_args=extra),
                 "SET P16 at maxmemory %s" % policy, "throughput", "CPU/request", 0.9, rows)
    for server in servers:
      server.command("CONFIG", "SET", "maxmemory", "0")
      server.command("CONFIG", "SET", "maxmemory-policy", "noeviction")
      server.command("FLUSHALL")


class _Zipf:
  """Key ranks drawn with probability proportional to 1/rank^s (inverse CDF)."""

  def __init__(self, n, s, seed):
    total, self.cdf = 0.0, []
    for rank in range(1, n + 1):
      total += 1.0 / rank ** s
      self.cdf.append(total)
    self.total = total
    self.rng = random.Random(seed)

  def next(self):
    return bisect.bisect_left(self.cdf, self.rng.random() * self.total)


def _resp(*args):
  return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def zipf_hit_rate(server, policy, ops, batch=200):
  """GETs in pipelined batches; each miss is followed by a SET of the key
  (a cache filling itself). Returns hits / GETs."""
  fill_to_limit(server, policy, ZIPF_LIMIT_BYTES)
  zipf = _Zipf(ZIPF_KEYS, ZIPF_S, seed=12345)
  value = b"v" * 100
  hits = gets = 0
  with socket.create_connection(("127.0.0.1", server.port), timeout=60) as s:
    f = s.makefile("rb")
    for _ in range(ops // batch):
      keys = [b"z:%d" % zipf.next() for _ in range(batch)]
      s.sendall(b"".join(_resp(b"GET", k) for k in keys))
      missed = []
      for k in keys:
        line = f.readline()
        if line.startswith(b"$-1"):
          missed.append(k)
        else:
          f.read(int(line[1:-2]) + 2)
          hits += 1
        gets += 1
      if missed:
        s.sendall(b"".join(_resp(b"SET", k, value) for k in missed))
        for _ in missed:
          f.readline()
  return hits / gets


def measure_hit_rate(servers, quick, rows, Row):
  ops = 200000 // (4 if quick else 1)
  for policy in ("allkeys-lru", "allkeys-lfu"):
    row = Row("zipf hit rate %s" % policy, "share", better="higher", goal=1.0)
    for server in servers:
      try:
        setattr(row, server.label, zipf_hit_rate(server, policy, ops))
      except Exception as e:  # one failure is one row
        row.error = "%s: %s" % (server.label, e)
      finally:
        server.command("CONFIG", "SET", "maxmemory", "0")
        server.command("CONFIG", "SET", "maxmemory-policy", "noeviction")
        server.command("FLUSHALL")
    rows.append(row)
    print("  zipf hit rate %-12s vireo %.3f, redis %.3f" % (policy, row.vireo or 0, row.redis or 0),
          flush=True)
