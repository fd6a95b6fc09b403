"""Background saves as a Redis user sees them: BGSAVE writes the dataset of
the moment it was asked even while clients keep changing it (the file loads
into vireo-server and into redis-server 7.0 with the digest taken at that
moment), the server keeps answering meanwhile, and the replies and INFO
fields follow Redis: BGSAVE twice, SAVE during BGSAVE, BGSAVE inside MULTI,
FLUSHALL and SHUTDOWN stopping a running save, a failing save turning on
stop-writes-on-bgsave-error (-MISCONF) until a save succeeds.
"""

import os
import random
import shutil
import time
import unittest

import redis

from harness import ServerProcess, is_vireo

REDIS = "/usr/bin/redis-server"
DEBUG = ["--enable-debug-command", "yes"]


def wait_bgsave(r, timeout=60):
  deadline = time.time() + timeout
  while time.time() < deadline:
    if r.info("persistence")["rdb_bgsave_in_progress"] == 0:
      return
    time.sleep(0.02)
  raise AssertionError("BGSAVE did not finish")


def fill(r, n):
  p = r.pipeline(transaction=False)
  for i in range(n):
    k = "k%d" % i
    kind = i % 6
    if kind == 0:
      p.set(k, "v%d" % i)
    elif kind == 1:
      p.rpush(k, *range(i % 20 + 1))
    elif kind == 2:
      p.hset(k, mapping={"f%d" % j: j for j in range(i % 10 + 1)})
    elif kind == 3:
      p.sadd(k, *["m%d" % j for j in range(i % 15 + 1)])
    elif kind == 4:
      p.zadd(k, {"z%d" % j: j * 1.5 for j in range(i % 12 + 1)})
    else:
      p.set(k, i, px=3600 * 1000 + i)
    if i % 1000 == 999:
      p.execute()
  p.execute()
  for db in (1, 5):
    r.execute_command("SELECT", db)
    for i in range(200):
      r.set("d%d" % i, db)
    r.execute_command("SELECT", 0)


def mutate(r, rng, n):
  """Writes of every kind, touching keys the save may or may not have reached."""
  p = r.pipeline(transaction=False)
  for _ in range(n):
    k = "k%d" % rng.randrange(20000)
    op = rng.randrange(10)
    if op == 0:
      p.set(k, "overwritten")
    elif op == 1:
      p.delete(k)
    elif op == 2:
      p.rpush(k + "l", "x")
      p.lpush("k%d" % (rng.randrange(3334) * 6 + 1), "pushed")
    elif op == 3:
      p.hset("k%d" % (rng.randrange(3333) * 6 + 2), "new", "field")
    elif op == 4:
      p.expire(k, 100000)
    elif op == 5:
      p.persist("k%d" % (rng.randrange(3333) * 6 + 5))
    elif op == 6:
      p.rename(k, "renamed%d" % rng.randrange(1 << 30))
    elif op == 7:
      p.set("brandnew%d" % rng.randrange(1 << 30), "x")
    elif op == 8:
      p.zincrby("k%d" % (rng.randrange(3333) * 6 + 4), 10, "z1")
    else:
      p.sadd("k%d" % (rng.randrange(3333) * 6 + 3), "added")
  try:
    p.execute(raise_on_error=False)
  except redis.ResponseError:
    pass


class BgsaveTest(unittest.TestCase):

  def server(self, *args, binary=None):
    s = ServerProcess(DEBUG + list(args), binary=binary)
    self.addCleanup(s.cleanup)
    return s.start()

  def load_digest(self, path, binary):
    s = ServerProcess(DEBUG, binary=binary)
    self.addCleanup(s.cleanup)
    shutil.copy(path, os.path.join(s.dir, "dump.rdb"))
    s.start(timeout=60)
    return s.redis().execute_command("DEBUG", "DIGEST")

  def test_image_is_the_dataset_when_bgsave_was_asked(self):
    s = self.server()
    r = s.redis()
    fill(r, 20000)
    want = r.execute_command("DEBUG", "DIGEST")
    # Slow the save down (Redis's own test knob) so the writes below land
    # while it runs, on keys it has and has not reached yet.
    r.config_set("rdb-key-save-delay", 20)
    self.assertEqual(r.bgsave(), True)
    rng = random.Random(7)
    rounds = 0
    pings = []
    while r.info("persistence")["rdb_bgsave_in_progress"]:
      mutate(r, rng, 200)
      t = time.monotonic()
      r.ping()
      pings.append(time.monotonic() - t)
      rounds += 1
    self.assertGreater(rounds, 3, "the save ended before the writes could race it")
    self.assertNotEqual(r.execute_command("DEBUG", "DIGEST"), want)
    info = r.info("persistence")
    self.assertEqual(info["rdb_last_bgsave_status"], "ok")
    self.assertEqual(info["rdb_saves"], 1)
    path = os.path.join(s.dir, "dump.rdb")
    self.assertEqual(self.load_digest(path, None), want)
    self.assertEqual(self.load_digest(path, REDIS), want)
    self.assertFalse([f for f in os.listdir(s.dir) if f.startswith("temp-")])
    print("bgsave under load: %d write rounds, slowest PING %.1f ms" % (rounds, max(pings) * 1000))

  def test_lazy_free_and_eviction_during_a_save(self):
    # Values freed in the background (UNLINK, lazy DEL and overwrites,
    # FLUSHDB ASYNC) and keys evicted by maxmemory leave the keyspace by
    # other paths than a plain DEL: the image must still hold them as they
    # were when BGSAVE was asked.
    s = self.server("--lazyfree-lazy-user-del", "yes", "--lazyfree-lazy-server-del", "yes",
                    "--maxmemory-policy", "allkeys-random")
    r = s.redis()
    p = r.pipeline(transaction=False)
    for i in range(400):
      # Big enough (> 64 elements, not listpacks) to be freed in the background.
      p.hset("h%d" % i, mapping={"f%d" % j: "v" * 40 for j in range(200)})
      p.sadd("s%d" % i, *["m%d" % j for j in range(300)])
      p.rpush("l%d" % i, *["e%d" % j for j in range(300)])
    p.execute()
    r.execute_command("SELECT", 3)
    for i in range(200):
      r.rpush("x%d" % i, *range(200))
    r.execute_command("SELECT", 0)
    want = r.execute_command("DEBUG", "DIGEST")
    r.config_set("rdb-key-save-delay", 1000)  # 1 ms a key: ~1.4 s
    r.bgsave()
    self.assertEqual(r.info("persistence")["rdb_bgsave_in_progress"], 1)
    p = r.pipeline(transaction=False)
    for i in range(0, 400, 3):
      p.unlink("h%d" % i)
      p.delete("s%d" % i)
      p.set("l%d" % i, "overwritten")
    p.execute_command("SELECT", 3)
    p.execute_command("FLUSHDB", "ASYNC")
    p.execute_command("SELECT", 0)
    p.execute()
    # Eviction: a limit under what is used makes the next write evict keys.
    used = r.info("memory")["used_memory"]
    r.config_set("maxmemory", used // 2)
    for i in range(50):
      try:
        r.set("new%d" % i, "x")
      except redis.ResponseError:
        pass
    self.assertGreater(r.info("stats")["evicted_keys"], 0)
    self.assertEqual(r.info("persistence")["rdb_bgsave_in_progress"], 1,
                     "the save ended before the deletions could race it")
    r.config_set("maxmemory", 0)
    wait_bgsave(r)
    self.assertEqual(r.info("persistence")["rdb_last_bgsave_status"], "ok")
    self.assertNotEqual(r.execute_command("DEBUG", "DIGEST"), want)
    path = os.path.join(s.dir, "dump.rdb")
    self.assertEqual(self.load_digest(path, None), want)
    self.assertEqual(self.load_digest(path, REDIS), want)

  def test_full_sync_as_a_replica_stops_a_running_save(self):
    # A replica's full sync replaces the dump file and the dataset: a save
    # still running would rename its stale image over the synced file
    # (Redis kills its child first; so do we).
    primary = self.server(binary=REDIS)
    pr = primary.redis()
    for i in range(100):
      pr.set("p%d" % i, i)
    s = self.server()
    r = s.redis()
    for i in range(500):
      r.set("old%d" % i, i)
    r.config_set("rdb-key-save-delay", 40000)  # 40 ms a key: ~20 s
    r.bgsave()
    self.assertEqual(r.info("persistence")["rdb_bgsave_in_progress"], 1)
    r.replicaof("127.0.0.1", primary.port)
    deadline = time.time() + 30
    while time.time() < deadline and r.info("replication").get("master_link_status") != "up":
      time.sleep(0.05)
    self.assertEqual(r.info("replication")["master_link_status"], "up")
    # Redis reaps its killed child from the cron: give it a moment, far
    # less than the save itself would take.
    wait_bgsave(r, timeout=5)
    self.assertEqual(r.dbsize(), 100)
    want = pr.execute_command("DEBUG", "DIGEST")
    self.assertEqual(r.execute_command("DEBUG", "DIGEST"), want)
    time.sleep(0.3)  # a save that were still running would rename now
    self.assertFalse([f for f in os.listdir(s.dir) if f.startswith("temp-")])
    self.assertEqual(self.load_digest(os.path.join(s.dir, "dump.rdb"), None), want)

  def test_replies_while_a_save_runs(self):
    s = self.server()
    r = s.redis()
    for i in range(300):
      r.set("k%d" % i, i)
    r.config_set("rdb-key-save-delay", 10000)  # 10 ms a key: ~3 s
    r.set_response_callback("BGSAVE", lambda x, **kw: x)  # the status text itself
    self.assertEqual(r.execute_command("BGSAVE"), "Background saving started")
    info = r.info("persistence")
    self.assertEqual(info["rdb_bgsave_in_progress"], 1)
    self.assertEqual(info["current_save_keys_total"], 300)
    self.assertGreaterEqual(info["rdb_current_bgsave_time_sec"], 0)
    for cmd in (["BGSAVE"], ["BGSAVE", "SCHEDULE"], ["SAVE"]):
      with self.assertRaises(redis.ResponseError) as ctx:
        r.execute_command(*cmd)
      self.assertEqual(str(ctx.exception), "Background save already in progress")
    with self.assertRaises(redis.ResponseError) as ctx:
      r.execute_command("BGSAVE", "NOW")
    self.assertEqual(str(ctx.exception), "syntax error")
    self.assertEqual(r.get("k1"), "1")  # the server answers meanwhile
    # FLUSHALL stops the save (not an error) and leaves no temp file.
    r.flushall()
    wait_bgsave(r)
    info = r.info("persistence")
    self.assertEqual(info["rdb_bgsave_in_progress"], 0)
    self.assertEqual(info["rdb_last_bgsave_status"], "ok")
    self.assertFalse([f for f in os.listdir(s.dir) if f.startswith("temp-")])
    self.assertFalse(os.path.exists(os.path.join(s.dir, "dump.rdb")))

  def test_bgsave_inside_multi_is_scheduled(self):
    s = self.server()
    r = s.redis()
    r.set("a", 1)
    r.set_response_callback("BGSAVE", lambda x, **kw: x)
    p = r.pipeline(transaction=True)
    p.execute_command("BGSAVE")
    self.assertEqual(p.execute(), ["Background saving scheduled"])
    deadline = time.time() + 10
    while r.info("persistence")["rdb_saves"] < 1 and time.time() < deadline:
      time.sleep(0.05)
    self.assertEqual(r.info("persistence")["rdb_saves"], 1)
    wait_bgsave(r)
    self.assertTrue(os.path.exists(os.path.join(s.dir, "dump.rdb")))

  def test_flushall_with_save_points_saves_the_empty_dataset(self):
    # Otherwise a restart after FLUSHALL would bring the old keys back.
    s = self.server("--save", "3600 1")
    r = s.redis()
    r.set("a", 1)
    r.save()
    r.flushall()
    s.kill()
    s.start()
    self.assertEqual(s.redis().dbsize(), 0)

  def test_shutdown_during_bgsave_saves_in_the_foreground(self):
    s = self.server("--save", "3600 1")
    r = s.redis()
    for i in range(200):
      r.set("k%d" % i, i)
    r.config_set("rdb-key-save-delay", 10000)
    r.bgsave()
    r.set("late", "yes")
    try:
      r.shutdown()
    except redis.ConnectionError:
      pass
    s.proc.wait(20)
    self.assertFalse([f for f in os.listdir(s.dir) if f.startswith("temp-")])
    s.start()
    r = s.redis()
    self.assertEqual(r.dbsize(), 201)
    self.assertEqual(r.get("late"), "yes")

  def test_failed_save_stops_writes_until_a_save_succeeds(self):
    s = self.server("--save", "3600 1000")
    r = s.redis()
    r.set("a", 1)
    # A directory where the file should go: the final rename fails, for
    # redis-server's forked child as for vireo-server's thread.
    blocker = os.path.join(s.dir, "dump.rdb")
    os.makedirs(os.path.join(blocker, "x"))
    self.assertEqual(r.info("persistence")["rdb_saves"], 0)
    r.bgsave()
    wait_bgsave(r)
    info = r.info("persistence")
    self.assertEqual(info["rdb_last_bgsave_status"], "err")
    self.assertEqual(info["rdb_saves"], 1)
    for cmd in (["SET", "b", "2"], ["PING"]):
      with self.assertRaises(redis.ResponseError) as ctx:
        r.execute_command(*cmd)
      self.assertTrue(str(ctx.exception).startswith("MISCONF Redis is configured to save RDB snapshots"))
    self.assertEqual(r.get("a"), "1")  # reads still served
    r.config_set("stop-writes-on-bgsave-error", "no")
    self.assertEqual(r.set("b", 2), True)
    r.config_set("stop-writes-on-bgsave-error", "yes")
    with self.assertRaises(redis.ResponseError):
      r.set("c", 3)
    self.assertFalse([f for f in os.listdir(s.dir) if f.startswith("temp-")])
    shutil.rmtree(blocker)
    r.bgsave()
    wait_bgsave(r)
    self.assertEqual(r.info("persistence")["rdb_last_bgsave_status"], "ok")
    self.assertEqual(r.set("c", 3), True)


if __name__ == "__main__":
  unittest.main()
