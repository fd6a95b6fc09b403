"""Replication rows of issue 13, for `make bench` (and standalone), each
engine against itself (a vireo primary with vireo replicas, a redis
primary with redis replicas), one engine at a time (the datasets are big):

  repl-sync      full-sync time of a 1 GB dataset (1M keys of 1000 bytes,
                 DEBUG POPULATE): from REPLICAOF to the replica's link up
                 with no sync in progress. Goal vireo/redis <= 1.0.
  repl-cpu       the primary's CPU per write (redis-benchmark SET, 50
                 clients, pipeline 16) with one and with two replicas
                 attached. Goal <= 0.9.
  repl-sync-load a 2 GB full sync (2M keys) while 2,000 SETs/s of 1000
                 bytes run on the primary (over 10,000 keys, so the dataset itself
                 grows by at most 10 MB; what grows is the sync's cost:
                 the stream buffered for the replica, a fork's copies): the primary's peak memory during the
                 sync over its memory before (for redis, the forked child's
                 RSS is added: that memory is the primary's too, although
                 pages shared with the parent are counted twice), and
                 whether the replica caught up (same DBSIZE and offsets
                 once the load stops). Goal: vireo's growth <= 1.1
                 absolute (no fork); redis's figure is for comparison.

Diskless sync with no delay on both (repl-diskless-sync-delay 0), as a
managed group runs it. --quick divides the datasets by 10.

Standalone: VIREO_SERVER=build/vireo-server python3 bench/repl_bench.py
            [--quick] [--only repl-sync,repl-cpu,repl-sync-load]
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from server_proc import BenchServer  # noqa: E402
import workloads  # noqa: E402

NAMES = ("repl-sync", "repl-cpu", "repl-sync-load")
VALUE_SIZE = 1000
SYNC_KEYS = 1000000       # ~1 GB of values
LOAD_SYNC_KEYS = 2000000  # ~2 GB
CPU_REQUESTS = 300000
ARGS = ["--enable-debug-command", "yes", "--repl-diskless-sync", "yes",
        "--repl-diskless-sync-delay", "0", "--client-output-buffer-limit", "replica 0 0 0"]


def _start(label, binary):
  return BenchServer(label, binary, ARGS).start()


def _populate(server, keys):
  # In batches: one DEBUG POPULATE of millions holds the server for seconds.
  step = 200000
  for start in range(0, keys, step):
    n = min(step, keys - start)
    # DEBUG POPULATE count prefix size names keys prefix:0..count-1; a
    # different prefix per batch keeps them distinct.
    server.command("DEBUG", "POPULATE", str(n), "k%d" % start, str(VALUE_SIZE))
  got = int(server.command("DBSIZE"))
  if got != keys:
    raise RuntimeError("%s: DBSIZE %d after populating %d" % (server.label, got, keys))


def _info(server, section):
  out = {}
  for line in server.command("INFO", section).splitlines():
    if ":" in line:
      k, v = line.split(":", 1)
      out[k] = v
  return out


def _synced(replica):
  i = _info(replica, "replication")
  return i.get("master_link_status") == "up" and i.get("master_sync_in_progress") == "0"


def _wait(pred, timeout, what):
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if pred():
      return
    time.sleep(0.02)
  raise RuntimeError("timed out waiting for " + what)


def _attach(primary, replica, timeout=600):
  t0 = time.monotonic()
  replica.command("REPLICAOF", "127.0.0.1", str(primary.port))
  _wait(lambda: _synced(replica), timeout, "%s full sync" % replica.label)
  return time.monotonic() - t0


def _children_rss(pid):
  """RSS of pid's children (redis's fork for the sync), in bytes."""
  total = 0
  try:
    kids = open("/proc/%d/task/%d/children" % (pid, pid)).read().split()
  except OSError:
    return 0
  for kid in kids:
    try:
      with open("/proc/%s/status" % kid) as f:
        for line in f:
          if line.startswith("VmRSS:"):
            total += int(line.split()[1]) * 1024
    except OSError:
      pass
  return total


def sync_time(binary, label, keys):
  primary, replica = _start(label, binary), _start(label + "-replica", binary)
  try:
    _populate(primary, keys)
    return _attach(primary, replica)
  finally:
    primary.cleanup()
    replica.cleanup()


def cpu_per_write(binary, label, replicas, quick):
  primary = _start(label, binary)
  reps = []
  try:
    for n in range(replicas):
      reps.append(_start("%s-replica%d" % (label, n), binary))
      _attach(primary, reps[-1])
    test = workloads.ThroughputTest("SET", "set", "SET", {16: CPU_REQUESTS})
    requests = CPU_REQUESTS // (5 if quick else 1)
    result = workloads.run_throughput(primary, test, 16, requests)
    # Every replica got the whole stream (the writes are not lost on the way).
    off = _info(primary, "replication")["master_repl_offset"]
    for r in reps:
      _wait(lambda: _info(r, "replication").get("slave_repl_offset") == off, 60, "replica offset")
    return result.cpu_per_request
  finally:
    primary.cleanup()
    for r in reps:
      r.cleanup()


WRITES_PER_S = 2000  # 1000-byte SETs over 10,000 keys: ~2 MB/s of stream


class _RateWriter(threading.Thread):
  """SETs at a fixed rate (a batch every 10 ms, pipelined) until stopped:
  a load the primary and a replica on a shared 2-core box can both carry,
  so catching up is possible for either engine (an unthrottled
  redis-benchmark outruns any replica applying the same stream here)."""

  def __init__(self, port, per_second):
    super().__init__(daemon=True)
    self.port, self.batch = port, max(1, per_second // 100)
    self.stop = threading.Event()
    self.error = None
    self.sent = 0

  def run(self):
    import socket
    value = b"x" * VALUE_SIZE
    try:
      with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
        f = s.makefile("rb")
        n = 0
        next_t = time.monotonic()
        while not self.stop.is_set():
          payload = b"".join(workloads.resp(b"SET", b"load:%d" % ((n + i) % 10000), value)
                             for i in range(self.batch))
          s.sendall(payload)
          for _ in range(self.batch):
            line = f.readline()
            if not line.startswith(b"+OK"):
              raise RuntimeError(line)
          n += self.batch
          self.sent = n
          next_t += 0.01
          time.sleep(max(0.0, next_t - time.monotonic()))
    except Exception as e:  # reported by the caller
      self.error = e


def sync_under_load(binary, label, keys, quick):
  """(peak primary memory / before, replica caught up?, sync seconds)."""
  primary, replica = _start(label, binary), _start(label + "-replica", binary)
  try:
    _populate(primary, keys)
    time.sleep(1)
    before = primary.rss_bytes()
    peak = [before]
    peak_repl_buf = [0]
    stop = threading.Event()

    def sample():
      while not stop.is_set():
        try:
          peak[0] = max(peak[0], primary.rss_bytes() + _children_rss(primary.proc.pid))
          peak_repl_buf[0] = max(peak_repl_buf[0], int(_info(primary, "memory").get("mem_clients_slaves", 0)))
        except (OSError, RuntimeError, ValueError):
          pass
        time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load = _RateWriter(primary.port, WRITES_PER_S)
    load.start()
    try:
      time.sleep(1)
      took = _attach(primary, replica)
      time.sleep(2)  # the stream flows after the sync, under the load
    finally:
      load.stop.set()
      load.join(10)
      stop.set()
      sampler.join()
    if load.error:
      raise RuntimeError("write load: %s" % load.error)
    off = _info(primary, "replication")["master_repl_offset"]
    try:
      _wait(lambda: _info(replica, "replication").get("slave_repl_offset") == off, 120, "catch-up")
      caught = primary.command("DBSIZE") == replica.command("DBSIZE")
    except RuntimeError:
      caught = False
    print("  %s: RSS before %.0f MB, peak %.0f MB; peak replica output buffers %.0f MB" %
          (label, before / 1e6, peak[0] / 1e6, peak_repl_buf[0] / 1e6), flush=True)
    return peak[0] / before, caught, took
  finally:
    primary.cleanup()
    replica.cleanup()


def measure_repl(vireo_binary, redis_binary, names, quick, rows, Row):
  div = 10 if quick else 1
  pairs = (("vireo", vireo_binary), ("redis", redis_binary))
  if "repl-sync" in names:
    keys = SYNC_KEYS // div
    row = Row("full sync %d MB (diskless)" % (keys * VALUE_SIZE // 1000000), "s", better="lower", goal=1.0)
    for label, binary in pairs:
      try:
        setattr(row, label, sync_time(binary, label, keys))
      except Exception as e:
        row.error = "%s: %s" % (label, e)
    print("  full sync: vireo %s s, redis %s s" % (row.vireo, row.redis), flush=True)
    rows.append(row)
  if "repl-cpu" in names:
    for n in (1, 2):
      row = Row("SET P16 primary CPU/write, %d replica%s" % (n, "s" if n > 1 else ""), "us/req",
                better="lower", goal=0.9)
      for label, binary in pairs:
        try:
          setattr(row, label, cpu_per_write(binary, label, n, quick) * 1e6)
        except Exception as e:
          row.error = "%s: %s" % (label, e)
      print("  %s: vireo %s, redis %s us" % (row.metric, row.vireo, row.redis), flush=True)
      rows.append(row)
  if "repl-sync-load" in names:
    keys = LOAD_SYNC_KEYS // div
    mb = keys * VALUE_SIZE // 1000000
    mem = Row("full sync %d MB under SET load: primary peak mem / before" % mb, "ratio", better="lower",
              goal=1.1)
    mem.absolute = True  # the goal is vireo's own growth (no fork), not a ratio to redis
    for label, binary in pairs:
      try:
        growth, caught, took = sync_under_load(binary, label, keys, quick)
        setattr(mem, label, growth)
        print("  %s: %s primary memory x%.3f during the sync (%.1f s), replica caught up: %s" %
              (mem.metric, label, growth, took, caught), flush=True)
        if not caught:
          mem.error = (mem.error + " " if mem.error else "") + "%s replica did not catch up" % label
      except Exception as e:
        mem.error = "%s: %s" % (label, e)
    rows.append(mem)


def main():
  quick = "--quick" in sys.argv
  names = set(NAMES)
  for a in sys.argv[1:]:
    if a.startswith("--only="):
      names = set(a.split("=", 1)[1].split(","))
  if "--only" in sys.argv:
    names = set(sys.argv[sys.argv.index("--only") + 1].split(","))
  binary = os.path.abspath(os.environ.get("VIREO_SERVER", "build/vireo-server"))

  class Row:
    def __init__(self, metric, unit, better="lower", goal=1.0):
      self.metric, self.unit, self.better, self.goal = metric, unit, better, goal
      self.vireo = self.redis = None
      self.error = ""

  rows = []
  measure_repl(binary, "/usr/bin/redis-server", names, quick, rows, Row)
  for r in rows:
    ratio = r.vireo / r.redis if r.vireo is not None and r.redis else None
    print("%-62s vireo %-8s redis %-8s v/r %-6s goal <= %.1f%s %s" % (
        r.metric, "%.3f" % r.vireo if r.vireo is not None else "-",
        "%.3f" % r.redis if r.redis is not None else "-",
        "%.2f" % ratio if ratio is not None else "-", r.goal,
        " (vireo's own)" if getattr(r, "absolute", False) else "x", r.error))


if __name__ == "__main__":
  main()
