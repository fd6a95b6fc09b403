"""Support for the blocking-command scenarios (test_blocking_*.py): a raw
RESP2 client that can observe "no reply yet", and a scenario base class that
starts a server and confirms blocked clients through INFO's blocked_clients
(never with a fixed sleep)."""

import select
import socket
import time

from harness import RespError, ServerProcess, encode_command


class Conn:
  """A RESP2 client on a raw socket with its own read buffer."""

  def __init__(self, port):
    self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    self.buf = b""

  def send(self, *args):
    self.sock.sendall(encode_command(*args))

  def call(self, *args):
    self.send(*args)
    return self.reply()

  def _line(self, deadline):
    while b"\r\n" not in self.buf:
      self._fill(deadline)
    line, self.buf = self.buf.split(b"\r\n", 1)
    return line

  def _fill(self, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
      raise TimeoutError("no reply")
    self.sock.settimeout(left)
    data = self.sock.recv(65536)
    if not data:
      raise ConnectionError("connection closed")
    self.buf += data

  def reply(self, timeout=5.0):
    return self._parse(time.monotonic() + timeout)

  def _parse(self, deadline):
    line = self._line(deadline)
    kind, rest = line[:1], line[1:]
    if kind == b"+":
      return rest.decode()
    if kind == b"-":
      return RespError(rest.decode())
    if kind == b":":
      return int(rest)
    if kind == b"$":
      n = int(rest)
      if n < 0:
        return None
      while len(self.buf) < n + 2:
        self._fill(deadline)
      data, self.buf = self.buf[:n], self.buf[n + 2:]
      return data.decode()
    if kind == b"*":
      n = int(rest)
      if n < 0:
        return None
      return [self._parse(deadline) for _ in range(n)]
    raise ValueError("unexpected reply %r" % line)

  def assert_no_reply(self, wait=0.15):
    """Nothing has arrived (the client is still waiting)."""
    if self.buf:
      raise AssertionError("unexpected reply bytes %r" % self.buf)
    ready, _, _ = select.select([self.sock], [], [], wait)
    if ready:
      data = self.sock.recv(65536)
      raise AssertionError("unexpected reply %r" % data)

  def close(self):
    self.sock.close()


class BlockingScenarioBase:
  """setUp/tearDown and client helpers; a subclass sets BINARY (None = VIREO_SERVER)."""

  BINARY = None

  def setUp(self):
    self.server = ServerProcess(binary=self.BINARY)
    self.addCleanup(self.server.cleanup)
    self.server.start()
    self.conns = []
    self.r = self.client()

  def tearDown(self):
    for c in self.conns:
      c.close()

  def client(self):
    c = Conn(self.server.port)
    self.conns.append(c)
    return c

  def blocked_clients(self):
    info = self.r.call("INFO", "clients")
    for line in info.split("\r\n"):
      if line.startswith("blocked_clients:"):
        return int(line.split(":")[1])
    raise AssertionError("no blocked_clients in INFO")

  def wait_blocked(self, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
      if self.blocked_clients() == n:
        return
      time.sleep(0.01)
    self.fail("blocked_clients never reached %d (is %d)" % (n, self.blocked_clients()))

  def block(self, *args):
    """A new client that sends args and is confirmed blocked."""
    c = self.client()
    before = self.blocked_clients()
    c.send(*args)
    self.wait_blocked(before + 1)
    return c
