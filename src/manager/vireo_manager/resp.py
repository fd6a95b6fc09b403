"""A minimal RESP2 client for talking to nodes, plus reply encoders.

call opens one short-lived TCP connection per call (health checks and
admin commands are rare enough that pooling buys nothing and a fresh socket
never carries state from a failed call). encode_* build replies for the
Sentinel listener.

Managed nodes know admin commands only by secret names (engines.py); call
translates them, so callers write "CONFIG", "SAVE"... as usual. The rename
table is set once when the manager starts, before any thread calls a node,
and only read afterwards: thread-safe.
"""

import socket

_renames = {}   # lower-case command name -> the name managed nodes know


def set_command_renames(table):
  """Installs the admin-command names (see engines.py); call before use."""
  _renames.clear()
  _renames.update(table)


def _translate(cmd):
  if cmd and isinstance(cmd[0], str):
    new = _renames.get(cmd[0].lower())
    if new:
      return [new] + list(cmd[1:])
  return cmd


class RespError(Exception):
  """An error reply (-ERR ...) from the node."""


def encode_command(args):
  out = [b"*%d\r\n" % len(args)]
  for a in args:
    if not isinstance(a, bytes):
      a = str(a).encode()
    out.append(b"$%d\r\n%s\r\n" % (len(a), a))
  return b"".join(out)


def encode_reply(value):
  """Encodes a Python value as a RESP2 reply (str -> bulk, None -> nil)."""
  if value is None:
    return b"$-1\r\n"
  if isinstance(value, bool):
    return b":%d\r\n" % int(value)
  if isinstance(value, int):
    return b":%d\r\n" % value
  if isinstance(value, (list, tuple)):
    return b"*%d\r\n" % len(value) + b"".join(encode_reply(v) for v in value)
  if isinstance(value, str):
    value = value.encode()
  return b"$%d\r\n%s\r\n" % (len(value), value)


def simple(text):
  return b"+" + text.encode() + b"\r\n"


def error(text):
  return b"-" + text.encode() + b"\r\n"


class _Reader:
  def __init__(self, sock):
    self.sock = sock
    self.buf = b""

  def _fill(self):
    chunk = self.sock.recv(65536)
    if not chunk:
      raise ConnectionError("connection closed by node")
    self.buf += chunk

  def line(self):
    while b"\r\n" not in self.buf:
      self._fill()
    line, self.buf = self.buf.split(b"\r\n", 1)
    return line

  def exact(self, n):
    while len(self.buf) < n + 2:
      self._fill()
    data, self.buf = self.buf[:n], self.buf[n + 2:]
    return data

  def reply(self):
    line = self.line()
    kind, rest = line[:1], line[1:]
    if kind == b"+":
      return rest.decode()
    if kind == b"-":
      return RespError(rest.decode())
    if kind == b":":
      return int(rest)
    if kind == b"$":
      n = int(rest)
      return None if n < 0 else self.exact(n).decode(errors="replace")
    if kind == b"*":
      n = int(rest)
      return None if n < 0 else [self.reply() for _ in range(n)]
    raise ConnectionError(f"bad reply from node: {line[:40]!r}")


def call(port, *commands, password=None, timeout=1.0, host="127.0.0.1"):
  """Sends commands (each a list) on one connection; returns their replies.

  Error replies come back as RespError values, not exceptions, so a caller
  can send several commands and look at each; socket trouble raises OSError
  or ConnectionError.
  """
  with socket.create_connection((host, port), timeout=timeout) as sock:
    sock.settimeout(timeout)
    batch = [_translate(c) for c in commands]
    if password:
      # A (user, password) pair authenticates as an ACL user.
      batch.insert(0, ["AUTH", *password] if isinstance(password, tuple)
                   else ["AUTH", password])
    sock.sendall(b"".join(encode_command(c) for c in batch))
    reader = _Reader(sock)
    replies = [reader.reply() for _ in batch]
  if password:
    auth = replies.pop(0)
    if isinstance(auth, RespError):
      raise ConnectionError(f"AUTH failed: {auth}")
  return replies


def call1(port, *args, password=None, timeout=1.0):
  """One command; raises RespError on an error reply."""
  reply = call(port, list(args), password=password, timeout=timeout)[0]
  if isinstance(reply, RespError):
    raise reply
  return reply


def parse_info(text):
  out = {}
  for line in (text or "").splitlines():
    if ":" in line and not line.startswith("#"):
      k, v = line.split(":", 1)
      out[k] = v
  return out
