"""Shared helpers for the integration tests: start a server binary on a free
port in its own temporary directory, wait until it answers, stop it.

Which binary is tested comes from the environment variable VIREO_SERVER
(default build/vireo-server of this checkout). The same tests must pass against
real redis-server 7.0, which is the specification, so nothing here assumes
Vireo-only behaviour; tests that do call `is_vireo()` and skip otherwise.

Not thread-safe: each test case owns the ServerProcess objects it creates.
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

DEFAULT_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build",
                              "vireo-server")
REDIS_CLI = "/usr/bin/redis-cli"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"


def server_binary():
  # Absolute, because servers run with their temp dir as working directory
  # and `make test` passes a path relative to the repository.
  return os.path.abspath(os.environ.get("VIREO_SERVER", DEFAULT_SERVER))


def is_vireo():
  """True unless the binary under test is a real redis-server.

  Decided by the binary's name, so that a broken Vireo build is still
  reported as Vireo (and its tests fail) rather than silently skipped."""
  return "redis-server" not in os.path.basename(server_binary())


def quick():
  return os.environ.get("VIREO_QUICK", "") not in ("", "0")


def free_port():
  """A random port in 10000-32767 that nothing listens on right now.

  Random rather than sequential because several people run tests on this
  machine at once; a remaining race is handled by ServerProcess retrying.
  Below Linux's ephemeral range (32768-60999), where the clients' own
  outgoing connections and TIME_WAITs would take a port between this check
  and the server's bind."""
  for _ in range(200):
    port = random.randint(10000, 32767)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
      try:
        s.bind(("127.0.0.1", port))
      except OSError:
        continue
      return port
  raise RuntimeError("no free port found")


def wait_until(pred, timeout=20.0, what="condition"):
  """Polls pred() until it is true; fails the test after `timeout` seconds."""
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if pred():
      return
    time.sleep(0.02)
  raise AssertionError("timed out waiting for " + what)


def wait_for_port(port, timeout=10.0, proc=None):
  """Waits until a PING on `port` gets +PONG; False on timeout or death."""
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if proc is not None and proc.poll() is not None:
      return False
    try:
      with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
        s.sendall(b"PING\r\n")
        if s.recv(64).startswith(b"+PONG"):
          return True
    except OSError:
      pass
    time.sleep(0.02)
  return False


class ServerProcess:
  """One server process, with its own port and temporary directory.

  start() picks a port, launches the binary and waits until it answers PING.
  stop() always leaves no process and no directory behind: SIGTERM first,
  SIGKILL if it does not exit in time."""

  def __init__(self, args=(), config_text=None, binary=None, port=None):
    self.binary = binary or server_binary()
    self.extra_args = list(args)
    self.config_text = config_text
    self.fixed_port = port
    self.port = None
    self.proc = None
    self.dir = tempfile.mkdtemp(prefix="vireo-integ-")
    self.log_path = os.path.join(self.dir, "server.log")
    self.config_path = None

  def command_line(self, port):
    cmd = [self.binary]
    if self.config_text is not None:
      self.config_path = os.path.join(self.dir, "server.conf")
      with open(self.config_path, "w") as f:
        f.write(self.config_text)
      cmd.append(self.config_path)
    cmd += ["--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", self.dir]
    return cmd + self.extra_args

  def start(self, timeout=10.0):
    attempts = 1 if self.fixed_port else 3
    for _ in range(attempts):
      port = self.fixed_port or free_port()
      self.launch(self.command_line(port))
      if wait_for_port(port, timeout, self.proc):
        self.port = port
        return self
      self.kill()
    raise RuntimeError("server did not start: %s\n%s" %
                       (" ".join(self.command_line(port)), self.log()))

  def launch(self, cmd):
    """Starts `cmd` without waiting for it to be ready (for start-up tests)."""
    self.log_file = open(self.log_path, "ab")
    self.proc = subprocess.Popen(cmd, stdout=self.log_file,
                                 stderr=subprocess.STDOUT, cwd=self.dir)
    return self.proc

  def log(self):
    try:
      with open(self.log_path, "rb") as f:
        return f.read().decode("utf-8", "replace")
    except OSError:
      return ""

  @property
  def pid(self):
    return self.proc.pid

  def alive(self):
    return self.proc is not None and self.proc.poll() is None

  def kill(self):
    if self.proc is not None and self.proc.poll() is None:
      self.proc.kill()
      self.proc.wait()
    if getattr(self, "log_file", None):
      self.log_file.close()
      self.log_file = None

  def stop(self, timeout=5.0):
    if self.proc is not None and self.proc.poll() is None:
      self.proc.send_signal(signal.SIGTERM)
      try:
        self.proc.wait(timeout)
      except subprocess.TimeoutExpired:
        pass
    self.kill()

  def cleanup(self):
    self.stop()
    shutil.rmtree(self.dir, ignore_errors=True)

  def connect(self, timeout=10.0):
    """A raw TCP socket to the server."""
    return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

  def redis(self, **kwargs):
    """A redis-py client (imported lazily: only some tests need it)."""
    import redis
    kwargs.setdefault("decode_responses", True)
    kwargs.setdefault("socket_timeout", 30)
    return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)


class ServerTestCase(unittest.TestCase):
  """Base class: a fresh server per test, started with SERVER_ARGS.

  The server is registered with addCleanup before anything else can fail,
  so it is stopped and its directory removed even when setUp or the test
  raises."""

  SERVER_ARGS = ()

  def setUp(self):
    self.server = self.start_server(self.SERVER_ARGS)

  def start_server(self, args=(), config_text=None):
    server = ServerProcess(args, config_text)
    self.addCleanup(server.cleanup)
    return server.start()


def read_reply(sock_file):
  """Reads one RESP2/RESP3 reply from a socket makefile('rb').

  Returns bytes for simple strings and bulks, ints, lists, None, and
  RespError for errors. Enough for protocol tests; not a full client."""
  line = sock_file.readline()
  if not line:
    raise ConnectionError("connection closed")
  kind, rest = line[:1], line[1:-2]
  if kind == b"+":
    return rest
  if kind == b"-":
    return RespError(rest.decode())
  if kind == b":":
    return int(rest)
  if kind in (b"$", b"="):
    n = int(rest)
    if n < 0:
      return None
    data = sock_file.read(n + 2)
    return data[:-2]
  if kind in (b"*", b"~", b">"):
    n = int(rest)
    if n < 0:
      return None
    return [read_reply(sock_file) for _ in range(n)]
  if kind == b"%":
    n = int(rest)
    return {read_reply(sock_file): read_reply(sock_file) for _ in range(n)}
  if kind == b"_":
    return None
  raise ValueError("unexpected reply line %r" % line)


class RespError(str):
  """An error reply, kept apart from strings so tests can tell them apart."""


def encode_command(*args):
  """RESP multibulk encoding of one command."""
  out = [b"*%d\r\n" % len(args)]
  for a in args:
    if isinstance(a, str):
      a = a.encode()
    elif isinstance(a, int):
      a = str(a).encode()
    out.append(b"$%d\r\n%s\r\n" % (len(a), a))
  return b"".join(out)
