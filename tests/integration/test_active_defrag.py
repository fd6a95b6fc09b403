"""Active defragmentation as a client sees it: a keyspace fragmented by
deleting most keys in a pattern is compacted once activedefrag is on
(allocator_frag_ratio falls, active_defrag_hits grows, DEBUG DIGEST and the
TTLs unchanged); nothing moves while a snapshot reads the keyspace; turning
it off stops a pass. Without jemalloc (sanitizer builds) the server refuses
activedefrag yes, as Redis does without its jemalloc, and that is what runs.
"""

import time

from harness import ServerTestCase, wait_until


class ActiveDefragTest(ServerTestCase):
  SERVER_ARGS = ("--enable-debug-command", "yes", "--loglevel", "verbose")

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()
    self.jemalloc = self.r.info("memory")["mem_allocator"].startswith("jemalloc")

  def tearDown(self):
    self.r.close()

  def fill_and_fragment(self, n=150000):
    """n keys with values across several size classes (embedded in the
    entry, and malloc'd strings of 45..300 bytes), every seventh with a TTL;
    then nine in ten deleted, leaving each allocator page mostly empty."""
    p = self.r.pipeline(transaction=False)
    for i in range(n):
      size = 8 + (i * 37) % 300
      p.set("k:%d" % i, ("%d:" % i).ljust(size, "x"))
      if i % 7 == 0:
        p.pexpire("k:%d" % i, 3600000 + i)
      if i % 2000 == 1999:
        p.execute()
    p.execute()
    for i in range(n):
      if i % 10:
        p.delete("k:%d" % i)
      if i % 2000 == 1999:
        p.execute()
    p.execute()
    return n // 10

  def stats(self):
    mem, st = self.r.info("memory"), self.r.info("stats")
    return {
        "frag": float(mem["allocator_frag_ratio"]),
        "frag_bytes": int(mem["allocator_frag_bytes"]),
        "rss": int(mem["used_memory_rss"]),
        "running": int(mem["active_defrag_running"]),
        "hits": int(st["active_defrag_hits"]),
        "misses": int(st["active_defrag_misses"]),
        "key_hits": int(st["active_defrag_key_hits"]),
        "key_misses": int(st["active_defrag_key_misses"]),
    }

  def enable(self):
    self.r.config_set("active-defrag-ignore-bytes", "1mb")
    self.r.config_set("active-defrag-threshold-lower", "5")
    self.r.config_set("activedefrag", "yes")

  def test_refused_without_jemalloc(self):
    if self.jemalloc:
      self.skipTest("jemalloc build: defragmentation is available")
    with self.assertRaises(Exception) as ctx:
      self.r.config_set("activedefrag", "yes")
    self.assertIn("Active defragmentation cannot be enabled", str(ctx.exception))
    self.assertEqual(self.r.config_get("activedefrag")["activedefrag"], "no")

  def test_defrag_compacts_and_keeps_every_value(self):
    if not self.jemalloc:
      self.skipTest("needs jemalloc's utilization query (refusal tested instead)")
    left = self.fill_and_fragment()
    digest = self.r.execute_command("DEBUG", "DIGEST")
    ttls = {i: self.r.pttl("k:%d" % i) for i in range(0, 150000, 70)}
    before = self.stats()
    self.assertGreater(before["frag"], 1.3, before)
    self.assertEqual(before["hits"], 0)
    self.enable()
    # A pass ends within a second or two; passes go on while the remaining
    # fragmentation is still above threshold-lower, as in Redis.
    wait_until(lambda: self.stats()["frag_bytes"] < before["frag_bytes"] / 2,
               timeout=30, what="fragmentation to fall")
    after = self.stats()
    print("\n  defrag: allocator_frag_ratio %.2f -> %.2f, frag_bytes %d -> %d, rss %.1f -> %.1f MB,"
          " hits %d misses %d key_hits %d key_misses %d"
          % (before["frag"], after["frag"], before["frag_bytes"], after["frag_bytes"],
             before["rss"] / 1e6, after["rss"] / 1e6, after["hits"], after["misses"],
             after["key_hits"], after["key_misses"]))
    self.assertLess(after["frag"], before["frag"])
    self.assertLess(after["frag_bytes"], before["frag_bytes"] / 2)
    self.assertGreater(after["key_hits"], 0)
    self.assertGreaterEqual(after["key_hits"] + after["key_misses"], left)
    # Same keys, values and TTLs: the digest covers key, value and expire time.
    self.assertEqual(self.r.execute_command("DEBUG", "DIGEST"), digest)
    self.assertEqual(self.r.dbsize(), left)
    for i, ttl in ttls.items():
      got = self.r.pttl("k:%d" % i)
      self.assertTrue(0 < got <= ttl if ttl > 0 else got == ttl, (i, got, ttl))
    # The moved entries are still found through the expiry index.
    self.assertEqual(self.r.get("k:70").split(":")[0], "70")
    self.assertTrue(self.r.set("k:70", "new"))
    self.assertEqual(self.r.get("k:70"), "new")
    self.assertIn("Starting active defrag", self.server.log())

  def test_nothing_moves_while_a_snapshot_runs(self):
    if not self.jemalloc:
      self.skipTest("needs jemalloc's utilization query")
    self.fill_and_fragment(60000)
    digest = self.r.execute_command("DEBUG", "DIGEST")
    # ~6000 keys at 1 ms each: the save lasts ~6 s.
    self.r.config_set("rdb-key-save-delay", "1000")
    self.r.bgsave()
    self.enable()
    time.sleep(2.5)
    self.assertEqual(int(self.r.info("persistence")["rdb_bgsave_in_progress"]), 1)
    self.assertEqual(self.stats()["hits"], 0)
    self.r.config_set("rdb-key-save-delay", "0")
    wait_until(lambda: int(self.r.info("persistence")["rdb_bgsave_in_progress"]) == 0, timeout=30,
               what="the save to finish")
    wait_until(lambda: self.stats()["hits"] > 0, timeout=30, what="defrag after the save")
    self.assertEqual(self.r.execute_command("DEBUG", "DIGEST"), digest)

  def test_config_and_off_switch(self):
    if not self.jemalloc:
      self.skipTest("needs jemalloc")
    self.assertEqual(self.r.config_get("activedefrag")["activedefrag"], "no")
    for name, value in (("active-defrag-cycle-min", "5"), ("active-defrag-cycle-max", "75"),
                        ("active-defrag-threshold-upper", "200"), ("active-defrag-max-scan-fields", "500")):
      self.r.config_set(name, value)
      self.assertEqual(self.r.config_get(name)[name], value)
    self.fill_and_fragment(60000)
    # Thresholds above the fragmentation: enabled but idle.
    self.r.config_set("active-defrag-threshold-lower", "1000")
    self.r.config_set("activedefrag", "yes")
    time.sleep(2.2)
    self.assertEqual(self.stats()["running"], 0)
    self.assertEqual(self.stats()["hits"], 0)
    # Off again: stays idle whatever the thresholds say.
    self.r.config_set("activedefrag", "no")
    self.r.config_set("active-defrag-threshold-lower", "0")
    self.r.config_set("active-defrag-ignore-bytes", "1")
    time.sleep(1.5)
    self.assertEqual(self.stats()["hits"], 0)
    self.r.config_set("activedefrag", "yes")
    wait_until(lambda: self.stats()["hits"] > 0, timeout=20, what="defrag to start")


if __name__ == "__main__":
  import unittest
  unittest.main()
