"""maxmemory-fragmentation-share, Vireo's own setting, as a client sees it:
0 (the default) is Redis's eviction, by used_memory alone; N > 0 counts the
allocator's fragmentation against maxmemory, up to N% of it, shown as INFO
mem_fragmentation_counted_for_evict (only while it is set, so INFO at the
defaults is Redis's). The fragmentation here is deterministic:
jemalloc gives every allocation above 14 KiB a page of padding, so 15000-byte
values each hold about 4 KiB the live bytes do not count. Without jemalloc
(sanitizer builds) there is no such figure and nothing is counted.
"""

import time

from harness import ServerTestCase, is_vireo, wait_until

BIG = "v" * 15000
KEYS = 3000


class FragmentationShareTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    if not is_vireo():
      self.skipTest("a Vireo setting")
    self.r = self.server.redis()
    self.jemalloc = self.r.info("memory")["mem_allocator"].startswith("jemalloc")

  def tearDown(self):
    self.r.config_set("maxmemory", "0")
    self.r.config_set("maxmemory-fragmentation-share", "0")
    self.r.flushall()
    self.r.close()

  def fill_big(self):
    p = self.r.pipeline(transaction=False)
    for i in range(KEYS):
      p.set("big:%d" % i, BIG)
    p.execute()

  def limit_above_usage(self, extra):
    limit = int(self.r.info("memory")["used_memory"]) + extra
    self.r.config_set("maxmemory-policy", "allkeys-lru")
    self.r.config_set("maxmemory", str(limit))
    return limit

  def counted(self):
    return int(self.r.info("memory").get("mem_fragmentation_counted_for_evict", 0))

  def test_setting_bounds(self):
    self.assertEqual(self.r.config_get("maxmemory-fragmentation-share"), {"maxmemory-fragmentation-share": "0"})
    self.r.config_set("maxmemory-fragmentation-share", "100")
    self.r.config_set("maxmemory-fragmentation-share", "15")
    self.assertEqual(self.r.config_get("maxmemory-fragmentation-share"), {"maxmemory-fragmentation-share": "15"})
    for bad in ("101", "-1", "x"):
      with self.assertRaises(Exception):
        self.r.config_set("maxmemory-fragmentation-share", bad)
    self.assertEqual(self.r.config_get("maxmemory-fragmentation-share"), {"maxmemory-fragmentation-share": "15"})

  def test_zero_share_evicts_by_used_memory_alone(self):
    self.fill_big()
    self.limit_above_usage(2 << 20)
    time.sleep(0.2)  # a few cron ticks
    for i in range(20):
      self.r.set("small:%d" % i, "x")
    self.assertNotIn("mem_fragmentation_counted_for_evict", self.r.info("memory"))
    self.assertEqual(self.r.dbsize(), KEYS + 20)
    self.assertEqual(int(self.r.info("stats")["evicted_keys"]), 0)

  def test_share_counts_fragmentation_up_to_its_cap(self):
    self.fill_big()
    limit = self.limit_above_usage(2 << 20)
    self.r.config_set("maxmemory-fragmentation-share", "10")
    cap = limit // 100 * 10
    time.sleep(0.2)
    if not self.jemalloc:
      self.r.set("small:0", "x")
      self.assertEqual(self.counted(), 0)
      self.assertEqual(int(self.r.info("stats")["evicted_keys"]), 0)
      return
    # ~12 MB of padding against a cap of ~4.8 MB: the cap is what counts.
    wait_until(lambda: self.counted() == cap, timeout=5)
    self.r.set("small:0", "x")
    evicted = int(self.r.info("stats")["evicted_keys"])
    self.assertGreater(evicted, 0)
    used = int(self.r.info("memory")["used_memory"])
    # Under the limit with the counted bytes, and the dataset gave way by no
    # more than the cap (plus one value of slack).
    self.assertLessEqual(used + self.counted(), limit)
    self.assertGreater(used, limit - cap - 2 * 20480)
    # Back to 0: nothing is counted, the room is the dataset's again.
    self.r.config_set("maxmemory-fragmentation-share", "0")
    self.assertNotIn("mem_fragmentation_counted_for_evict", self.r.info("memory"))
    p = self.r.pipeline(transaction=False)
    for i in range(100):
      p.set("again:%d" % i, "y" * 1000)
    p.execute()
    self.assertEqual(int(self.r.info("stats")["evicted_keys"]), evicted)

  def test_no_maxmemory_counts_nothing(self):
    self.fill_big()
    self.r.config_set("maxmemory-fragmentation-share", "50")
    time.sleep(0.2)
    self.r.set("small:0", "x")
    self.assertEqual(self.counted(), 0)
    self.assertEqual(self.r.dbsize(), KEYS + 1)
