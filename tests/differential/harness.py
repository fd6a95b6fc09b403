"""Shared machinery for the differential tests: server processes, a raw RESP
client and reply comparison helpers.

Everything here works on the exact bytes a server sends: a reply is read as
one complete RESP2/RESP3 value and kept as bytes, so that two servers can be
compared byte for byte.  Decoding into a tree is only done when a comparison
needs to ignore something (element order, a client id, a timing value).

Standard library only, on purpose: redis-py would hide the bytes we compare.
"""

import atexit
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# Absolute paths: each server runs with its own temp dir as working dir.
REDIS_SERVER = os.path.abspath(
    os.environ.get("REDIS_SERVER", "/usr/bin/redis-server"))
VIREO_SERVER = os.path.abspath(os.environ.get("VIREO_SERVER", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "vireo-server")))

# Test hook: extra command-line arguments for the server under test, e.g.
# DIFF_CANDIDATE_ARGS="--proto-max-bulk-len 1000000" with VIREO_SERVER set to
# redis-server, to check that differences are really reported.
CANDIDATE_ARGS = os.environ.get("DIFF_CANDIDATE_ARGS", "").split()

# How long one reply may take before we call the server hung.
REPLY_TIMEOUT = float(os.environ.get("DIFF_REPLY_TIMEOUT", "20"))


class ServerDied(Exception):
  """The connection closed or timed out where a reply was expected."""


# ---------------------------------------------------------------------------
# Server processes

_live_servers = []


def _cleanup_all():
  for server in list(_live_servers):
    server.stop()


def _on_signal(signum, _frame):
  _cleanup_all()
  # Re-raise the default behaviour so the exit status says what happened.
  signal.signal(signum, signal.SIG_DFL)
  os.kill(os.getpid(), signum)


atexit.register(_cleanup_all)
for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
  signal.signal(_sig, _on_signal)


def _port_is_free(port):
  with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    try:
      s.bind(("127.0.0.1", port))
    except OSError:
      return False
  return True


def pick_free_port(rng=random.SystemRandom()):
  for _ in range(200):
    port = rng.randint(10000, 32767)  # below the ephemeral range
    if _port_is_free(port):
      return port
  raise RuntimeError("no free port found")


class ServerProcess:
  """One server binary started on a free port in its own temporary dir."""

  def __init__(self, binary, label, extra_args=()):
    self.binary = binary
    self.label = label
    self.extra_args = list(extra_args)
    self.proc = None
    self.port = None
    self.dir = None
    self.log_path = None

  def start(self, timeout=10.0):
    if not os.path.exists(self.binary):
      raise RuntimeError("%s binary not found: %s" % (self.label, self.binary))
    for _attempt in range(5):
      self.port = pick_free_port()
      self.dir = tempfile.mkdtemp(prefix="vireo-diff-%s-" % self.label)
      self.log_path = os.path.join(self.dir, "server.log")
      # DEBUG is on for both (cases compare DEBUG PROTOCOL and DIGEST).
      args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
              "--save", "", "--appendonly", "no", "--dir", self.dir,
              "--enable-debug-command", "yes"]
      args += self.extra_args
      log = open(self.log_path, "wb")
      self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=self.dir)
      log.close()
      _live_servers.append(self)
      if self._wait_ready(timeout):
        return self
      # Lost a race for the port, or the binary failed: retry elsewhere.
      self.stop()
    raise RuntimeError("%s did not start; see log above" % self.label)

  def _wait_ready(self, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
      if self.proc.poll() is not None:
        sys.stderr.write("%s exited early (rc=%s). Log:\n%s\n" % (
            self.label, self.proc.returncode, self.read_log()[-2000:]))
        return False
      try:
        conn = RespConnection(self.port, timeout=1.0)
        reply = conn.call(b"PING")
        conn.close()
        if reply == b"+PONG\r\n":
          return True
      except (OSError, ServerDied):
        pass
      time.sleep(0.02)
    return False

  def responsive(self, timeout=2.0):
    try:
      conn = RespConnection(self.port, timeout=timeout)
      try:
        return conn.call(b"PING") == b"+PONG\r\n"
      finally:
        conn.close()
    except (OSError, ServerDied):
      return False

  def alive(self):
    return self.proc is not None and self.proc.poll() is None

  def read_log(self):
    try:
      with open(self.log_path, "r", errors="replace") as f:
        return f.read()
    except OSError:
      return ""

  def stop(self):
    if self.proc is not None:
      if self.proc.poll() is None:
        self.proc.terminate()
        try:
          self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
          self.proc.kill()
          self.proc.wait()
      self.proc = None
    if self.dir is not None:
      shutil.rmtree(self.dir, ignore_errors=True)
      self.dir = None
    if self in _live_servers:
      _live_servers.remove(self)

  def connect(self):
    return RespConnection(self.port)


class ServerPair:
  """The reference redis-server and the server under test, side by side."""

  def __init__(self, reference=None, candidate=None, reference_args=(),
               candidate_args=()):
    self.reference = ServerProcess(reference or REDIS_SERVER, "redis",
                                   reference_args)
    self.candidate = ServerProcess(candidate or VIREO_SERVER, "vireo",
                                   list(candidate_args) + CANDIDATE_ARGS)

  def start(self):
    self.reference.start()
    self.candidate.start()
    return self

  def both(self):
    return (self.reference, self.candidate)

  def restart_dead(self):
    """Restarts whichever server died or stopped answering PING; returns
    the labels restarted.  Raises RuntimeError if one cannot be started."""
    restarted = []
    for server in self.both():
      if not server.alive() or not server.responsive():
        server.stop()
        server.start()
        restarted.append(server.label)
    return restarted

  def stop(self):
    self.candidate.stop()
    self.reference.stop()

  def __enter__(self):
    return self.start()

  def __exit__(self, *exc):
    self.stop()


# ---------------------------------------------------------------------------
# Encoding commands

def encode_command(args):
  """RESP multibulk for a list of bytes/str/int arguments."""
  out = [b"*%d\r\n" % len(args)]
  for a in args:
    if isinstance(a, str):
      a = a.encode("utf-8", "surrogateescape")
    elif isinstance(a, int):
      a = str(a).encode()
    out.append(b"$%d\r\n" % len(a))
    out.append(a)
    out.append(b"\r\n")
  return b"".join(out)


# ---------------------------------------------------------------------------
# Raw client

EOF_REPLY = b"<connection closed>"
TIMEOUT_REPLY = b"<timeout: no reply>"

_AGGREGATES = {ord("*"): 1, ord("~"): 1, ord(">"): 1, ord("%"): 2,
               ord("|"): 2}
_LINE_TYPES = b"+-:_,#("
_BULK_TYPES = b"$!="


class RespConnection:
  """A blocking TCP connection that returns replies as exact bytes.

  Not thread-safe; one user at a time.  Replies are framed by a small RESP
  scanner working on an internal buffer, so pipelined replies are split
  correctly without decoding them.
  """

  def __init__(self, port, host="127.0.0.1", timeout=REPLY_TIMEOUT):
    self.sock = socket.create_connection((host, port), timeout=timeout)
    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    self.timeout = timeout
    self.buf = bytearray()
    self.pos = 0
    self.closed = False

  def close(self):
    try:
      self.sock.close()
    except OSError:
      pass
    self.closed = True

  def send_raw(self, data):
    try:
      self.sock.sendall(data)
    except OSError:
      # The peer may have closed (e.g. after a protocol error); the read that
      # follows reports it.
      pass

  def send(self, args):
    self.send_raw(encode_command(args))

  def call(self, *args):
    self.send(list(args))
    return self.read_reply()

  def _fill(self):
    try:
      chunk = self.sock.recv(262144)
    except socket.timeout:
      raise ServerDied("timeout")
    except OSError as e:
      raise ServerDied(str(e))
    if not chunk:
      self.closed = True
      raise ServerDied("connection closed")
    self.buf += chunk

  def _line_end(self, start):
    while True:
      idx = self.buf.find(b"\r\n", start)
      if idx >= 0:
        return idx
      self._fill()

  def _skip_value(self, start):
    """Returns the offset just past the complete value starting at start."""
    while len(self.buf) <= start:
      self._fill()
    kind = self.buf[start]
    end = self._line_end(start)
    if kind in _LINE_TYPES:
      return end + 2
    if kind in _BULK_TYPES:
      n = int(self.buf[start + 1:end])
      if n < 0:
        return end + 2
      stop = end + 2 + n + 2
      while len(self.buf) < stop:
        self._fill()
      return stop
    if kind in _AGGREGATES:
      n = int(self.buf[start + 1:end])
      pos = end + 2
      for _ in range(max(n, 0) * _AGGREGATES[kind]):
        pos = self._skip_value(pos)
      if kind == ord("|"):
        # RESP3 attributes annotate the value that follows: one reply.
        pos = self._skip_value(pos)
      return pos
    raise ServerDied("unparseable reply starting %r" %
                     bytes(self.buf[start:start + 40]))

  def read_reply(self):
    """Exact bytes of the next complete reply; raises ServerDied."""
    if self.pos > 65536 and self.pos > len(self.buf) // 2:
      # Drop consumed bytes; only here, as offsets are held while parsing.
      del self.buf[:self.pos]
      self.pos = 0
    start = self.pos
    try:
      stop = self._skip_value(start)
    except ServerDied:
      self.pos = start
      raise
    reply = bytes(self.buf[start:stop])
    self.pos = stop
    return reply

  def read_reply_or_marker(self):
    """Like read_reply but maps EOF/timeout to marker bytes for comparing."""
    try:
      return self.read_reply()
    except ServerDied as e:
      if "timeout" in str(e):
        return TIMEOUT_REPLY
      return EOF_REPLY

  def pipeline(self, commands):
    """Sends many commands at once and returns their replies in order."""
    self.send_raw(b"".join(encode_command(c) for c in commands))
    return [self.read_reply_or_marker() for _ in commands]

  def is_closed_soon(self, wait=1.0):
    """True if the peer closes the connection within `wait` seconds with no
    more data; False if it sends data or stays open."""
    if self.pos < len(self.buf):
      return False
    self.sock.settimeout(wait)
    try:
      chunk = self.sock.recv(4096)
      if chunk:
        self.buf += chunk
        return False
      self.closed = True
      return True
    except socket.timeout:
      return False
    except OSError:
      self.closed = True
      return True
    finally:
      self.sock.settimeout(self.timeout)

  def pending_bytes(self):
    return bytes(self.buf[self.pos:])


# ---------------------------------------------------------------------------
# Decoding, only where a comparison must look inside a reply

class Node:
  """A decoded reply: kind is the RESP type byte as a str, value is bytes for
  scalars and a list of Nodes for aggregates (maps flattened k, v, k, v)."""
  __slots__ = ("kind", "value", "header")

  def __init__(self, kind, value, header=None):
    self.kind = kind
    self.value = value
    self.header = header

  def encode(self):
    k = self.kind.encode()
    if self.kind in "+-:_,#(":
      return k + self.value + b"\r\n"
    if self.kind in "$!=":
      if self.value is None:
        return k + self.header + b"\r\n"
      return k + b"%d\r\n" % len(self.value) + self.value + b"\r\n"
    if self.value is None:
      return k + self.header + b"\r\n"
    n = len(self.value) // (2 if self.kind in "%|" else 1)
    return k + b"%d\r\n" % n + b"".join(v.encode() for v in self.value)


def decode(data, pos=0):
  """Decodes one reply from bytes; returns (Node, next_pos)."""
  kind = chr(data[pos])
  end = data.index(b"\r\n", pos)
  head = data[pos + 1:end]
  if kind in "+-:_,#(":
    return Node(kind, head), end + 2
  if kind in "$!=":
    n = int(head)
    if n < 0:
      return Node(kind, None, head), end + 2
    start = end + 2
    return Node(kind, data[start:start + n]), start + n + 2
  n = int(head)
  if n < 0:
    return Node(kind, None, head), end + 2
  items = []
  pos = end + 2
  for _ in range(n * (2 if kind in "%|" else 1)):
    item, pos = decode(data, pos)
    items.append(item)
  return Node(kind, items), pos


def decode_all(data):
  node, _ = decode(data)
  return node


# ---------------------------------------------------------------------------
# Normalizers: each maps reply bytes to bytes, so that two replies are equal
# when they differ only in what the normalizer hides.  Errors are never
# normalized: error texts are protocol.

def is_error(reply):
  return reply[:1] in (b"-", b"!")


def sort_elements(reply):
  """Sorts the top-level elements of an array/set (map entries by key)."""
  if is_error(reply) or reply[:1] not in b"*~%":
    return reply
  node = decode_all(reply)
  if node.value is None:
    return reply
  if node.kind == "%":
    pairs = [(node.value[i], node.value[i + 1])
             for i in range(0, len(node.value), 2)]
    pairs.sort(key=lambda p: (p[0].encode(), p[1].encode()))
    node.value = [x for p in pairs for x in p]
  else:
    node.value.sort(key=lambda n: n.encode())
  return node.encode()


def reply_type_only(reply):
  """Keeps the reply type (and the whole text of errors)."""
  if is_error(reply) or reply in (EOF_REPLY, TIMEOUT_REPLY):
    return reply
  return b"<type " + reply[:1] + b">"


def mask_strings(pattern):
  """Replaces regex matches inside every string leaf with '*'."""
  rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)

  def apply(node):
    if isinstance(node.value, list):
      for item in node.value:
        apply(item)
    elif node.value is not None and node.kind in "+$=":
      node.value = rx.sub(lambda m: _mask_groups(m), node.value)

  def run(reply):
    if is_error(reply) or reply in (EOF_REPLY, TIMEOUT_REPLY):
      return reply
    node = decode_all(reply)
    apply(node)
    return node.encode()
  return run


def _mask_groups(match):
  # Keep group 1 (e.g. the field name in "id=7") and hide the rest.
  if match.groups():
    return match.group(1) + b"*"
  return b"*"


def mask_map_value(key):
  """Hides the value that follows `key` in a map or a flat k/v array, at
  any depth (ACL LOG: a list of maps). `key[N]` hides only element N of each
  entry of the list that follows `key`, keeping the list's length and the
  other elements (COMMAND DOCS history: `history[1]` keeps the versions and
  hides the descriptions)."""
  element = None
  m = re.fullmatch(r"(.+)\[(\d+)\]", key)
  if m:
    key, element = m.group(1), int(m.group(2))
  key_b = key.encode()

  def hide(value):
    if element is None:
      return Node("+", b"<masked>")
    if isinstance(value.value, list):
      for entry in value.value:
        if isinstance(entry.value, list) and element < len(entry.value):
          entry.value[element] = Node("+", b"<masked>")
    return value

  return rewrite_map_values(key_b, hide)


def sort_map_value(key):
  """Sorts by key the pairs of the map (or flat k/v array) that follows `key`,
  at any depth: Redis lists COMMAND DOCS subcommands in the order of a hash
  table seeded at random when the server starts."""
  def sort_pairs(value):
    if isinstance(value.value, list):
      pairs = [(value.value[j], value.value[j + 1]) for j in range(0, len(value.value) - 1, 2)]
      pairs.sort(key=lambda p: p[0].encode())
      value.value = [x for p in pairs for x in p]
    return value

  return rewrite_map_values(key.encode(), sort_pairs)


def rewrite_map_values(key_b, transform):
  """A reply filter: replaces every value that follows the key `key_b` in a
  map or flat k/v array, at any depth, with transform(value)."""

  def apply(node):
    if not isinstance(node.value, list):
      return
    for i in range(0, len(node.value) - 1, 2):
      k = node.value[i]
      if k.kind in "+$" and k.value == key_b:
        node.value[i + 1] = transform(node.value[i + 1])
    for item in node.value:
      apply(item)

  def run(reply):
    if is_error(reply) or reply[:1] not in b"*%":
      return reply
    node = decode_all(reply)
    if not isinstance(node.value, list):
      return reply
    apply(node)
    return node.encode()
  return run


def ints_close(a, b, delta):
  if a[:1] != b":" or b[:1] != b":":
    return False
  x, y = int(a[1:-2]), int(b[1:-2])
  if x < 0 or y < 0:
    return x == y
  return abs(x - y) <= delta


def ints_close_deep(a, b, delta):
  """Like ints_close, for integers anywhere inside the two replies (stream
  idle times in XPENDING/XINFO): same shape, other leaves equal."""
  try:
    x, y = decode_all(a), decode_all(b)
  except (ValueError, IndexError):
    return False

  def same(n, m):
    if n.kind != m.kind:
      return False
    if n.kind == ":":
      i, j = int(n.value), int(m.value)
      return i == j if (i < 0 or j < 0) else abs(i - j) <= delta
    if isinstance(n.value, list) and isinstance(m.value, list):
      return len(n.value) == len(m.value) and all(same(p, q) for p, q in zip(n.value, m.value))
    return n.value == m.value and n.header == m.header

  return same(x, y)


def show(reply, limit=300):
  """Printable form of a reply, shortened when huge."""
  text = repr(reply)
  if len(text) > limit:
    text = text[:limit] + "... (%d bytes)" % len(reply)
  return text


def show_pair(a, b, limit=300):
  """Printable forms of two replies; long ones are cut around the first
  byte where they differ, so the difference is visible."""
  if len(repr(a)) <= limit and len(repr(b)) <= limit:
    return repr(a), repr(b)
  i = 0
  n = min(len(a), len(b))
  while i < n and a[i] == b[i]:
    i += 1
  start = max(0, i - 80)

  def cut(x):
    part = x[start:start + 200]
    return "%s%r%s (%d bytes, first difference at byte %d)" % (
        "..." if start else "", part, "..." if start + 200 < len(x) else "",
        len(x), i)
  return cut(a), cut(b)
