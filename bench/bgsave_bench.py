#!/usr/bin/python3
"""BGSAVE under a write load: vireo-server (no fork) against redis-server
(fork) in one run, reported as ratios.

For each server: load a dataset (2 GB by default: 1 KiB values), start a
50% SET / 50% GET load with redis-benchmark, and while it runs measure a
probe client's PING latency (p99.9) for a while without a save, then run
BGSAVE and measure it again during the save. Reported per server:
- peak memory during the save / memory just before it (under the same
  load), where memory is the
  proportional set size (Pss) of the server and all its children, so a
  fork's shared pages count once and only its copied pages add;
- probe p99.9 during the save / p99.9 without a save;
- the time the save took.
Goals (issue: fork-less snapshots): peak memory <= 1.1x of before, p99.9
during the save <= 2x without it, save time <= 1.2x Redis's.

Usage: VIREO_SERVER=build/vireo-server /usr/bin/python3 bench/bgsave_bench.py
       [--size-mb 2048] [--value-bytes 1024]
"""

import argparse
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

from server_proc import BenchServer  # noqa: E402

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"


def pss_kb(pid):
  """Pss of pid and its descendants, in KiB (smaps_rollup)."""
  total = 0
  pids = [pid]
  try:
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
      pids += [int(p) for p in f.read().split()]
  except OSError:
    pass
  for p in pids:
    try:
      with open("/proc/%d/smaps_rollup" % p) as f:
        for line in f:
          if line.startswith("Pss:"):
            total += int(line.split()[1])
    except OSError:
      pass
  return total


def load(server, size_mb, value_bytes):
  keys = size_mb * (1 << 20) // (value_bytes + 64)
  subprocess.run([REDIS_BENCHMARK, "-p", str(server.port), "-t", "set", "-n", str(keys),
                  "-r", str(keys), "-d", str(value_bytes), "-P", "64", "-c", "8", "-q"],
                 check=True, stdout=subprocess.DEVNULL)
  return keys


class Probe(threading.Thread):
  """PINGs the server one at a time and records each round trip."""

  def __init__(self, port):
    super().__init__(daemon=True)
    self.port = port
    self.samples = []
    self.stop = False

  def run(self):
    with socket.create_connection(("127.0.0.1", self.port)) as s:
      while not self.stop:
        t = time.perf_counter()
        s.sendall(b"PING\r\n")
        s.recv(64)
        self.samples.append(time.perf_counter() - t)
        time.sleep(0.001)


def p999(samples):
  s = sorted(samples)
  return s[min(len(s) - 1, int(len(s) * 0.999))] * 1000 if s else float("nan")


def measure(server, size_mb, value_bytes, keyspace):
  r = server.command
  load(server, size_mb, value_bytes)
  time.sleep(1)
  bench = subprocess.Popen([REDIS_BENCHMARK, "-p", str(server.port), "-t", "set,get", "-n", "100000000",
                            "-r", str(keyspace), "-d", str(value_bytes), "-c", "20", "-q", "-l"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  try:
    probe = Probe(server.port)
    probe.start()
    time.sleep(5)
    quiet = p999(probe.samples)
    probe.samples = []
    # Memory before the save is taken under the same load, just before it:
    # what the write load alone grows (allocator churn) is not the save's.
    before = pss_kb(server.proc.pid)
    peak = before
    start = time.monotonic()
    r("BGSAVE")
    while True:
      peak = max(peak, pss_kb(server.proc.pid))
      if "rdb_bgsave_in_progress:0" in r("INFO", "persistence"):
        break
      time.sleep(0.05)
    took = time.monotonic() - start
    during = p999(probe.samples)
    probe.stop = True
  finally:
    bench.kill()
    bench.wait()
  return {"mem": peak / before, "lat": during / quiet, "time": took, "quiet_ms": quiet, "save_ms": during}


def main():
  p = argparse.ArgumentParser()
  p.add_argument("--size-mb", type=int, default=2048)
  p.add_argument("--value-bytes", type=int, default=1024)
  args = p.parse_args()
  vireo = os.path.abspath(os.environ.get("VIREO_SERVER", "build/vireo-server"))
  keyspace = args.size_mb * (1 << 20) // (args.value_bytes + 64)
  results = {}
  for label, binary in (("vireo", vireo), ("redis", REDIS_SERVER)):
    server = BenchServer(label, binary)
    try:
      server.start()
      results[label] = measure(server, args.size_mb, args.value_bytes, keyspace)
    finally:
      server.cleanup()
    print("  %s: %s" % (label, results[label]), flush=True)
  v, r = results["vireo"], results["redis"]
  line = "%-40s %10s %10s %8s %s"
  print(line % ("BGSAVE, %d MB, 50%% writes" % args.size_mb, "vireo", "redis", "v/r", "goal"))
  print(line % ("peak memory during save / before", "%.2fx" % v["mem"], "%.2fx" % r["mem"],
                "%.2f" % (v["mem"] / r["mem"]), "vireo <= 1.10x"))
  print(line % ("probe p99.9 during save / without", "%.2fx" % v["lat"], "%.2fx" % r["lat"],
                "%.2f" % (v["lat"] / r["lat"]), "vireo <= 2.00x"))
  print(line % ("time to save (s)", "%.1f" % v["time"], "%.1f" % r["time"],
                "%.2f" % (v["time"] / r["time"]), "<= 1.20"))
  return 0


if __name__ == "__main__":
  sys.exit(main())
