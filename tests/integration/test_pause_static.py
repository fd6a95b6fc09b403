"""While clients are paused (CLIENT PAUSE WRITE or ALL, and FAILOVER's write
pause) Redis 7.0 keeps the dataset static: a lazily found expired key reads
as missing but is not deleted, the active expiry cycle and eviction do not
run, so no DEL reaches the replicas until the pause ends. Each test body
runs on the binary under test and on redis-server 7.0.15 (the
specification), with a replica of the same kind where one is needed.
"""

import os
import signal
import threading
import time
import unittest

import redis

from harness import ServerProcess, is_vireo, server_binary, wait_until
from test_replication import REDIS_SERVER


class PauseStaticBase:
  """The test bodies (a mixin: the classes below bind a binary)."""
  BINARY = None  # None: the binary under test

  def start(self, *args):
    s = ServerProcess(["--repl-diskless-sync-delay", "0"] + list(args), binary=self.BINARY)
    self.addCleanup(s.cleanup)
    return s.start()

  def client(self, server, **kw):
    c = server.redis(**kw)
    self.addCleanup(c.close)
    return c

  def with_replica(self):
    """A primary and a replica of the same kind, linked and online."""
    ps, rs = self.start(), self.start()
    p, r = self.client(ps), self.client(rs)
    r.replicaof("127.0.0.1", ps.port)
    wait_until(lambda: r.info("replication").get("master_link_status") == "up", what="link up")
    wait_until(lambda: p.info("replication").get("slave0", {}).get("state") == "online", what="online")
    return ps, p, rs, r

  def three_keys(self, c, px=1000):
    """k and e2 expire in px ms, p does not; returns their deadline
    (time.monotonic()). TTLs are long enough for the pause to start first
    even on a loaded box."""
    deadline = time.monotonic() + px / 1000.0
    c.set("k", "v", px=px)
    c.set("e2", "v", px=px)
    c.set("p", "v")
    return deadline

  def sleep_past(self, deadline, extra=0.3):
    time.sleep(max(0.0, deadline + extra - time.monotonic()))

  def test_write_pause_reports_expired_keys_missing_but_keeps_them(self):
    s = self.start()
    a, b = self.client(s), self.client(s)
    deadline = self.three_keys(a)
    expired_before = b.info("stats")["expired_keys"]
    self.assertTrue(a.execute_command("CLIENT", "PAUSE", 10000, "WRITE"))
    self.addCleanup(lambda: b.execute_command("CLIENT", "UNPAUSE"))
    self.sleep_past(deadline, 0.5)  # past the deadlines and several cron ticks (active expiry)
    self.assertEqual(b.dbsize(), 3)
    self.assertEqual(b.info("keyspace")["db0"]["keys"], 3)
    self.assertEqual(b.info("keyspace")["db0"]["expires"], 2)
    self.assertIsNone(b.get("k"))
    self.assertEqual(b.exists("k", "e2", "p"), 1)
    self.assertEqual(b.type("k"), "none")
    self.assertIsNone(b.object("encoding", "k"))
    self.assertEqual(b.pttl("k"), -2)
    self.assertEqual(b.scan(0, count=100), (0, ["p"]))
    self.assertEqual(b.keys("*"), ["p"])
    self.assertEqual([b.randomkey() for _ in range(5)], ["p"] * 5)
    tx = b.pipeline(transaction=True)
    tx.get("k").exists("e2").type("e2")
    self.assertEqual(tx.execute(), [None, 0, "none"])
    self.assertIsNone(b.execute_command("EVAL_RO", "return redis.call('get', KEYS[1])", 1, "k"))
    # Every look above found the keys expired; none deleted them.
    self.assertEqual(b.dbsize(), 3)
    self.assertEqual(b.info("stats")["expired_keys"], expired_before)
    self.assertTrue(b.execute_command("CLIENT", "UNPAUSE"))
    wait_until(lambda: b.dbsize() == 1, timeout=5, what="expiry after the pause")
    self.assertEqual(b.info("stats")["expired_keys"], expired_before + 2)

  def test_pause_end_by_timeout_releases_the_deletions(self):
    s = self.start()
    a = self.client(s)
    deadline = self.three_keys(a)
    self.assertTrue(a.execute_command("CLIENT", "PAUSE", 2000, "WRITE"))
    self.sleep_past(deadline, 0.2)
    self.assertEqual(a.dbsize(), 3)
    wait_until(lambda: a.dbsize() == 1, timeout=5, what="expiry after the pause timed out")

  def test_replica_gets_no_del_during_the_pause_and_the_dels_after(self):
    # ALL holds every command of a normal client, CLIENT UNPAUSE too: that
    # pause ends at its deadline; WRITE is lifted with CLIENT UNPAUSE.
    for mode, ms in (("WRITE", 10000), ("ALL", 3500)):
      with self.subTest(mode=mode):
        ps, p, rs, r = self.with_replica()
        # TTLs long enough for the pause to start first on a loaded box.
        deadline = self.three_keys(p, px=2000)
        wait_until(lambda: r.dbsize() == 3, timeout=1.5, what="keys replicated")
        self.assertTrue(p.execute_command("CLIENT", "PAUSE", ms, mode))
        self.sleep_past(deadline)
        # No DEL reached the replica: it still holds all three. (It is not
        # read here: a Vireo replica deletes an expired key a client reads,
        # where Redis's keeps it; see ARCHITECTURE.md.)
        self.assertEqual(r.dbsize(), 3)
        if mode == "WRITE":
          self.assertIsNone(p.get("k"))  # a read on the primary does not delete either
          self.assertEqual(p.dbsize(), 3)
        time.sleep(0.3)
        self.assertEqual(r.dbsize(), 3)
        if mode == "WRITE":
          self.assertTrue(p.execute_command("CLIENT", "UNPAUSE"))
        wait_until(lambda: r.dbsize() == 1, timeout=15, what="DELs reached the replica")
        self.assertEqual(p.dbsize(), 1)

  def test_pause_all_holds_reads_until_it_ends(self):
    s = self.start()
    a, b = self.client(s), self.client(s, socket_timeout=10)
    self.three_keys(a)
    self.assertTrue(a.execute_command("CLIENT", "PAUSE", 1500, "ALL"))
    start = time.monotonic()
    self.assertIsNone(b.get("k"))  # held until the pause ends, then expired
    self.assertGreater(time.monotonic() - start, 1.0)
    wait_until(lambda: b.dbsize() == 1, timeout=5, what="expiry after the pause")

  def test_a_shorter_pause_does_not_cut_a_longer_one(self):
    s = self.start()
    a = self.client(s)
    deadline = self.three_keys(a)
    self.assertTrue(a.execute_command("CLIENT", "PAUSE", 10000, "WRITE"))
    self.addCleanup(lambda: a.execute_command("CLIENT", "UNPAUSE"))
    self.assertTrue(a.execute_command("CLIENT", "PAUSE", 50, "WRITE"))
    self.sleep_past(deadline)
    self.assertEqual(a.dbsize(), 3)  # still paused: nothing expired
    w = self.client(s, socket_timeout=0.3)
    with self.assertRaises(redis.TimeoutError):
      w.set("x", "1")  # still held

  def test_no_eviction_while_paused(self):
    s = self.start("--maxmemory-policy", "allkeys-random")
    a = self.client(s)
    for i in range(2000):
      a.set("key:%d" % i, "x" * 1000)
    used = a.info("memory")["used_memory"]
    self.assertTrue(a.execute_command("CLIENT", "PAUSE", 10000, "WRITE"))
    self.addCleanup(lambda: a.execute_command("CLIENT", "UNPAUSE"))
    # CONFIG SET is not a write: it runs, and would evict at once unpaused.
    a.config_set("maxmemory", used - 1000 * 1000)
    time.sleep(0.3)
    self.assertEqual(a.dbsize(), 2000)
    self.assertEqual(a.info("stats")["evicted_keys"], 0)
    self.assertTrue(a.execute_command("CLIENT", "UNPAUSE"))
    a.ping()  # the next command evicts
    wait_until(lambda: a.info("stats")["evicted_keys"] > 0, timeout=5, what="eviction after the pause")
    self.assertLess(a.dbsize(), 2000)

  def test_failover_pause_keeps_expired_keys_until_it_ends(self):
    ps, p, rs, r = self.with_replica()
    deadline = self.three_keys(p, px=2000)
    wait_until(lambda: r.dbsize() == 3, timeout=1.5, what="keys replicated")
    os.kill(rs.pid, signal.SIGSTOP)
    resumed = []
    self.addCleanup(lambda: resumed or os.kill(rs.pid, signal.SIGCONT))
    p.set("late", "1")  # the stopped replica cannot acknowledge this
    self.assertTrue(p.execute_command("FAILOVER", "TIMEOUT", 4000))
    self.sleep_past(deadline)
    self.assertEqual(p.info("replication")["master_failover_state"], "waiting-for-sync")
    self.assertEqual(p.dbsize(), 4)  # a read runs; the expired keys stay
    self.assertIsNone(p.get("k"))
    self.assertEqual(p.dbsize(), 4)
    wait_until(lambda: p.info("replication")["master_failover_state"] == "no-failover", timeout=10,
               what="failover timed out")
    wait_until(lambda: p.dbsize() == 2, timeout=5, what="expiry after the failover pause")
    os.kill(rs.pid, signal.SIGCONT)
    resumed.append(1)
    wait_until(lambda: r.dbsize() == 2, timeout=15, what="DELs reached the replica")


class PauseStaticUnderTest(PauseStaticBase, unittest.TestCase):
  """The binary under test."""

  @unittest.skipUnless(is_vireo(), "Redis 7.0 loops for ever here")
  def test_randomkey_with_only_expired_keys_answers(self):
    s = self.start()
    a = self.client(s, socket_timeout=5)
    b = self.client(s, socket_timeout=5, db=1)
    for i in range(50):
      a.set("gone:%d" % i, "v", px=50)
      b.set("gone:%d" % i, "v", px=50)
    b.set("live", "1")
    self.assertTrue(a.execute_command("CLIENT", "PAUSE", 10000, "WRITE"))
    self.addCleanup(lambda: a.execute_command("CLIENT", "UNPAUSE"))
    time.sleep(0.2)
    self.assertIsNone(a.randomkey())  # only expired keys: nil, not a hang
    self.assertEqual([b.randomkey() for _ in range(20)], ["live"] * 20)
    self.assertEqual(a.dbsize(), 50)
    self.assertEqual(b.dbsize(), 51)


@unittest.skipIf(not os.path.exists(REDIS_SERVER) or not is_vireo(), "needs redis-server beside the binary")
class PauseStaticRedis(PauseStaticBase, unittest.TestCase):
  """The same bodies on redis-server 7.0.15, the specification."""
  BINARY = REDIS_SERVER


if __name__ == "__main__":
  unittest.main()
