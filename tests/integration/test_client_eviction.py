"""maxmemory-clients (Redis 7.0's client eviction) as clients see it: a client
holding a big query buffer, a big unread output or a pub/sub backlog is
closed when all clients together pass the limit, the biggest first, and only
until the rest fit; CLIENT NO-EVICT on protects a client (flag 'e'); a
percentage is of maxmemory; each eviction is counted in INFO's
evicted_clients and logged as "Evicting client: <CLIENT LIST line>".

Limits are derived from the tot-mem figures the server itself reports in
CLIENT LIST (Vireo and Redis size their buffers differently), so the same
tests pass against redis-server 7.0.
"""

import socket
import time
import unittest

from harness import ServerTestCase, encode_command, is_vireo


def client_fields(r, name):
  """CLIENT LIST's fields of the client called `name` (numbers as ints), or None."""
  for c in r.client_list():
    if c.get("name") == name:
      return {k: int(v) if v.lstrip("-").isdigit() else v for k, v in c.items()}
  return None


def wait_until(pred, timeout=10.0):
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if pred():
      return True
    time.sleep(0.05)
  return pred()


def closed(sock, timeout=10.0):
  """True when the server has closed `sock` (EOF or reset), within timeout.

  Drains whatever the server still sends first."""
  sock.settimeout(0.2)
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    try:
      data = sock.recv(1 << 20)
      if not data:
        return True
    except socket.timeout:
      continue
    except OSError:
      return True
  return False


class ClientEvictionTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()
    self.addCleanup(self.r.close)
    self.r.client_setname("control")
    self.socks = []

  def tearDown(self):
    for s in self.socks:
      s.close()
    super().tearDown()

  def raw(self, name):
    s = self.server.connect()
    self.socks.append(s)
    s.sendall(encode_command("CLIENT", "SETNAME", name))
    self.assertEqual(s.recv(64), b"+OK\r\n")
    return s

  def partial_set(self, name, size, sent):
    """A client that announced a `size`-byte argument and sent `sent` bytes of it."""
    s = self.raw(name)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % size + b"x" * sent)
    self.assertTrue(wait_until(lambda: (client_fields(self.r, name) or {}).get("qbuf", 0) >= sent),
                    "qbuf of %s never reached %d" % (name, sent))
    return s

  def tot_mem(self, name):
    return int(client_fields(self.r, name)["tot-mem"])

  def all_tot_mem(self):
    return sum(int(c["tot-mem"]) for c in self.r.client_list())

  def evicted(self):
    return int(self.r.info("stats")["evicted_clients"])

  def test_config_values(self):
    r = self.r
    self.assertEqual(r.config_get("maxmemory-clients"), {"maxmemory-clients": "0"})
    for value, shown in (("10%", "10%"), ("1mb", "1048576"), ("2k", "2000"), ("0%", "0"), ("0", "0")):
      r.config_set("maxmemory-clients", value)
      self.assertEqual(r.config_get("maxmemory-clients")["maxmemory-clients"], shown)
    for bad, why in (("101%", "percentage argument must be less or equal to 100"),
                     ("-1", "argument must be a memory or percent value"),
                     ("1.5%", "argument must be a memory or percent value")):
      with self.assertRaises(Exception) as ctx:
        r.config_set("maxmemory-clients", bad)
      self.assertIn(why, str(ctx.exception))

  def test_big_query_buffer_is_evicted(self):
    big = self.partial_set("big", 4 << 20, 2 << 20)
    total = self.all_tot_mem()
    self.assertGreater(self.tot_mem("big"), 2 << 20)
    # Over the limit only with "big": closing it is enough.
    self.r.config_set("maxmemory-clients", str(total - self.tot_mem("big") // 2))
    self.assertTrue(closed(big), "the client with the big query buffer was not evicted")
    self.assertEqual(self.evicted(), 1)
    self.assertIsNone(client_fields(self.r, "big"))
    self.assertEqual(self.r.ping(), True)
    if is_vireo():
      self.assertTrue(wait_until(lambda: "Evicting client: id=" in self.server.log()))
      self.assertIn("name=big", self.server.log())

  def test_biggest_first_and_only_until_under(self):
    # Redis sizes the buffer by the announced length, Vireo by what arrived: both grow with the two.
    small = self.partial_set("small", 512 << 10, 200 << 10)
    mid = self.partial_set("mid", 2 << 20, 900 << 10)
    large = self.partial_set("large", 8 << 20, 3 << 20)
    sizes = {n: self.tot_mem(n) for n in ("small", "mid", "large")}
    self.assertLess(sizes["small"], sizes["mid"])
    self.assertLess(sizes["mid"], sizes["large"])
    total = self.all_tot_mem()
    # Evicting "large" alone brings the total under the limit.
    self.r.config_set("maxmemory-clients", str(total - sizes["large"] + sizes["small"] // 2))
    self.assertTrue(closed(large))
    time.sleep(0.3)
    self.assertEqual(self.evicted(), 1)
    self.assertIsNotNone(client_fields(self.r, "mid"))
    self.assertIsNotNone(client_fields(self.r, "small"))
    # Lowering the limit evicts the next biggest, "mid", and spares "small".
    total = self.all_tot_mem()
    self.r.config_set("maxmemory-clients", str(total - sizes["mid"] + sizes["small"] // 2))
    self.assertTrue(closed(mid))
    time.sleep(0.3)
    self.assertEqual(self.evicted(), 2)
    self.assertIsNotNone(client_fields(self.r, "small"))

  def test_no_evict_protects_a_client(self):
    r = self.r
    self.assertEqual(r.execute_command("CLIENT", "NO-EVICT", "on"), "OK")
    self.assertIn("e", client_fields(r, "control")["flags"])
    r.set("big", "v" * (1 << 20))
    keep = self.raw("keep")
    keep.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    keep.sendall(encode_command("CLIENT", "NO-EVICT", "ON"))
    self.assertEqual(keep.recv(64), b"+OK\r\n")
    # About 8 MB of replies it does not read.
    keep.sendall(encode_command("GET", "big") * 8)
    self.assertTrue(wait_until(lambda: client_fields(r, "keep")["tot-mem"] >= 4 << 20))
    self.assertIn("e", client_fields(r, "keep")["flags"])
    other = self.partial_set("other", 4 << 20, 1 << 20)
    total = self.all_tot_mem()
    r.config_set("maxmemory-clients", str(total - self.tot_mem("other") // 2))
    # "other" goes; "keep" is bigger but protected.
    self.assertTrue(closed(other))
    time.sleep(0.3)
    self.assertIsNotNone(client_fields(r, "keep"))
    self.assertEqual(self.evicted(), 1)
    # NO-EVICT off: now it can go too.
    r.config_set("maxmemory-clients", str(self.all_tot_mem() - self.tot_mem("keep") // 2))
    time.sleep(0.3)
    self.assertIsNotNone(client_fields(r, "keep"))
    keep.sendall(encode_command("CLIENT", "NO-EVICT", "off"))
    # (Not reading keep meanwhile: that would drain its output under the limit.)
    self.assertTrue(wait_until(lambda: self.evicted() == 2), "keep not evicted after NO-EVICT off")
    self.assertIsNone(client_fields(r, "keep"))
    # Errors as Redis.
    with self.assertRaises(Exception) as ctx:
      r.execute_command("CLIENT", "NO-EVICT", "maybe")
    self.assertIn("syntax error", str(ctx.exception))
    with self.assertRaises(Exception) as ctx:
      r.execute_command("CLIENT", "NO-EVICT")
    self.assertIn("wrong number of arguments for 'client|no-evict' command", str(ctx.exception))

  def test_unread_output_is_evicted(self):
    r = self.r
    r.execute_command("CLIENT", "NO-EVICT", "on")
    r.set("big", "v" * (1 << 20))
    r.config_set("maxmemory-clients", "4mb")
    reader = self.raw("reader")
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # 64 MB of replies asked for, none read: the output buffer passes 4 MB.
    reader.sendall(encode_command("GET", "big") * 64)
    self.assertTrue(wait_until(lambda: self.evicted() == 1, 20), "reader not evicted")
    self.assertIsNone(client_fields(r, "reader"))
    self.assertLess(self.all_tot_mem(), 4 << 20)

  def test_pubsub_backlog_and_percentage(self):
    r = self.r
    r.execute_command("CLIENT", "NO-EVICT", "on")
    r.config_set("maxmemory", str(200 << 20))
    r.config_set("maxmemory-clients", "2%")  # 4 MB
    sub = self.raw("sub")
    sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sub.sendall(encode_command("SUBSCRIBE", "ch"))
    self.assertTrue(wait_until(lambda: client_fields(r, "sub")["sub"] == 1))
    msg = "m" * (256 << 10)
    for _ in range(40):  # 10 MB of messages the subscriber never reads
      r.publish("ch", msg)
      if self.evicted():
        break
    self.assertTrue(wait_until(lambda: self.evicted() == 1), "subscriber not evicted")
    self.assertIsNone(client_fields(r, "sub"))
    # The percentage follows maxmemory: with none set, it is off.
    r.config_set("maxmemory", "0")
    self.assertEqual(r.config_get("maxmemory-clients")["maxmemory-clients"], "2%")
    s2 = self.partial_set("quiet", 16 << 20, 6 << 20)
    time.sleep(0.5)
    self.assertIsNotNone(client_fields(r, "quiet"))
    self.assertEqual(self.evicted(), 1)
    s2.close()

  def test_memory_falls_back_after_a_big_reply(self):
    if not is_vireo():
      self.skipTest("buffer sizing after a reply is Vireo's (Redis trims in its cron)")
    r = self.r
    r.set("big", "v" * (4 << 20))
    self.assertEqual(len(r.get("big")), 4 << 20)
    self.assertLess(self.tot_mem("control"), 1 << 20)


if __name__ == "__main__":
  unittest.main()
