"""A replica's expired keys, as Redis 7.0 (expireIfNeeded): the primary owns
expiry and sends a DEL, so a replica never deletes a key its own clients
find expired (they see it missing, DBSIZE still counts it), the primary's
stream still sees the key (an INCR from the primary finds its value even if
the replica's clock says it expired), and a writable replica's own write
commands delete it. Each body runs with the binary under test as the replica
and with redis-server 7.0.15 (the specification). The primary is a small
scripted one in this file, so the test decides exactly what the stream
carries and when.
"""

import os
import socket
import threading
import time
import unittest

import redis

from harness import ServerProcess, encode_command, read_reply, wait_until
from test_replication import REDIS_SERVER


def expired_rdb(keys):
  """An RDB image (made by redis-server) holding `keys`: name -> (value, ttl
  ms or None), a list value making a list. Returned after every TTL has
  passed."""
  s = ServerProcess(binary=REDIS_SERVER)
  try:
    s.start()
    c = s.redis()
    latest = 0.0
    for name, (value, ttl) in keys.items():
      if isinstance(value, list):
        c.rpush(name, *value)
        if ttl:
          c.pexpire(name, ttl)
      else:
        c.set(name, value, px=ttl)
      if ttl:
        latest = max(latest, time.monotonic() + ttl / 1000.0)
    c.save()
    with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
      image = f.read()
    c.close()
  finally:
    s.cleanup()
  time.sleep(max(0.0, latest + 0.05 - time.monotonic()))
  return image


class ScriptedPrimary:
  """Accepts one replica, answers its handshake, sends a full sync of a
  given RDB image, then sends whatever commands the test asks for. The
  replica's REPLCONF ACKs are read and dropped by a thread."""

  def __init__(self, image):
    self.image = image
    self.listener = socket.socket()
    self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    self.listener.bind(("127.0.0.1", 0))
    self.listener.listen(1)
    self.port = self.listener.getsockname()[1]
    self.conn = None
    self.sent = 0  # replication offset: stream bytes after the image
    self.ready = threading.Event()
    self.thread = threading.Thread(target=self.serve, daemon=True)
    self.thread.start()

  def serve(self):
    conn, _ = self.listener.accept()
    self.conn = conn
    f = conn.makefile("rb")
    while True:
      cmd = read_reply(f)
      name = cmd[0].upper()
      if name == b"PSYNC" or name == b"SYNC":
        conn.sendall(b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n")
        conn.sendall(b"$%d\r\n" % len(self.image) + self.image)
        break
      conn.sendall(b"+PONG\r\n" if name == b"PING" else b"+OK\r\n")
    self.ready.set()
    try:
      while read_reply(f) is not None:  # ACKs
        pass
    except (ConnectionError, OSError, ValueError):
      pass

  def send(self, *args):
    data = encode_command(*args)
    self.conn.sendall(data)
    self.sent += len(data)

  def close(self):
    for s in (self.conn, self.listener):
      if s is not None:
        try:
          s.shutdown(socket.SHUT_RDWR)
        except OSError:
          pass
        s.close()


class ReplicaExpiryBase:
  BINARY = None  # None: the binary under test

  def replica_of_image(self, keys, *args):
    primary = ScriptedPrimary(expired_rdb(keys))
    self.addCleanup(primary.close)
    server = ServerProcess(list(args), binary=self.BINARY)
    self.addCleanup(server.cleanup)
    server.start()
    r = server.redis()
    self.addCleanup(r.close)
    r.replicaof("127.0.0.1", primary.port)
    self.assertTrue(primary.ready.wait(20), "no full sync")
    wait_until(lambda: r.info("replication").get("master_link_status") == "up", what="link up")
    primary.send("SELECT", 0)
    return primary, r

  def wait_applied(self, primary, r):
    wait_until(lambda: r.info("replication").get("slave_repl_offset") == primary.sent, what="stream applied")

  def test_own_readers_see_expired_keys_missing_without_deleting_them(self):
    primary, r = self.replica_of_image({"k": ("10", 100), "e": ("x", 100), "n": ("5", None)})
    self.wait_applied(primary, r)
    self.assertEqual(r.dbsize(), 3)
    self.assertIsNone(r.get("k"))
    self.assertEqual(r.exists("k", "e", "n"), 1)
    self.assertEqual(r.pttl("k"), -2)
    self.assertEqual(r.type("e"), "none")
    self.assertEqual(r.keys("*"), ["n"])
    self.assertEqual(r.scan(0, count=100), (0, ["n"]))
    self.assertEqual(r.randomkey(), "n")
    self.assertEqual(r.dbsize(), 3)  # nothing deleted: the primary's DEL decides
    self.assertEqual(r.info("stats")["expired_keys"], 0)
    primary.send("DEL", "k")
    self.wait_applied(primary, r)
    self.assertEqual(r.dbsize(), 2)

  def test_primary_stream_finds_the_value_of_a_key_expired_here(self):
    primary, r = self.replica_of_image({"k": ("10", 100), "l": (["a"], 100)})
    primary.send("INCR", "k")
    primary.send("RPUSH", "l", "b")
    self.wait_applied(primary, r)
    self.assertIsNone(r.get("k"))  # still past its TTL here
    primary.send("PERSIST", "k")
    primary.send("PERSIST", "l")
    self.wait_applied(primary, r)
    self.assertEqual(r.get("k"), "11")
    self.assertEqual(r.lrange("l", 0, -1), ["a", "b"])

  def test_all_volatile_replica_randomkey_answers_an_expired_key(self):
    primary, r = self.replica_of_image({"k": ("1", 100)})
    self.wait_applied(primary, r)
    self.assertEqual(r.randomkey(), "k")
    self.assertEqual(r.dbsize(), 1)

  def test_writable_replica_write_deletes_the_expired_key(self):
    primary, r = self.replica_of_image({"k": ("10", 100), "e": ("x", 100)}, "--replica-read-only", "no")
    self.wait_applied(primary, r)
    self.assertIsNone(r.get("e"))
    self.assertEqual(r.dbsize(), 2)
    self.assertEqual(r.incr("k"), 1)  # the old value was deleted first, not incremented
    self.assertEqual(r.dbsize(), 2)
    self.assertEqual(r.pttl("k"), -1)

  def test_writable_replica_expires_the_keys_its_clients_gave_a_ttl(self):
    primary, r = self.replica_of_image({"k": ("10", 100)}, "--replica-read-only", "no")
    self.wait_applied(primary, r)
    tracked = lambda: r.info("stats")["slave_expires_tracked_keys"]
    self.assertEqual(tracked(), 0)
    r.set("w", "v", px=150)
    r.set("p", "v", ex=100)
    r.persist("p")
    self.assertEqual(tracked(), 2)
    # The cron deletes w once its TTL passes and forgets p (no TTL left);
    # k, the primary's, stays for the primary's DEL.
    wait_until(lambda: tracked() == 0 and r.dbsize() == 2, what="tracked keys expired")
    self.assertEqual(r.info("stats")["expired_keys"], 1)
    self.assertEqual(sorted(r.keys("*")), ["p"])
    r.set("x", "v", ex=100)
    r.execute_command("SELECT", 3)  # same name, another database: one tracked name
    r.set("x", "v", ex=100)
    r.execute_command("SELECT", 0)
    self.assertEqual(tracked(), 1)
    r.flushall()
    self.assertEqual(tracked(), 0)

  def test_script_from_a_client_reads_expired_keys_as_missing(self):
    primary, r = self.replica_of_image({"k": ("10", 100)})
    self.wait_applied(primary, r)
    self.assertIsNone(r.eval("return redis.call('get', KEYS[1])", 1, "k"))
    self.assertEqual(r.dbsize(), 1)


class ReplicaExpiryTest(ReplicaExpiryBase, unittest.TestCase):
  pass


class ReplicaExpiryRedisTest(ReplicaExpiryBase, unittest.TestCase):
  """The same bodies on redis-server 7.0.15: the specification."""
  BINARY = REDIS_SERVER


if __name__ == "__main__":
  unittest.main()
