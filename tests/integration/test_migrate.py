"""MIGRATE as Redis 7.0: keys of every type move to a redis-server and to a
second server of the binary under test with their TTLs and identical DUMP
payloads; COPY, REPLACE, KEYS, AUTH/AUTH2; the target's errors passed on as
Redis words them; NOKEY; a silent target gives the read timeout error; the
connection is cached (INFO migrate_cached_sockets) and reused; a migration
is persisted as DEL, so the keys stay gone after a restart from the AOF.
"""

import socket
import threading
import time

from harness import ServerProcess, ServerTestCase, quick

REDIS = "/usr/bin/redis-server"


class MigrateTest(ServerTestCase):

  SERVER_ARGS = ("--appendonly", "yes")

  def setUp(self):
    super().setUp()
    self.r = self.server.redis(decode_responses=False)
    self.addCleanup(self.r.close)

  def target(self, binary=None, args=()):
    t = ServerProcess(args, binary=binary)
    self.addCleanup(t.cleanup)
    t.start()
    return t

  def fill(self):
    r = self.r
    r.set("str", "hello")
    r.set("int", 12345)
    r.rpush("list", *["e%d" % i for i in range(200)])
    r.hset("hash", mapping={"f%d" % i: "v%d" % i for i in range(50)})
    r.sadd("set", *range(100))
    r.zadd("zset", {"m%d" % i: i / 3 for i in range(300)})
    r.xadd("stream", {"a": "1"})
    r.pexpire("hash", 500000)
    return ["str", "int", "list", "hash", "set", "zset", "stream"]

  def check_moved(self, binary):
    t = self.target(binary)
    keys = self.fill()
    dumps = {k: self.r.dump(k) for k in keys}
    self.assertEqual(self.r.execute_command("MIGRATE", "127.0.0.1", t.port, "", 2, 5000, "KEYS", *keys), b"OK")
    self.assertEqual(self.r.exists(*keys), 0)
    tr = t.redis(decode_responses=False, db=2)
    try:
      for k in keys:
        self.assertEqual(tr.dump(k), dumps[k], k)
      ttl = tr.pttl("hash")
      self.assertTrue(490000 < ttl <= 500000, ttl)
      self.assertEqual(tr.pttl("str"), -1)
    finally:
      tr.close()

  def test_every_type_moves_to_redis(self):
    self.check_moved(REDIS)

  def test_every_type_moves_to_the_same_server(self):
    self.check_moved(None)

  def test_options_and_target_errors(self):
    t = self.target(REDIS)
    r = self.r
    tr = t.redis()
    self.addCleanup(tr.close)
    p = t.port
    self.assertEqual(r.execute_command("MIGRATE", "127.0.0.1", p, "nokey", 0, 1000), b"NOKEY")
    r.set("k", "v1")
    self.assertEqual(r.execute_command("MIGRATE", "127.0.0.1", p, "k", 0, 1000, "COPY"), b"OK")
    self.assertEqual(r.get("k"), b"v1")
    with self.assertRaisesRegex(Exception, "^Target instance replied with error: BUSYKEY Target key name already exists.$"):
      r.execute_command("MIGRATE", "127.0.0.1", p, "k", 0, 1000)
    self.assertEqual(r.get("k"), b"v1")  # not deleted on a target error
    r.set("k", "v2")
    self.assertEqual(r.execute_command("MIGRATE", "127.0.0.1", p, "k", 0, 1000, "REPLACE"), b"OK")
    self.assertEqual(tr.get("k"), "v2")
    self.assertEqual(r.exists("k"), 0)
    # Some keys accepted, one refused: the accepted ones leave, the first error is the reply.
    r.mset({"a": "1", "b": "2", "c": "3"})
    tr.set("b", "taken")
    with self.assertRaisesRegex(Exception, "BUSYKEY"):
      r.execute_command("MIGRATE", "127.0.0.1", p, "", 0, 1000, "KEYS", "a", "b", "c")
    self.assertEqual(sorted(r.keys("*")), [b"b"])
    self.assertEqual(tr.mget("a", "b", "c"), ["1", "taken", "3"])
    with self.assertRaisesRegex(Exception, "Target instance replied with error: ERR DB index is out of range"):
      r.execute_command("MIGRATE", "127.0.0.1", p, "b", 99, 1000)
    for args, text in (((0, 1000, "KEYS", "x"), "the key argument must be set to the empty string"),
                       ((0, 1000, "AUTH"), "syntax error"), ((0, 1000, "AUTH2", "u"), "syntax error"),
                       ((0, 1000, "BOGUS"), "syntax error"), ((0, "soon"), "not an integer"),
                       (("db", 1000), "not an integer")):
      with self.assertRaisesRegex(Exception, text):
        r.execute_command("MIGRATE", "127.0.0.1", p, "b", *args)

  def test_auth_and_auth2(self):
    t = self.target(REDIS)
    tr = t.redis()
    self.addCleanup(tr.close)
    tr.config_set("requirepass", "sekret")
    tr.execute_command("ACL", "SETUSER", "mover", "on", ">pw2", "~*", "+@all")
    r = self.r
    r.set("k", "v")
    with self.assertRaisesRegex(Exception, "NOAUTH Authentication required"):
      r.execute_command("MIGRATE", "127.0.0.1", t.port, "k", 0, 1000)
    with self.assertRaisesRegex(Exception, "WRONGPASS"):
      r.execute_command("MIGRATE", "127.0.0.1", t.port, "k", 0, 1000, "AUTH", "nope")
    self.assertEqual(r.execute_command("MIGRATE", "127.0.0.1", t.port, "k", 0, 1000, "AUTH", "sekret"), b"OK")
    r.set("k2", "v")
    self.assertEqual(r.execute_command("MIGRATE", "127.0.0.1", t.port, "k2", 0, 1000, "AUTH2", "mover", "pw2"), b"OK")
    self.assertEqual(tr.mget("k", "k2"), ["v", "v"])

  def test_silent_target_times_out_and_unreachable_one_fails(self):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held = []
    stop = threading.Event()

    def accept():
      listener.settimeout(0.1)
      while not stop.is_set():
        try:
          held.append(listener.accept()[0])  # never answers
        except OSError:
          pass

    th = threading.Thread(target=accept)
    th.start()

    def done():
      stop.set()
      th.join()
      for s in held:
        s.close()
      listener.close()

    self.addCleanup(done)
    self.r.set("k", "v")
    with self.assertRaisesRegex(Exception, "^IOERR error or timeout reading to target instance$"):
      self.r.execute_command("MIGRATE", "127.0.0.1", listener.getsockname()[1], "k", 0, 200)
    self.assertEqual(self.r.get("k"), b"v")
    # A closed port: Redis's blocking connect succeeds and the write fails.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with self.assertRaisesRegex(Exception, "^IOERR error or timeout writing to target instance$"):
      self.r.execute_command("MIGRATE", "127.0.0.1", port, "k", 0, 500)
    self.assertEqual(self.r.get("k"), b"v")
    self.assertEqual(self.r.ping(), True)

  def test_connection_is_cached_and_released(self):
    t = self.target(REDIS)
    tr = t.redis()
    self.addCleanup(tr.close)
    stats = lambda: int(self.r.info("stats")["migrate_cached_sockets"])
    self.assertEqual(stats(), 0)
    connections = lambda: int(tr.info("stats")["total_connections_received"])
    before = connections()
    for i in range(3):
      self.r.set("k%d" % i, i)
      self.assertEqual(self.r.execute_command("MIGRATE", "127.0.0.1", t.port, "k%d" % i, 0, 1000), b"OK")
    self.assertEqual(stats(), 1)
    self.assertEqual(connections(), before + 1)  # one connection for the three
    # The cached connection went away on the target's side: one retry on a fresh one.
    tr.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    self.r.set("k9", 9)
    self.assertEqual(self.r.execute_command("MIGRATE", "127.0.0.1", t.port, "k9", 0, 1000), b"OK")
    self.assertEqual(tr.get("k9"), "9")
    if quick():
      return
    deadline = time.time() + 20
    while stats() and time.time() < deadline:  # closed after 10 s unused
      time.sleep(0.5)
    self.assertEqual(stats(), 0)

  def test_migration_persists_as_del(self):
    t = self.target(REDIS)
    self.r.mset({"gone": "1", "kept": "2"})
    self.assertEqual(self.r.execute_command("MIGRATE", "127.0.0.1", t.port, "gone", 0, 1000), b"OK")
    self.r.close()
    self.server.stop()
    self.server.start()
    self.r = self.server.redis(decode_responses=False)
    self.assertEqual(self.r.keys("*"), [b"kept"])


if __name__ == "__main__":
  import unittest
  unittest.main()
