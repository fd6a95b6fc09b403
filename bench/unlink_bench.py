"""Latency of another client while UNLINK frees a 10M-element set, for
`make bench` (and standalone).

Per server, one at a time (a 10M-member set takes several hundred MB): a
Lua script fills a set with 10,000,000 integer members (a hash table, not
an intset, past set-max-intset-entries), then a second connection sends
PING after PING, one in flight at a time, while the first sends UNLINK. The
PING round trips of the window from the UNLINK to WINDOW_S after it give
p50/p99/p99.9 and the max; UNLINK's own reply time is printed too. Lazy
freeing hands the set to a background thread in both servers, so the
figures show what the handoff and the freeing thread cost the command
thread. Kept in `make bench` only: 10M elements take memory and time.

Standalone: VIREO_SERVER=build/vireo-server python3 bench/unlink_bench.py [--quick]
"""

import os
import socket
import sys
import threading
import time

ELEMENTS = 10000000
WINDOW_S = 3.0
FILL_SCRIPT = """
local n = tonumber(ARGV[1])
local batch = {}
for i = 1, n do
  batch[#batch + 1] = i
  if #batch == 5000 or i == n then
    redis.call('SADD', KEYS[1], unpack(batch))
    batch = {}
  end
end
return redis.call('SCARD', KEYS[1])
"""


def _resp(*args):
  args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
  return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def _percentile(sorted_values, p):
  if not sorted_values:
    return None
  i = min(len(sorted_values) - 1, int(round(p / 100.0 * (len(sorted_values) - 1))))
  return sorted_values[i]


class _Pinger(threading.Thread):
  """PING round trips (seconds) with their start times, until stopped."""

  def __init__(self, port):
    super().__init__(daemon=True)
    self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    self.samples = []
    self.stop = threading.Event()

  def run(self):
    f = self.sock.makefile("rb")
    ping = _resp("PING")
    while not self.stop.is_set():
      t0 = time.perf_counter()
      self.sock.sendall(ping)
      f.readline()
      self.samples.append((t0, time.perf_counter() - t0))
    self.sock.close()


def unlink_latency(server, elements):
  """Fills, then measures; returns (latencies in ms sorted, UNLINK reply ms)."""
  with socket.create_connection(("127.0.0.1", server.port), timeout=600) as s:
    f = s.makefile("rb")
    s.sendall(_resp("EVAL", FILL_SCRIPT, 1, "bigset", elements))
    line = f.readline()
    if not line.startswith(b":%d" % elements):
      raise RuntimeError("%s: filling the set: %r" % (server.label, line))
    pinger = _Pinger(server.port)
    pinger.start()
    time.sleep(0.5)  # the pinger settles
    t0 = time.perf_counter()
    s.sendall(_resp("UNLINK", "bigset"))
    line = f.readline()
    unlink_ms = (time.perf_counter() - t0) * 1000
    if line != b":1\r\n":
      raise RuntimeError("%s: UNLINK: %r" % (server.label, line))
    time.sleep(WINDOW_S)
    pinger.stop.set()
    pinger.join(10)
  window = sorted(rtt * 1000 for start, rtt in pinger.samples if t0 <= start <= t0 + WINDOW_S)
  # Wait for the background free to finish before the next server starts.
  deadline = time.monotonic() + 60
  while time.monotonic() < deadline and server.info_field("memory", "lazyfree_pending_objects"):
    time.sleep(0.1)
  return window, unlink_ms


def measure_unlink(servers, quick, rows, Row):
  elements = ELEMENTS // (10 if quick else 1)
  label = "UNLINK %dM-element set:" % (elements // 1000000) if elements >= 1000000 else \
      "UNLINK %dk-element set:" % (elements // 1000)
  made = {p: Row("%s other client p%s PING" % (label, p), "us", better="lower", goal=1.0)
          for p in ("50", "99", "99.9")}
  worst = Row("%s other client max PING" % label, "us", better="lower", goal=1.0)
  for server in servers:
    try:
      window, unlink_ms = unlink_latency(server, elements)
      for p, row in made.items():
        setattr(row, server.label, _percentile(window, float(p)) * 1000)
      setattr(worst, server.label, window[-1] * 1000 if window else None)
      print("  %s %-5s %d PINGs in %.0f s: p50 %.3f p99 %.3f p99.9 %.3f max %.3f ms; UNLINK replied in %.3f ms"
            % (label, server.label, len(window), WINDOW_S, _percentile(window, 50), _percentile(window, 99),
               _percentile(window, 99.9), window[-1], unlink_ms), flush=True)
    except Exception as e:  # one failure is these rows
      for row in list(made.values()) + [worst]:
        row.error = "%s: %s" % (server.label, e)
  rows += list(made.values()) + [worst]


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
    measure_unlink(servers, quick, rows, Row)
  finally:
    for s in servers:
      s.cleanup()
  for r in rows:
    print("%-50s vireo %s  redis %s %s" % (
        r.metric, "%.3f" % r.vireo if r.vireo is not None else "-",
        "%.3f" % r.redis if r.redis is not None else "-", r.error))


if __name__ == "__main__":
  main()
