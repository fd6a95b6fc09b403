"""Key expiry as clients see it: lazy (an expired key reads as missing),
active (expired keys are reclaimed without being touched) and the
precision of TTL/PTTL.

Timings have generous margins: these tests check behaviour, not speed, and
the machine is shared.
"""

import time
import unittest

from harness import ServerTestCase, quick


class LazyExpiryTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_px_50_is_gone_after_100ms(self):
    self.r.set("k", "v", px=50)
    self.assertEqual(self.r.get("k"), "v")
    time.sleep(0.1)
    self.assertIsNone(self.r.get("k"))
    self.assertEqual(self.r.exists("k"), 0)
    self.assertEqual(self.r.ttl("k"), -2)
    self.assertEqual(self.r.pttl("k"), -2)

  def test_every_read_path_sees_expiry(self):
    self.r.mset({"a": "1", "b": "2"})
    self.r.pexpire("a", 50)
    time.sleep(0.1)
    self.assertEqual(self.r.mget("a", "b"), [None, "2"])
    self.assertEqual(self.r.strlen("a"), 0)
    self.assertEqual(self.r.type("a"), "none")
    self.assertEqual(self.r.keys("*"), ["b"])
    self.assertEqual(self.r.incr("a"), 1)  # a fresh key, without a TTL
    self.assertEqual(self.r.ttl("a"), -1)

  def test_expired_key_counts_in_stats(self):
    before = self.r.info("stats")["expired_keys"]
    for i in range(5):
      self.r.set("k%d" % i, "v", px=20)
    time.sleep(0.1)
    for i in range(5):
      self.assertIsNone(self.r.get("k%d" % i))
    self.assertEqual(self.r.info("stats")["expired_keys"] - before, 5)

  def test_set_without_ttl_clears_it(self):
    self.r.set("k", "v", px=100)
    self.r.set("k", "w")
    time.sleep(0.2)
    self.assertEqual(self.r.get("k"), "w")

  def test_persist_saves_the_key(self):
    self.r.set("k", "v", px=100)
    self.assertTrue(self.r.persist("k"))
    time.sleep(0.2)
    self.assertEqual(self.r.get("k"), "v")

  def test_expire_in_other_database(self):
    db3 = self.server.redis(db=3)
    db3.set("k", "v", px=50)
    self.r.set("k", "zero")
    time.sleep(0.1)
    self.assertIsNone(db3.get("k"))
    self.assertEqual(self.r.get("k"), "zero")


class ActiveExpiryTest(ServerTestCase):

  def test_untouched_keys_are_reclaimed(self):
    n = 10000
    r = self.server.redis()
    r.set("persistent", "stays")
    before = r.info("stats")["expired_keys"]
    pipe = r.pipeline(transaction=False)
    # 1 s TTLs: long enough for a sanitizer build to load them all first.
    for i in range(n):
      pipe.set("key:%d" % i, "v", px=1000)
    pipe.execute()
    self.assertEqual(r.info("keyspace")["db0"]["expires"], n)
    # Nothing reads the keys; only the server's own cycle can remove them.
    time.sleep(2.0)
    deadline = time.monotonic() + 3.0
    while r.dbsize() > 1 and time.monotonic() < deadline:
      time.sleep(0.1)
    self.assertEqual(r.dbsize(), 1)
    self.assertEqual(r.info("stats")["expired_keys"] - before, n)
    keyspace = r.info("keyspace")["db0"]
    self.assertEqual(keyspace["keys"], 1)
    self.assertEqual(keyspace["expires"], 0)
    self.assertEqual(r.get("persistent"), "stays")

  def test_mixed_ttls_expire_in_order(self):
    r = self.server.redis()
    pipe = r.pipeline(transaction=False)
    for i in range(1000):
      pipe.set("short:%d" % i, "v", px=100)
      pipe.set("long:%d" % i, "v", ex=100)
    pipe.execute()
    time.sleep(1.5)
    deadline = time.monotonic() + 1.5
    while r.dbsize() > 1000 and time.monotonic() < deadline:
      time.sleep(0.1)
    self.assertEqual(r.dbsize(), 1000)
    self.assertEqual(len(list(r.scan_iter(match="short:*", count=500))), 0)


class TtlPrecisionTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_ttl_rounds_to_nearest_second(self):
    # TTL reports the remaining time rounded to the nearest second: 10.4 s
    # left is 10, 11 s is 11 (while under half a second has passed).
    self.r.set("a", "v", px=10400)
    self.r.set("b", "v", px=11000)
    self.assertEqual(self.r.ttl("a"), 10)
    self.assertEqual(self.r.ttl("b"), 11)
    self.r.set("c", "v", ex=100)
    self.assertEqual(self.r.ttl("c"), 100)

  def test_pttl_is_millisecond_exact(self):
    self.r.set("k", "v", px=5000)
    start = time.monotonic()
    first = self.r.pttl("k")
    self.assertTrue(4900 <= first <= 5000, first)
    time.sleep(0.3)
    second = self.r.pttl("k")
    elapsed_ms = (time.monotonic() - start) * 1000
    self.assertLessEqual(second, 5000 - 300 + 5)
    self.assertGreaterEqual(second, 5000 - elapsed_ms - 50)

  def test_pexpireat_and_pexpiretime_agree(self):
    second = int(time.time()) + 60
    self.r.set("k", "v")
    # EXPIRETIME rounds the deadline to the nearest second, as TTL does.
    for offset_ms, expected in ((123, second), (499, second),
                                (500, second + 1)):
      at_ms = second * 1000 + offset_ms
      self.assertTrue(self.r.pexpireat("k", at_ms))
      self.assertEqual(self.r.execute_command("PEXPIRETIME", "k"), at_ms)
      self.assertEqual(self.r.expiretime("k"), expected)

  def test_key_lives_until_its_deadline(self):
    self.r.set("k", "v", px=400)
    time.sleep(0.2)
    self.assertEqual(self.r.get("k"), "v")
    time.sleep(0.35)
    self.assertIsNone(self.r.get("k"))


if __name__ == "__main__":
  unittest.main()


class ActiveExpireEffortTest(unittest.TestCase):
  """active-expire-effort changes how hard the cycle works, with Redis's
  meaning: at effort 1 a database's sampling (20 keys a round) stops once at
  most 10% of a round's sample was expired, at effort 10 (65 keys a round)
  only at 1% or less. With 8% of the volatile keys expired, effort 1
  reclaims them a few dozen a second, effort 10 all of them within a second. Run on the server under test and on
  redis-server, so the expectation is Redis's own."""

  def reclaimed(self, binary, effort, wait_s, stop_at):
    """Expired keys reclaimed within wait_s seconds (polled; stops early at stop_at)."""
    from harness import ServerProcess
    server = ServerProcess(binary=binary, args=("--active-expire-effort", str(effort)))
    self.addCleanup(server.cleanup)
    server.start()
    r = server.redis()
    pipe = r.pipeline(transaction=False)
    for i in range(46000):
      pipe.set("long:%d" % i, "v", ex=3600)
    for i in range(4000):
      pipe.set("short:%d" % i, "v", px=300)
    pipe.execute()
    deadline = time.monotonic() + wait_s
    while True:
      time.sleep(0.1)
      reclaimed = r.info("stats")["expired_keys"]
      if reclaimed >= stop_at or time.monotonic() >= deadline:
        break
    server.stop()
    return reclaimed

  def check(self, binary):
    low = self.reclaimed(binary, 1, 3.0, 4000)
    high = self.reclaimed(binary, 10, 8.0, 4000)
    self.assertLess(low, 1000, "effort 1 reclaimed %d of 4000 in 3 s" % low)
    self.assertEqual(high, 4000, "effort 10 reclaimed %d of 4000 in 8 s" % high)

  def test_effort_on_server_under_test(self):
    self.check(None)

  def test_effort_on_redis(self):
    self.check("/usr/bin/redis-server")
