"""RSS under churn at maxmemory, for `make bench` (and standalone).

Each server starts fresh with maxmemory 128 MB under allkeys-lru, then one
pipelined client runs SET/DEL churn for CHURN_SECONDS (60 s; quick 15 s)
over a million keys with mixed value sizes: phases of 5 s alternate between
mostly small values (16-256 B) and mostly large ones (1-16 KiB), with a
tenth of the other kind in each, and a fifth of the commands are DELs of
random keys. Switching size classes while eviction frees memory is what
strands allocator pages, so RSS is sampled from /proc throughout.

Active defragmentation is turned on in both servers (activedefrag yes, with
active-defrag-ignore-bytes 4mb and active-defrag-threshold-lower 5 so that the
~10% of fragmentation this load makes is worth acting on; Redis's defaults
wait for 100 MB). A server that refuses it (Debian's redis-server, built
without Redis's patched jemalloc) runs without; the line printed per server
says which. CHURN_DEFRAG=0 in the environment runs both without.

Both are also given Vireo's maxmemory-fragmentation-share 15 (fragmentation
counts against maxmemory, up to 15% of it; server/footprint_guard.h), which
redis-server refuses as an unknown setting (said on its line).
CHURN_SHARE=0 runs vireo without it, as Redis does.

Rows: the peak RSS after the first fill and the mean RSS of the last 10 s,
each as a multiple of maxmemory; the goal (<= 1.15x) is on vireo's own
figure, with redis-server's beside it.

Standalone: VIREO_SERVER=build/vireo-server python3 bench/churn_bench.py [--quick]
"""

import os
import random
import socket
import sys
import time

MAXMEMORY = 128 << 20
CHURN_SECONDS = 60
PHASE_SECONDS = 5
KEYS = 1000000
BATCH = 256
GOAL = 1.15


def _resp(*args):
  return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def _value_size(rng, large_phase):
  large = rng.random() < (0.9 if large_phase else 0.1)
  return rng.randint(1024, 16384) if large else rng.randint(16, 256)


def churn(server, seconds, seed=7):
  """Runs the churn against `server` (fresh, empty); returns
  (peak RSS after warm-up, mean RSS of the last 10 s, used_memory at the end,
  commands sent)."""
  server.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
  server.command("CONFIG", "SET", "maxmemory", str(MAXMEMORY))
  defrag = "off"
  if os.environ.get("CHURN_DEFRAG", "1") != "0":
    server.command("CONFIG", "SET", "active-defrag-ignore-bytes", "4mb")
    server.command("CONFIG", "SET", "active-defrag-threshold-lower", "5")
    try:
      server.command("CONFIG", "SET", "activedefrag", "yes")
      defrag = "on"
    except Exception as e:  # refused: reported, not fatal
      defrag = "refused (%s)" % str(e).split(" - ")[-1][:60]
  share = "off"
  if os.environ.get("CHURN_SHARE", "15") != "0":
    try:
      server.command("CONFIG", "SET", "maxmemory-fragmentation-share", os.environ.get("CHURN_SHARE", "15"))
      share = os.environ.get("CHURN_SHARE", "15") + "%"
    except Exception:  # redis-server: unknown setting
      share = "refused"
  rng = random.Random(seed)
  blob = os.urandom(16384)
  samples = []  # (elapsed, rss)
  sent = 0
  start = time.monotonic()
  with socket.create_connection(("127.0.0.1", server.port), timeout=60) as s:
    f = s.makefile("rb")
    while True:
      elapsed = time.monotonic() - start
      if elapsed >= seconds:
        break
      large_phase = int(elapsed // PHASE_SECONDS) % 2 == 1
      cmds = []
      for _ in range(BATCH):
        key = b"c:%d" % rng.randrange(KEYS)
        if rng.random() < 0.2:
          cmds.append(_resp(b"DEL", key))
        else:
          n = _value_size(rng, large_phase)
          off = rng.randrange(16384 - n + 1)
          cmds.append(_resp(b"SET", key, blob[off:off + n]))
      s.sendall(b"".join(cmds))
      for _ in range(BATCH):
        line = f.readline()
        if line[:1] == b"-":
          raise RuntimeError("%s: %s" % (server.label, line.decode().strip()))
      sent += BATCH
      samples.append((elapsed, server.rss_bytes()))
  used = server.info_field("memory", "used_memory")
  hits = server.info_field("stats", "active_defrag_hits") if defrag == "on" else 0
  warm = [rss for t, rss in samples if t >= PHASE_SECONDS]
  tail = [rss for t, rss in samples if t >= seconds - 10]
  server.command("CONFIG", "SET", "maxmemory", "0")
  server.command("CONFIG", "SET", "maxmemory-policy", "noeviction")
  if defrag == "on":
    server.command("CONFIG", "SET", "activedefrag", "no")
  if share not in ("off", "refused"):
    server.command("CONFIG", "SET", "maxmemory-fragmentation-share", "0")
  server.command("FLUSHALL")
  return max(warm or [0]), sum(tail) / max(1, len(tail)), used, sent, "%s, fragmentation share %s" % (defrag, share), hits


def measure_churn(servers, quick, rows, Row):
  """Adds the two RSS/maxmemory rows; each server is restarted fresh first."""
  seconds = 15 if quick else CHURN_SECONDS

  class OwnGoalRow(Row):
    # The goal is on vireo's own multiple of maxmemory, not vireo/redis.
    def ratio(self):
      return self.vireo

  peak = OwnGoalRow("churn at maxmemory: peak RSS / maxmemory", "ratio", better="lower", goal=GOAL)
  tail = OwnGoalRow("churn at maxmemory: RSS last 10 s / maxmemory", "ratio", better="lower", goal=GOAL)
  for server in servers:
    try:
      server.restart_fresh()
      p, t, used, sent, defrag, hits = churn(server, seconds)
      setattr(peak, server.label, p / MAXMEMORY)
      setattr(tail, server.label, t / MAXMEMORY)
      print("  churn %-5s %d s, %d commands: peak RSS %.1f MB, last 10 s %.1f MB, used_memory %.1f MB,"
            " activedefrag %s, active_defrag_hits %s"
            % (server.label, seconds, sent, p / 1e6, t / 1e6, used / 1e6, defrag, hits), flush=True)
    except Exception as e:  # one failure is one row
      peak.error = tail.error = "%s: %s" % (server.label, e)
  rows += [peak, tail]


def main():
  sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
  from server_proc import BenchServer
  quick = "--quick" in sys.argv
  binary = os.path.abspath(os.environ.get("VIREO_SERVER", "build/vireo-server"))
  servers = [BenchServer("vireo", binary), BenchServer("redis", "/usr/bin/redis-server")]

  class Row:
    def __init__(self, metric, unit, better="lower", goal=1.0):
      self.metric, self.unit, self.better, self.goal = metric, unit, better, goal
      self.vireo = self.redis = None
      self.error = ""

  rows = []
  try:
    for s in servers:
      s.start()
    measure_churn(servers, quick, rows, Row)
  finally:
    for s in servers:
      s.cleanup()
  for r in rows:
    print("%-50s vireo %s  redis %s  (goal <= %.2f) %s" % (
        r.metric, "%.3f" % r.vireo if r.vireo else "-", "%.3f" % r.redis if r.redis else "-",
        r.goal, r.error))


if __name__ == "__main__":
  main()
