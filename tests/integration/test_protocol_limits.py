"""Bad or oversized input over TCP: the offending connection gets a clear
error and is closed, every other client keeps working, the server lives.

Also the limits that protect the server (proto-max-bulk-len,
client-query-buffer-limit, maxclients) and the large-but-legal cases
(deep pipelines, a 100 MB value).
"""

import socket
import time
import unittest

from harness import (RespError, ServerTestCase, encode_command, quick,
                     read_reply)


def read_until_closed(sock, timeout=5.0):
  """Everything the server sends until it closes the connection.

  Returns (data, closed); closed is False if the timeout hit first."""
  sock.settimeout(timeout)
  data = b""
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    try:
      chunk = sock.recv(65536)
    except socket.timeout:
      return data, False
    except ConnectionResetError:
      return data, True
    if not chunk:
      return data, True
    data += chunk
  return data, False


class ProtocolErrorTest(ServerTestCase):

  # (what is sent, the exact error line the server must answer with)
  GARBAGE = [
      (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
      (b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n"),
      (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
      (b"*1\r\n$x\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
      (b"\"unbalanced\r\n",
       b"-ERR Protocol error: unbalanced quotes in request\r\n"),
  ]

  def test_garbage_closes_only_that_connection(self):
    bystander = self.server.redis(single_connection_client=True)
    bystander.set("k", "v")
    for data, expected in self.GARBAGE:
      with self.subTest(data=data):
        with self.server.connect() as sock:
          sock.sendall(data)
          reply, closed = read_until_closed(sock)
          self.assertEqual(reply, expected)
          self.assertTrue(closed, "connection left open after %r" % data)
        self.assertEqual(bystander.get("k"), "v")
    self.assertTrue(self.server.alive())

  def test_replies_before_the_error_are_delivered(self):
    with self.server.connect() as sock:
      sock.sendall(b"PING\r\n" + encode_command("ECHO", "x") + b"*1\r\n$x\r\n")
      reply, closed = read_until_closed(sock)
    self.assertEqual(reply, b"+PONG\r\n$1\r\nx\r\n"
                     b"-ERR Protocol error: invalid bulk length\r\n")
    self.assertTrue(closed)

  def test_too_big_inline_request(self):
    with self.server.connect() as sock:
      sock.sendall(b"x" * (70 * 1024))
      reply, closed = read_until_closed(sock)
    self.assertEqual(reply, b"-ERR Protocol error: too big inline request\r\n")
    self.assertTrue(closed)
    self.assertTrue(self.server.redis().ping())

  def test_bulk_above_proto_max_bulk_len_is_refused(self):
    # The default proto-max-bulk-len is 512 MB; the length alone is refused,
    # before any of the payload is sent.
    with self.server.connect() as sock:
      sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\n")
      reply, closed = read_until_closed(sock)
    self.assertEqual(reply, b"-ERR Protocol error: invalid bulk length\r\n")
    self.assertTrue(closed)
    self.assertTrue(self.server.redis().ping())

  def test_lowered_proto_max_bulk_len(self):
    r = self.server.redis()
    r.config_set("proto-max-bulk-len", "1mb")
    with self.server.connect() as sock:
      sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (2 << 20))
      reply, closed = read_until_closed(sock)
    self.assertEqual(reply, b"-ERR Protocol error: invalid bulk length\r\n")
    self.assertTrue(closed)
    self.assertTrue(r.set("k", "x" * 1000))


class QueryBufferLimitTest(ServerTestCase):

  SERVER_ARGS = ("--client-query-buffer-limit", "1mb")

  def test_client_over_limit_is_closed(self):
    bystander = self.server.redis(single_connection_client=True)
    bystander.set("k", "v")
    with self.server.connect() as sock:
      # A 4 MB argument is legal for proto-max-bulk-len but has to sit
      # unparsed in the query buffer, beyond the 1 MB limit.
      header = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % (4 << 20)
      sock.sendall(header)
      chunk = b"x" * 65536
      closed = False
      try:
        for _ in range(64):
          sock.sendall(chunk)
      except (BrokenPipeError, ConnectionResetError):
        closed = True
      if not closed:
        _, closed = read_until_closed(sock, timeout=5)
      self.assertTrue(closed, "client over the query buffer limit kept open")
    self.assertEqual(bystander.get("k"), "v")
    self.assertIsNone(bystander.get("big"))
    self.assertTrue(self.server.alive())

  def test_client_under_limit_is_fine(self):
    r = self.server.redis()
    value = "y" * (512 * 1024)
    self.assertTrue(r.set("half", value))
    self.assertEqual(r.get("half"), value)


class MaxClientsTest(ServerTestCase):

  SERVER_ARGS = ("--maxclients", "5")

  def test_excess_clients_are_refused(self):
    socks = []
    try:
      accepted, refused = 0, 0
      for _ in range(10):
        sock = self.server.connect(timeout=5)
        socks.append(sock)
        # A refused client is told so right after accept, unprompted; wait
        # for that before writing, or our PING would meet a closed socket.
        greeting, closed = read_until_closed(sock, timeout=0.5)
        if closed:
          self.assertEqual(greeting, b"-ERR max number of clients reached\r\n")
          refused += 1
          continue
        self.assertEqual(greeting, b"")
        sock.sendall(b"PING\r\n")
        self.assertEqual(sock.makefile("rb").readline(), b"+PONG\r\n")
        accepted += 1
      self.assertEqual((accepted, refused), (5, 5))
      sock = socks[1]
      sock.sendall(encode_command("INFO", "stats"))
      stats = read_reply(sock.makefile("rb")).decode()
      self.assertIn("rejected_connections:5\r\n", stats)
      # A slot freed by a leaving client can be taken by a new one.
      socks[0].close()
      time.sleep(0.2)
      with self.server.connect() as sock:
        sock.sendall(b"PING\r\n")
        self.assertEqual(sock.makefile("rb").readline(), b"+PONG\r\n")
    finally:
      for s in socks:
        s.close()
    self.assertTrue(self.server.alive())


class LargeTrafficTest(ServerTestCase):

  def test_pipeline_of_10000_commands_in_one_write(self):
    n = 10000
    batch = b"".join(encode_command("SET", "k%d" % i, "v%d" % i)
                     + encode_command("INCR", "counter") for i in range(n // 2))
    self.assertEqual(batch.count(b"*3\r\n") + batch.count(b"*2\r\n"), n)
    with self.server.connect(timeout=30) as sock:
      f = sock.makefile("rb")
      sock.sendall(batch)
      for i in range(n // 2):
        self.assertEqual(read_reply(f), b"OK")
        self.assertEqual(read_reply(f), i + 1)
      sock.sendall(encode_command("GET", "k4999"))
      self.assertEqual(read_reply(f), b"v4999")

  def test_pipeline_mixes_inline_and_multibulk(self):
    with self.server.connect() as sock:
      f = sock.makefile("rb")
      sock.sendall(b"PING\r\n" + encode_command("SET", "a", "1")
                   + b"GET a\r\n" + b"ECHO \"two words\"\r\n")
      self.assertEqual([read_reply(f) for _ in range(4)],
                       [b"PONG", b"OK", b"1", b"two words"])

  def test_100mb_value_round_trips(self):
    size = (10 if quick() else 100) << 20
    r = self.server.redis(decode_responses=False, socket_timeout=120)
    value = (b"0123456789abcdef" * (size // 16))
    self.assertTrue(r.set(b"huge", value))
    self.assertEqual(r.strlen(b"huge"), size)
    got = r.get(b"huge")
    self.assertEqual(len(got), size)
    self.assertTrue(got == value)
    self.assertEqual(r.getrange(b"huge", size - 16, size - 1),
                     b"0123456789abcdef")
    self.assertEqual(r.delete(b"huge"), 1)


if __name__ == "__main__":
  unittest.main()
