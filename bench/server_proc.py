"""A server process started for benchmarking, and the operating-system
figures read about it: CPU time from /proc/PID/stat, resident memory from
/proc/PID/status, and used_memory from its own INFO.

Single-threaded use only: the benchmark drives one run at a time.
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
  """A random port in 10000-32767 that is free right now (other people run
  servers on this machine, so sequential ports would collide)."""
  for _ in range(200):
    port = random.randint(10000, 32767)  # below the ephemeral range
    with socket.socket() as s:
      try:
        s.bind(("127.0.0.1", port))
      except OSError:
        continue
      return port
  raise RuntimeError("no free port")


class BenchServer:
  """One server binary on 127.0.0.1 with persistence off, in a temp dir."""

  def __init__(self, label, binary, extra_args=()):
    self.label = label
    self.binary = binary
    self.extra_args = list(extra_args)
    self.dir = tempfile.mkdtemp(prefix="vireo-bench-%s-" % label)
    self.port = None
    self.proc = None

  def start(self, timeout=10.0):
    for _ in range(3):
      self.port = free_port()
      log = open(os.path.join(self.dir, "server.log"), "ab")
      self.proc = subprocess.Popen(
          [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
           "--save", "", "--appendonly", "no", "--dir", self.dir]
          + self.extra_args, stdout=log, stderr=subprocess.STDOUT,
          cwd=self.dir)
      log.close()
      if self._wait_ready(timeout):
        return self
      self.stop()
    raise RuntimeError("%s (%s) did not start; log in %s" %
                       (self.label, self.binary, self.dir))

  def _wait_ready(self, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and self.proc.poll() is None:
      try:
        if self.command("PING") == "PONG":
          return True
      except OSError:
        pass
      time.sleep(0.05)
    return False

  def stop(self):
    if self.proc is not None and self.proc.poll() is None:
      self.proc.send_signal(signal.SIGTERM)
      try:
        self.proc.wait(10)
      except subprocess.TimeoutExpired:
        self.proc.kill()
        self.proc.wait()

  def cleanup(self):
    self.stop()
    shutil.rmtree(self.dir, ignore_errors=True)

  def restart_fresh(self):
    """A new process in a new directory: no allocator state carried over."""
    self.cleanup()
    self.dir = tempfile.mkdtemp(prefix="vireo-bench-%s-" % self.label)
    return self.start()

  def command(self, *args):
    """One command over a fresh connection; returns the reply as text.

    Only simple, bulk and integer replies are needed here (PING, FLUSHALL,
    INFO, DBSIZE), so the reader handles just those."""
    payload = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
    with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
      s.sendall(payload)
      f = s.makefile("rb")
      line = f.readline()
      if line[:1] in (b"+", b":"):
        return line[1:-2].decode()
      if line[:1] == b"$":
        n = int(line[1:-2])
        return None if n < 0 else f.read(n + 2)[:-2].decode()
      raise RuntimeError("%s: %r -> %r" % (self.label, args, line))

  def info_field(self, section, name):
    for line in self.command("INFO", section).splitlines():
      if line.startswith(name + ":"):
        return int(line.split(":", 1)[1])
    raise KeyError(name)

  def cpu_seconds(self):
    """utime + stime of the server process so far."""
    with open("/proc/%d/stat" % self.proc.pid) as f:
      # The command name may contain spaces; fields after it are fixed.
      fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

  def rss_bytes(self):
    with open("/proc/%d/status" % self.proc.pid) as f:
      for line in f:
        if line.startswith("VmRSS:"):
          return int(line.split()[1]) * 1024
    raise KeyError("VmRSS")
