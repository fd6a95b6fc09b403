"""maxmemory and eviction as clients see them: each policy's choice of keys
(volatile-* never touch keys without a TTL, volatile-ttl goes by deadline,
LRU keeps recently read keys, LFU frequently read ones), -OOM under
noeviction and inside MULTI, the `evicted` keyspace event, WATCH, INFO's
fields, a limit set below usage, and the quality of the LRU/LFU
approximation measured against a real redis-server in the same test.

Limits are set relative to the server's own used_memory (Vireo and Redis
account memory differently), so the same tests pass against redis-server 7.0.
"""

import os
import time
import unittest

from harness import ServerProcess, ServerTestCase, is_vireo, quick

REDIS_SERVER = "/usr/bin/redis-server"
VALUE = "x" * 200


def info_int(r, field, section="all"):
  return int(r.info(section)[field])


def fill(r, prefix, n, ttl=None, value=VALUE):
  pipe = r.pipeline(transaction=False)
  for i in range(n):
    if ttl is None:
      pipe.set("%s%d" % (prefix, i), value)
    else:
      pipe.set("%s%d" % (prefix, i), value, ex=ttl(i) if callable(ttl) else ttl)
    if i % 500 == 499:
      pipe.execute()
  pipe.execute()


def present(r, prefix, n):
  pipe = r.pipeline(transaction=False)
  for i in range(n):
    pipe.exists("%s%d" % (prefix, i))
  return [i for i, e in enumerate(pipe.execute()) if e]


def limit_above_usage(r, extra):
  """Sets maxmemory to the current usage plus `extra` bytes; returns it."""
  limit = info_int(r, "used_memory", "memory") + extra
  r.config_set("maxmemory", str(limit))
  return limit


class PolicyTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def tearDown(self):
    self.r.close()

  def settle(self, limit):
    """Evictions that ran out of time budget finish before the loop sleeps.
    Memory moves a little after the last eviction (replies, client buffers):
    a 32 KiB margin."""
    for _ in range(50):
      self.r.ping()
      if info_int(self.r, "used_memory", "memory") <= limit + 32 * 1024:
        return
      time.sleep(0.02)
    self.fail("used_memory stays over maxmemory %d: %d" %
              (limit, info_int(self.r, "used_memory", "memory")))

  def test_noeviction_refuses_writes_not_reads(self):
    self.r.set("keep", "v")
    self.r.config_set("maxmemory", "1")
    with self.assertRaisesRegex(Exception, "^OOM command not allowed when used memory > 'maxmemory'.$"):
      self.r.set("k", "v")
    self.assertEqual(self.r.get("keep"), "v")
    self.assertEqual(self.r.delete("keep"), 1)  # DEL is not deny-oom
    self.assertEqual(info_int(self.r, "evicted_keys", "stats"), 0)
    self.assertIn("count=1", str(self.r.info("errorstats")["errorstat_OOM"]))
    self.r.config_set("maxmemory", "0")
    self.assertTrue(self.r.set("k", "v"))

  def test_oom_inside_multi_aborts_exec(self):
    self.r.set("a", "1")
    self.r.config_set("maxmemory", "1")
    sock = self.server.connect()
    f = sock.makefile("rb")
    sock.sendall(b"MULTI\r\nGET a\r\nEXEC\r\n")
    self.assertEqual(f.readline(), b"+OK\r\n")
    # Queueing takes memory: even a read is refused inside MULTI.
    self.assertEqual(f.readline(), b"-OOM command not allowed when used memory > 'maxmemory'.\r\n")
    self.assertEqual(f.readline(), b"-EXECABORT Transaction discarded because of previous errors.\r\n")
    sock.close()
    self.r.config_set("maxmemory", "0")

  def test_allkeys_random_stays_under_limit(self):
    self.r.config_set("maxmemory-policy", "allkeys-random")
    fill(self.r, "base:", 100)
    limit = limit_above_usage(self.r, 300 * 1024)
    fill(self.r, "k:", 5000)
    self.settle(limit)
    evicted = info_int(self.r, "evicted_keys", "stats")
    self.assertGreater(evicted, 1000)
    self.assertEqual(self.r.dbsize() + evicted, 5100)

  def test_volatile_policies_never_evict_keys_without_ttl(self):
    for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
      self.r.flushall()
      self.r.config_set("maxmemory", "0")
      self.r.config_set("maxmemory-policy", policy)
      fill(self.r, "persist:", 1000)
      limit = limit_above_usage(self.r, 200 * 1024)
      fill(self.r, "vol:", 3000, ttl=10000)
      self.settle(limit)
      self.assertEqual(len(present(self.r, "persist:", 1000)), 1000, policy)
      self.assertLess(len(present(self.r, "vol:", 3000)), 3000, policy)
      # Only keys without a TTL left, over the limit: OOM.
      self.r.delete(*["vol:%d" % i for i in range(3000)])
      self.r.config_set("maxmemory", str(info_int(self.r, "used_memory", "memory") - 50 * 1024))
      with self.assertRaisesRegex(Exception, "OOM"):
        self.r.set("persist:new", VALUE)
      self.assertEqual(len(present(self.r, "persist:", 1000)), 1000, policy)

  def test_volatile_ttl_evicts_nearest_deadlines_first(self):
    self.r.config_set("maxmemory-policy", "volatile-ttl")
    self.r.config_set("maxmemory-samples", "64")
    # Deadlines in a shuffled order of creation: key i expires in 1000+i seconds.
    order = list(range(2000))
    import random
    random.Random(7).shuffle(order)
    pipe = self.r.pipeline(transaction=False)
    for i in order:
      pipe.set("t:%d" % i, VALUE, ex=1000 + i)
    pipe.execute()
    limit = limit_above_usage(self.r, -150 * 1024)
    self.r.set("trigger", "1")
    self.settle(limit)
    alive = present(self.r, "t:", 2000)
    gone = sorted(set(range(2000)) - set(alive))
    self.assertGreater(len(gone), 100)
    # With 64 samples per round into a 16-key pool the choice is nearly
    # exact: the evicted keys are (almost all) the earliest deadlines.
    earliest = set(range(len(gone)))
    self.assertGreater(len(earliest & set(gone)) / len(gone), 0.9)

  def test_allkeys_lru_keeps_recently_read_keys(self):
    self.r.config_set("maxmemory-policy", "allkeys-lru")
    self.r.config_set("maxmemory-samples", "10")
    fill(self.r, "k:", 2000)
    time.sleep(2.1)  # the LRU clock counts seconds
    pipe = self.r.pipeline(transaction=False)
    for i in range(0, 2000, 2):  # even keys are hot
      pipe.get("k:%d" % i)
    pipe.execute()
    limit = limit_above_usage(self.r, -100 * 1024)
    self.r.set("trigger", "1")
    self.settle(limit)
    alive = set(present(self.r, "k:", 2000))
    hot = len([i for i in alive if i % 2 == 0])
    cold = len(alive) - hot
    self.assertLess(len(alive), 2000)
    self.assertEqual(hot, 1000, "LRU evicted recently read keys while idle ones remained")
    self.assertLess(cold, 1000)

  def test_allkeys_lfu_keeps_frequently_read_keys(self):
    self.r.config_set("maxmemory-policy", "allkeys-lfu")
    self.r.config_set("maxmemory-samples", "10")
    fill(self.r, "k:", 2000)
    pipe = self.r.pipeline(transaction=False)
    for _ in range(20):
      for i in range(0, 2000, 2):
        pipe.get("k:%d" % i)
      pipe.execute()
    self.assertGreater(self.r.object("freq", "k:0"), self.r.object("freq", "k:1"))
    limit = limit_above_usage(self.r, -100 * 1024)
    self.r.set("trigger", "1")
    self.settle(limit)
    alive = set(present(self.r, "k:", 2000))
    hot = len([i for i in alive if i % 2 == 0])
    self.assertLess(len(alive), 2000)
    self.assertGreater(hot, 990, "LFU evicted frequently read keys")

  def test_evicted_event_watch_and_info(self):
    self.r.config_set("notify-keyspace-events", "Ee")
    self.r.config_set("maxmemory-policy", "allkeys-lru")
    p = self.r.pubsub()
    p.subscribe("__keyevent@0__:evicted")
    self.assertEqual(p.get_message(timeout=5)["type"], "subscribe")
    before = info_int(self.r, "used_memory", "memory")
    fill(self.r, "k:", 2000)
    half = (info_int(self.r, "used_memory", "memory") - before) // 2
    watcher = self.server.redis()
    watcher.execute_command("WATCH", "k:0")
    pipe = watcher.pipeline(transaction=True)
    limit = limit_above_usage(self.r, -half)
    self.r.set("trigger", "1")
    pipe.set("k:0", "x")
    self.settle(limit)  # a slow (sanitizer) build evicts in several time slices
    evicted = info_int(self.r, "evicted_keys", "stats")
    self.assertGreater(evicted, 500)
    if not self.r.exists("k:0"):  # evicted: WATCH saw it change
      import redis as redis_py
      with self.assertRaises(redis_py.WatchError):
        pipe.execute()
    keys = set()
    deadline = time.time() + 10
    while len(keys) < evicted and time.time() < deadline:
      m = p.get_message(timeout=1)
      if m and m["type"] == "message":
        keys.add(m["data"])
    self.assertEqual(len(keys), evicted)
    mem = self.r.info("memory")
    self.assertEqual(mem["maxmemory_policy"], "allkeys-lru")
    self.assertIn("mem_not_counted_for_evict", mem)
    self.assertIn("maxmemory_human", mem)
    p.close()
    watcher.close()

  def test_maxmemory_below_usage_evicts_without_a_command(self):
    self.r.config_set("maxmemory-policy", "allkeys-random")
    fill(self.r, "k:", 3000)
    limit = limit_above_usage(self.r, -300 * 1024)
    # CONFIG SET itself starts the eviction; no write is needed.
    # Within the reading command's own buffers (Redis's test allows 4 KiB).
    deadline = time.time() + 5
    while time.time() < deadline and info_int(self.r, "used_memory", "memory") > limit + 4096:
      time.sleep(0.05)
    self.assertLessEqual(info_int(self.r, "used_memory", "memory"), limit + 4096)
    self.assertGreater(info_int(self.r, "evicted_keys", "stats"), 0)

  def test_one_byte_limit_every_policy(self):
    for policy in ("allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-ttl",
                   "noeviction"):
      self.r.config_set("maxmemory", "0")
      self.r.config_set("maxmemory-policy", policy)
      fill(self.r, "k:", 100, ttl=1000)
      self.r.config_set("maxmemory", "1")
      if policy != "noeviction":
        # As in Redis, an eviction pass that runs out of its time slice
        # (maxmemory-eviction-tenacity) lets the command through and goes on
        # from a timer: on a slow (sanitizer) build under load the 100 keys
        # may take more than one slice. Once they are gone, writes are refused.
        deadline = time.monotonic() + 10
        while self.r.dbsize() and time.monotonic() < deadline:
          time.sleep(0.01)
        self.assertEqual(self.r.dbsize(), 0, policy)
      with self.assertRaisesRegex(Exception, "OOM"):
        self.r.set("x", "y")
      self.assertEqual(self.r.ping(), True)
      self.r.config_set("maxmemory", "0")
      self.r.flushall()

  def test_object_freq_and_idletime_follow_the_policy(self):
    self.r.set("k", "v")
    with self.assertRaisesRegex(Exception, "An LFU maxmemory policy is not selected"):
      self.r.object("freq", "k")
    self.r.config_set("maxmemory-policy", "allkeys-lfu")
    self.r.set("fresh", "v")
    self.assertEqual(self.r.object("freq", "fresh"), 5)  # LFU_INIT_VAL
    with self.assertRaisesRegex(Exception, "An LFU maxmemory policy is selected"):
      self.r.object("idletime", "fresh")
    self.r.config_set("lfu-log-factor", "0")  # every access counts
    for _ in range(10):
      self.r.get("fresh")
    self.assertEqual(self.r.object("freq", "fresh"), 15)


def hot_share(binary, policy, keys, rounds):
  """Fills a server to its limit, reads the first half of the keys (the hot
  set), writes new keys past the limit and returns the share of hot keys
  still present (Redis's LRU/LFU approximation test, simplified)."""
  server = ServerProcess(binary=binary)
  try:
    server.start()
    r = server.redis()
    r.config_set("maxmemory-policy", policy)
    fill(r, "k:", keys)
    if policy.endswith("lru"):
      time.sleep(1.1)
    hot = keys // 2
    for _ in range(rounds):
      pipe = r.pipeline(transaction=False)
      for i in range(hot):
        pipe.get("k:%d" % i)
      pipe.execute()
    if policy.endswith("lru"):
      time.sleep(1.1)
    limit_above_usage(r, 0)
    fill(r, "new:", keys // 4)
    share = len(present(r, "k:", hot)) / hot
    r.close()
    return share
  finally:
    server.cleanup()


@unittest.skipUnless(os.path.exists(REDIS_SERVER), "needs redis-server")
class ApproximationTest(unittest.TestCase):
  """The share of hot keys kept must be at least Redis's, within noise."""

  def compare(self, policy, rounds):
    keys = 4000 if quick() else 10000
    ours = hot_share(None, policy, keys, rounds)
    theirs = hot_share(REDIS_SERVER, policy, keys, rounds)
    print("\n%s: hot keys kept: vireo %.3f, redis %.3f" % (policy, ours, theirs))
    if is_vireo():
      # Vireo keeps 0.999-1.000 of the hot keys under allkeys-lru (Redis
      # 1.000) since eviction samples each bucket chain from a random entry.
      self.assertGreaterEqual(ours, theirs - 0.02)

  def test_lru(self):
    self.compare("allkeys-lru", 1)

  def test_lfu(self):
    self.compare("allkeys-lfu", 5)


if __name__ == "__main__":
  unittest.main()
