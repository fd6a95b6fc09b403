"""vireo-forwarder on its own, against small TCP servers of the test: the
state file and SIGHUP, the .applied acknowledgement, half-close, bounded
memory under a reader that does not read, connections cut when a primary
endpoint's target changes, held connections while it has none, and a
refused state file that leaves the table as it was.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "src", "manager"))
from vireo_manager import forwarder as fwdmod  # noqa: E402

from harness import _claim_block  # noqa: E402


class Server:
  """A TCP server on 127.0.0.1:port; mode "echo" echoes until EOF then
  closes, "name" sends its port number and keeps the connection,
  "flood" writes `flood` bytes and closes."""

  def __init__(self, port, mode, flood=0):
    self.port, self.mode, self.flood = port, mode, flood
    self.sock = socket.socket()
    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    self.sock.bind(("127.0.0.1", port))
    self.sock.listen(64)
    self.conns = []
    self.sent = 0
    threading.Thread(target=self._accept, daemon=True).start()

  def _accept(self):
    while True:
      try:
        c, _ = self.sock.accept()
      except OSError:
        return
      self.conns.append(c)
      threading.Thread(target=self._serve, args=(c,), daemon=True).start()

  def _serve(self, c):
    try:
      if self.mode == "echo":
        while True:
          data = c.recv(65536)
          if not data:
            break
          c.sendall(data)
        c.shutdown(socket.SHUT_WR)
      elif self.mode == "name":
        c.sendall(f"{self.port}\n".encode())
        while c.recv(65536):
          pass
      elif self.mode == "flood":
        chunk = b"x" * 65536
        while self.sent < self.flood:
          self.sent += c.send(chunk)
        c.shutdown(socket.SHUT_WR)
    except OSError:
      pass

  def close(self):
    self.sock.close()
    for c in self.conns:
      c.close()


class ForwarderProcess(unittest.TestCase):
  def setUp(self):
    self.binary = fwdmod.binary()
    if not self.binary:
      self.skipTest("vireo-forwarder not built")
    self.base = _claim_block()
    self.dir = tempfile.mkdtemp(prefix="vireo-fwd-test-")
    self.state = os.path.join(self.dir, "state")
    self.gen = 0
    self.servers = []
    self.clients = []
    self.proc = None

  def tearDown(self):
    if self.proc:
      # SIGTERM: it closes everything and exits 0 (under ASan, with no
      # leak).
      self.proc.send_signal(signal.SIGTERM)
      try:
        status = self.proc.wait(10)
      except subprocess.TimeoutExpired:
        self.proc.kill()
        status = self.proc.wait()
      self.log.close()
      with open(os.path.join(self.dir, "log"), errors="replace") as f:
        said = f.read()
      self.assertEqual(status, 0, said[-3000:])
    for c in self.clients:
      c.close()
    for s in self.servers:
      s.close()
    shutil.rmtree(self.dir, ignore_errors=True)

  def write(self, endpoints, raw=None, wait=True):
    self.gen += 1
    text = raw if raw is not None else (
        f"vireo-forwarder-state 1\ngeneration {self.gen}\n" +
        "".join(f"endpoint {p} {k} {' '.join(map(str, t))}\n"
                for p, k, t in endpoints))
    with open(self.state + ".tmp", "w") as f:
      f.write(text)
    os.replace(self.state + ".tmp", self.state)
    if not self.proc:
      return None
    self.proc.send_signal(signal.SIGHUP)
    return self.wait_applied(self.gen) if wait else None

  def wait_applied(self, gen):
    deadline = time.time() + 5
    while time.time() < deadline:
      try:
        with open(self.state + ".applied") as f:
          lines = f.read().splitlines()
        if lines and int(lines[0].split()[1]) >= gen:
          return lines
      except (OSError, ValueError, IndexError):
        pass
      time.sleep(0.01)
    raise AssertionError("forwarder did not acknowledge")

  def start(self, endpoints, hold_ms=10000):
    self.write(endpoints)
    self.log = open(os.path.join(self.dir, "log"), "wb")
    self.proc = subprocess.Popen(
        [self.binary, "--state", self.state, "--hold-ms", str(hold_ms)],
        stdout=self.log, stderr=self.log)
    self.wait_applied(self.gen)

  def server(self, offset, mode, flood=0):
    s = Server(self.base + offset, mode, flood)
    self.servers.append(s)
    return s

  def connect(self, offset):
    c = socket.create_connection(("127.0.0.1", self.base + offset), 5)
    self.clients.append(c)
    return c

  def test_half_close_and_echo(self):
    self.server(10, "echo")
    ep = self.base + 1
    self.start([(ep, "primary", [self.base + 10])])
    c = self.connect(1)
    payload = os.urandom(3 << 20)
    sender = threading.Thread(target=lambda: (c.sendall(payload),
                                              c.shutdown(socket.SHUT_WR)))
    sender.start()
    got = bytearray()
    while True:
      data = c.recv(1 << 16)
      if not data:
        break
      got += data
    sender.join()
    self.assertEqual(bytes(got), payload)   # all of it, then EOF
    c.close()

  def test_slow_reader_bounded_memory(self):
    flood = self.server(10, "flood", flood=200 << 20)
    self.start([(self.base + 1, "primary", [self.base + 10])])
    c = self.connect(1)
    time.sleep(1.0)   # the client reads nothing: the server must stall
    with open(f"/proc/{self.proc.pid}/status") as f:
      rss_kb = int([x for x in f if x.startswith("VmRSS")][0].split()[1])
    self.assertLess(flood.sent, 20 << 20)
    self.assertLess(rss_kb, 20000)
    total = 0
    c.settimeout(30)
    while True:
      data = c.recv(1 << 20)
      if not data:
        break
      total += len(data)
    self.assertEqual(total, flood.sent)
    self.assertEqual(total, 200 << 20)
    c.close()

  def test_primary_change_cuts_and_reader_spreads(self):
    for off in (10, 11, 12):
      self.server(off, "name")
    p, r = self.base + 1, self.base + 2
    a, b, d = self.base + 10, self.base + 11, self.base + 12
    self.start([(p, "primary", [a]), (r, "reader", [b, d])])
    old = self.connect(1)
    self.assertEqual(old.recv(16), f"{a}\n".encode())
    readers = [self.connect(2) for _ in range(4)]
    names = [int(x.recv(16)) for x in readers]
    self.assertEqual(sorted(names), [b, b, d, d])
    # The primary moves; the reader drops node d.
    self.write([(p, "primary", [b]), (r, "reader", [b])])
    old.settimeout(5)
    self.assertEqual(old.recv(16), b"")   # cut
    self.assertEqual(self.connect(1).recv(16), f"{b}\n".encode())
    for x, n in zip(readers, names):
      x.settimeout(0.3 if n == b else 5)
      if n == b:
        with self.assertRaises(socket.timeout):
          x.recv(16)   # kept
      else:
        self.assertEqual(x.recv(16), b"")   # cut

  def test_hold_without_target(self):
    self.server(10, "name")
    p = self.base + 1
    self.start([(p, "primary", [])], hold_ms=800)
    c = self.connect(1)          # waits in the backlog
    c.settimeout(0.3)
    with self.assertRaises(socket.timeout):
      c.recv(16)
    self.write([(p, "primary", [self.base + 10])])
    c.settimeout(5)
    self.assertEqual(c.recv(16), f"{self.base + 10}\n".encode())
    self.write([(p, "primary", [])])
    late = self.connect(1)
    late.settimeout(5)
    t0 = time.time()
    self.assertEqual(late.recv(16), b"")   # refused after the hold
    self.assertGreater(time.time() - t0, 0.3)

  def test_refused_state_keeps_the_table(self):
    self.server(10, "name")
    p = self.base + 1
    self.start([(p, "primary", [self.base + 10])])
    self.write(None, raw=f"vireo-forwarder-state 1\ngeneration "
               f"{self.gen + 1}\nendpoint {p} sideways 1\n", wait=False)
    # Not applied: the acknowledgement keeps the old generation and says
    # why.
    deadline = time.time() + 5
    while True:
      lines = self.wait_applied(self.gen - 1)
      if len(lines) > 1 or time.time() > deadline:
        break
      time.sleep(0.01)
    self.assertEqual(lines[0], f"generation {self.gen - 1}")
    self.assertIn("kind is primary or reader", lines[1])
    self.assertEqual(self.connect(1).recv(16),
                     f"{self.base + 10}\n".encode())


if __name__ == "__main__":
  unittest.main()
