"""RDB persistence against a real redis-server 7.0: a file written by either
server loads into the other with the same DEBUG DIGEST and the same values
(a SCAN walk DUMPs every key on one side and RESTOREs it on the other),
DUMP payloads cross both ways, the dataset survives a restart (SAVE, save
points + SIGTERM, SHUTDOWN SAVE/NOSAVE) and a corrupt file is refused at
start-up with nothing loaded.
"""

import os
import shutil
import socket
import time
import unittest

import redis

from harness import ServerProcess, ServerTestCase, quick

REDIS = "/usr/bin/redis-server"
DEBUG = ["--enable-debug-command", "yes"]


def fill(r, big_mb):
  """Every type in every encoding Redis 7.0 writes, TTLs, several databases."""
  r.set("str", "hello")
  r.set("int", 12345)
  r.set("neg", -9223372036854775808)
  r.set("empty", "")
  r.set("compressible", "abc" * 1000)
  r.set("big", os.urandom(big_mb << 20))
  r.set("ttl", "v", px=3600 * 1000)
  r.rpush("list", "a", 1, -5, 300000, 2 ** 40, "z" * 70)
  r.rpush("biglist", *[str(i) * (i % 7) for i in range(5000)])
  r.sadd("intset", 1, 2, -70000, 2 ** 33)
  r.sadd("set", "a", "b", 3)
  r.sadd("bigset", *range(1000))
  r.hset("hash", mapping={"f1": "v1", "f2": 2})
  r.hset("bighash", mapping={str(i): "v" * i for i in range(200)})
  r.zadd("zset", {"a": 1, "b": 2.5, "c": -3, "d": 1e20, "e": float("inf")})
  r.zadd("bigzset", {"m%d" % i: i * 0.25 for i in range(500)})
  r.expire("bigzset", 10000)
  for db in (1, 15):
    r.execute_command("SELECT", db)
    r.set("db%d" % db, db)
    r.rpush("l%d" % db, "x")
  r.execute_command("SELECT", 0)


def walk_dump(src, dst):
  """DUMPs every key of src (all databases) and RESTOREs it into dst under
  the same name in the same database."""
  for db in range(16):
    src.execute_command("SELECT", db)
    dst.execute_command("SELECT", db)
    for key in src.scan_iter(count=100):
      ttl = src.pttl(key)
      dst.restore(key, max(ttl, 0), src.dump(key), replace=True)
  src.execute_command("SELECT", 0)
  dst.execute_command("SELECT", 0)


class RdbInterchangeTest(ServerTestCase):

  SERVER_ARGS = DEBUG

  def other(self, binary, rdb_from=None):
    s = ServerProcess(DEBUG, binary=binary)
    self.addCleanup(s.cleanup)
    if rdb_from:
      shutil.copy(rdb_from, os.path.join(s.dir, "dump.rdb"))
    return s.start()

  def big_mb(self):
    return 2 if quick() else 50

  def test_vireo_file_loads_into_redis(self):
    r = self.server.redis(decode_responses=False)
    fill(r, self.big_mb())
    self.assertTrue(r.save())
    redis_srv = self.other(REDIS, os.path.join(self.server.dir, "dump.rdb"))
    rr = redis_srv.redis(decode_responses=False)
    self.assertEqual(rr.execute_command("DEBUG", "DIGEST"), r.execute_command("DEBUG", "DIGEST"))
    self.assertEqual(rr.dbsize(), r.dbsize())
    self.assertEqual(rr.object("encoding", "bigzset"), r.object("encoding", "bigzset"))

  def test_redis_file_loads_into_vireo(self):
    redis_srv = self.other(REDIS)
    rr = redis_srv.redis(decode_responses=False)
    fill(rr, self.big_mb())
    self.assertTrue(rr.save())
    vireo = self.other(self.server.binary, os.path.join(redis_srv.dir, "dump.rdb"))
    v = vireo.redis(decode_responses=False)
    self.assertEqual(v.execute_command("DEBUG", "DIGEST"), rr.execute_command("DEBUG", "DIGEST"))
    for key in (b"intset", b"set", b"hash", b"bighash", b"zset", b"bigzset", b"list", b"int"):
      self.assertEqual(v.object("encoding", key), rr.object("encoding", key), key)
    self.assertIn("keys loaded: 20", vireo.log())

  def test_dump_payloads_cross_both_ways(self):
    v = self.server.redis(decode_responses=False)
    fill(v, 1)
    redis_srv = self.other(REDIS)
    rr = redis_srv.redis(decode_responses=False)
    walk_dump(v, rr)
    self.assertEqual(rr.execute_command("DEBUG", "DIGEST"), v.execute_command("DEBUG", "DIGEST"))
    v.flushall()
    walk_dump(rr, v)
    self.assertEqual(rr.execute_command("DEBUG", "DIGEST"), v.execute_command("DEBUG", "DIGEST"))

  def test_debug_reload_and_serializedlength(self):
    r = self.server.redis(decode_responses=False)
    fill(r, 1)
    before = r.execute_command("DEBUG", "DIGEST")
    self.assertTrue(r.execute_command("DEBUG", "RELOAD"))
    self.assertEqual(r.execute_command("DEBUG", "DIGEST"), before)
    redis_srv = self.other(REDIS)
    rr = redis_srv.redis(decode_responses=False)
    fill(rr, 1)
    self.assertEqual(rr.execute_command("DEBUG", "DIGEST-VALUE", "str", "zset", "nokey"),
                     r.execute_command("DEBUG", "DIGEST-VALUE", "str", "zset", "nokey"))
    # Not biglist: Vireo's quicklist cuts nodes at other places than Redis's
    # (same elements, a few more listpack headers).
    for key in ("str", "int", "list", "intset", "hash", "zset", "bigzset", "compressible"):
      want = rr.execute_command("DEBUG", "OBJECT", key).split(b"serializedlength:")[1].split()[0]
      got = r.execute_command("DEBUG", "OBJECT", key).split(b"serializedlength:")[1].split()[0]
      self.assertEqual(got, want, key)

  def test_lru_and_lfu_opcodes_cross_both_ways(self):
    # Under an LRU policy the file carries each key's idle time, under an
    # LFU policy its counter: both servers load what the other wrote.
    r = self.server.redis(decode_responses=False)
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.set("hot", "v")
    r.set("cold", "v")
    for _ in range(300):
      r.get("hot")
    freq = r.object("freq", "hot")
    self.assertGreater(freq, r.object("freq", "cold"))
    self.assertTrue(r.save())
    redis_lfu = ServerProcess(DEBUG + ["--maxmemory-policy", "allkeys-lfu"], binary=REDIS)
    self.addCleanup(redis_lfu.cleanup)
    shutil.copy(os.path.join(self.server.dir, "dump.rdb"), os.path.join(redis_lfu.dir, "dump.rdb"))
    rr = redis_lfu.start().redis(decode_responses=False)
    self.assertEqual(rr.object("freq", "hot"), freq)
    self.assertEqual(rr.object("freq", "cold"), r.object("freq", "cold"))
    # LRU: a key idle for 2 s stays idle across a save and load, either way.
    r.config_set("maxmemory-policy", "allkeys-lru")
    rr.config_set("maxmemory-policy", "allkeys-lru")
    r.set("idle", "v")
    rr.set("idle", "v")
    time.sleep(2.2)
    self.assertTrue(r.execute_command("DEBUG", "RELOAD"))
    self.assertGreaterEqual(r.object("idletime", "idle"), 2)
    self.assertTrue(r.save())
    self.assertTrue(rr.save())
    for src, binary in ((self.server.dir, REDIS), (redis_lfu.dir, self.server.binary)):
      other = ServerProcess(DEBUG + ["--maxmemory-policy", "allkeys-lru"], binary=binary)
      self.addCleanup(other.cleanup)
      shutil.copy(os.path.join(src, "dump.rdb"), os.path.join(other.dir, "dump.rdb"))
      self.assertGreaterEqual(other.start().redis().object("idletime", "idle"), 2, binary)


class RestartTest(unittest.TestCase):

  def server(self, *args):
    s = ServerProcess(list(args))
    self.addCleanup(s.cleanup)
    return s

  def restart(self, s):
    s.stop()
    return s.start()

  def test_sigterm_saves_when_save_points_are_set(self):
    s = self.server("--save", "3600 1").start()
    r = s.redis()
    r.set("a", "1")
    r.rpush("l", "x", "y")
    self.assertEqual(r.info("persistence")["rdb_changes_since_last_save"], 2)
    self.restart(s)
    r = s.redis()
    self.assertEqual(r.get("a"), "1")
    self.assertEqual(r.lrange("l", 0, -1), ["x", "y"])
    self.assertEqual(r.info("persistence")["rdb_last_load_keys_loaded"], 2)

  def test_streams_survive_a_restart(self):
    s = self.server("--save", "3600 1").start()
    r = s.redis()
    r.xadd("events", {"f": "v"}, id="1-1")
    r.xgroup_create("events", "g", id="0")
    r.xreadgroup("g", "c", {"events": ">"})
    before = r.xinfo_stream("events", full=True)
    self.restart(s)
    r = s.redis()
    self.assertEqual(r.xinfo_stream("events", full=True), before)

  def test_clients_get_loading_errors_while_the_rdb_loads(self):
    # key-load-delay stretches the load (20,000 keys x 100 us) and the small
    # events interval lets clients in between keys, as Redis's own tests do.
    s = self.server(*DEBUG).start()
    r = s.redis()
    r.execute_command("DEBUG", "POPULATE", 20000)
    r.save()
    r.close()
    port = s.port
    s.stop()
    s.extra_args += ["--key-load-delay", "100", "--loading-process-events-interval-bytes", "1024"]
    s.launch(s.command_line(port))
    s.port = port
    replies, infos = [], []
    deadline = time.time() + 60
    while time.time() < deadline:
      try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
          f = c.makefile("rb")
          c.sendall(b"INFO persistence\r\nPING\r\n")
          info = f.read(int(f.readline()[1:]) + 2).decode()
          line = f.readline()
          replies.append(line)
          if line == b"+PONG\r\n":
            break
          infos.append(info)
      except OSError:
        time.sleep(0.01)
    self.assertEqual(replies[-1], b"+PONG\r\n")
    self.assertIn(b"-LOADING Redis is loading the dataset in memory\r\n", replies)
    loading = [i for i in infos if "loading:1" in i]
    self.assertTrue(loading, infos[:1])
    fields = dict(l.split(":", 1) for l in loading[-1].split("\r\n") if ":" in l)
    self.assertGreater(int(fields["loading_total_bytes"]), 0)
    self.assertGreater(int(fields["loading_loaded_bytes"]), 0)
    self.assertGreater(float(fields["loading_loaded_perc"]), 0)
    r = s.redis()
    self.assertEqual(r.dbsize(), 20000)
    self.assertEqual(r.info("persistence")["loading"], 0)
    self.assertEqual(r.config_get("key-load-delay"), {"key-load-delay": "100"})

  def test_no_save_points_means_no_file(self):
    s = self.server().start()
    s.redis().set("a", "1")
    self.restart(s)
    self.assertIsNone(s.redis().get("a"))
    self.assertFalse(os.path.exists(os.path.join(s.dir, "dump.rdb")))

  def test_shutdown_save_and_nosave(self):
    s = self.server().start()
    r = s.redis()
    r.set("a", "1")
    last = r.lastsave()
    try:
      r.execute_command("SHUTDOWN", "SAVE")
    except Exception:
      pass
    s.proc.wait(5)
    s.start()
    r = s.redis()
    self.assertEqual(r.get("a"), "1")
    self.assertGreaterEqual(r.lastsave(), last)
    r.set("a", "2")
    try:
      r.execute_command("SHUTDOWN", "NOSAVE")
    except Exception:
      pass
    s.proc.wait(5)
    s.start()
    self.assertEqual(s.redis().get("a"), "1")

  def test_save_point_fires_from_the_cron(self):
    s = self.server("--save", "1 2").start()
    r = s.redis()
    r.set("a", 1)
    r.set("b", 2)
    import time
    deadline = time.time() + 10
    while time.time() < deadline and r.info("persistence")["rdb_changes_since_last_save"]:
      time.sleep(0.1)
    info = r.info("persistence")
    self.assertEqual(info["rdb_changes_since_last_save"], 0)
    self.assertEqual(info["rdb_saves"], 1)
    self.assertTrue(os.path.exists(os.path.join(s.dir, "dump.rdb")))

  def test_corrupt_or_truncated_file_is_refused(self):
    s = self.server().start()
    r = s.redis()
    r.set("a", "x" * 100)
    r.rpush("l", *range(100))
    r.save()
    s.stop()
    path = os.path.join(s.dir, "dump.rdb")
    with open(path, "rb") as f:
      data = f.read()
    for bad in (data[:len(data) // 2], data[:-3], data[:40] + bytes([data[40] ^ 0x55]) + data[41:]):
      with open(path, "wb") as f:
        f.write(bad)
      proc = s.launch(s.command_line(s.port or 1))
      self.assertNotEqual(proc.wait(10), 0)
      s.kill()
      self.assertIn("Fatal error loading the DB", s.log())

  def test_save_into_a_missing_dir_fails_cleanly(self):
    s = self.server().start()
    r = s.redis()
    r.set("a", "1")
    moved = s.dir + ".moved"
    os.rename(s.dir, moved)
    try:
      with self.assertRaises(Exception) as ctx:
        r.save()
      self.assertEqual(type(ctx.exception).__name__, "ResponseError")  # a bare "-ERR", as Redis
      self.assertEqual(r.info("persistence")["rdb_last_bgsave_status"], "err")
      self.assertEqual(r.get("a"), "1")
    finally:
      os.rename(moved, s.dir)
    self.assertTrue(r.save())
    self.assertEqual(r.info("persistence")["rdb_last_bgsave_status"], "ok")
    self.assertEqual(sorted(f for f in os.listdir(s.dir) if f.endswith(".rdb")), ["dump.rdb"])


if __name__ == "__main__":
  unittest.main()
