"""Blocking sorted-set commands with several clients: BZPOPMIN, BZPOPMAX and
BZMPOP are served first-come first-served per key, woken by ZADD, ZINCRBY,
ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE, ZRANGESTORE, RENAME and COPY, time out
after decimal timeouts (0 = never), answer CLIENT UNBLOCK (TIMEOUT and
ERROR), and leave no trace when a blocked client disconnects.

Every scenario runs twice: against the server under test (VIREO_SERVER) and
against the reference redis-server, so the expectations written here are
checked against Redis itself. "Blocked" is confirmed through INFO's
blocked_clients before the next step, never with a fixed sleep.
"""

import time
import unittest

from blocking_support import BlockingScenarioBase
from harness import RespError

REDIS_SERVER = "/usr/bin/redis-server"


class BlockingZSetScenarios(BlockingScenarioBase):
  """The scenarios; a subclass chooses the binary (BINARY None = VIREO_SERVER)."""

  # -- wake-ups ------------------------------------------------------------------

  def test_zadd_wakes_blocked_client(self):
    a = self.block("BZPOPMIN", "z", "0")
    self.assertEqual(self.r.call("ZADD", "z", "2", "b", "1", "a"), 2)
    self.assertEqual(a.reply(), ["z", "a", "1"])
    self.assertEqual(self.r.call("ZRANGE", "z", "0", "-1"), ["b"])
    self.assertEqual(self.blocked_clients(), 0)

  def test_first_come_first_served(self):
    a = self.block("BZPOPMIN", "z", "0")
    b = self.block("BZPOPMAX", "z", "0")
    c = self.block("BZPOPMIN", "z", "0")
    self.assertEqual(self.r.call("ZADD", "z", "1", "one", "2", "two", "3", "three"), 3)
    self.assertEqual(a.reply(), ["z", "one", "1"])
    self.assertEqual(b.reply(), ["z", "three", "3"])
    self.assertEqual(c.reply(), ["z", "two", "2"])
    self.assertEqual(self.r.call("EXISTS", "z"), 0)

  def test_only_as_many_served_as_elements(self):
    a = self.block("BZPOPMAX", "z", "0")
    b = self.block("BZPOPMAX", "z", "0")
    self.r.call("ZADD", "z", "1.5", "m")
    self.assertEqual(a.reply(), ["z", "m", "1.5"])
    b.assert_no_reply()
    self.assertEqual(self.blocked_clients(), 1)
    self.r.call("ZINCRBY", "z", "0.1", "n")
    self.assertEqual(b.reply(), ["z", "n", "0.10000000000000001"])

  def test_several_keys_in_arrival_order(self):
    a = self.block("BZPOPMIN", "z1", "z2", "0")
    b = self.block("BZPOPMIN", "z2", "0")
    self.r.call("ZADD", "z2", "5", "x")
    self.assertEqual(a.reply(), ["z2", "x", "5"])
    b.assert_no_reply()
    self.r.call("ZADD", "z1", "1", "y")  # nobody waits on z1 any more
    self.assertEqual(self.r.call("ZCARD", "z1"), 1)
    self.r.call("ZADD", "z2", "7", "z")
    self.assertEqual(b.reply(), ["z2", "z", "7"])

  def test_bzmpop_wakes_with_count(self):
    a = self.block("BZMPOP", "0", "2", "z1", "z2", "MAX", "COUNT", "2")
    self.r.call("ZADD", "z2", "1", "a", "2", "b", "3", "c")
    self.assertEqual(a.reply(), ["z2", [["c", "3"], ["b", "2"]]])
    self.assertEqual(self.r.call("ZRANGE", "z2", "0", "-1"), ["a"])

  def test_store_commands_wake(self):
    self.r.call("ZADD", "src", "1", "a", "2", "b")
    for store in (["ZUNIONSTORE", "dst", "1", "src"],
                  ["ZINTERSTORE", "dst", "1", "src"],
                  ["ZDIFFSTORE", "dst", "1", "src"],
                  ["ZRANGESTORE", "dst", "src", "0", "-1"]):
      a = self.block("BZPOPMAX", "dst", "0")
      self.assertEqual(self.r.call(*store), 2, store)
      self.assertEqual(a.reply(), ["dst", "b", "2"], store)
      self.assertEqual(self.r.call("DEL", "dst"), 1)

  def test_rename_and_copy_wake(self):
    a = self.block("BZPOPMIN", "k", "0")
    self.r.call("ZADD", "tmp", "1", "z", "2", "w")
    self.assertEqual(self.r.call("RENAME", "tmp", "k"), "OK")
    self.assertEqual(a.reply(), ["k", "z", "1"])
    b = self.block("BZPOPMIN", "c", "0")
    self.assertEqual(self.r.call("COPY", "k", "c"), 1)
    self.assertEqual(b.reply(), ["c", "w", "2"])

  def test_writes_that_add_nothing_do_not_serve(self):
    a = self.block("BZPOPMIN", "z", "0")
    self.assertEqual(self.r.call("ZADD", "z", "XX", "1", "a"), 0)
    self.assertEqual(self.r.call("ZINTERSTORE", "z", "1", "nokey"), 0)
    a.assert_no_reply()
    self.r.call("LPUSH", "z", "v")  # a list under the key: not served, not failed
    a.assert_no_reply()
    self.r.call("DEL", "z")
    self.r.call("ZADD", "z", "3", "c")
    self.assertEqual(a.reply(), ["z", "c", "3"])

  def test_other_database_does_not_wake(self):
    a = self.client()
    self.assertEqual(a.call("SELECT", "1"), "OK")
    a.send("BZPOPMIN", "z", "0")
    self.wait_blocked(1)
    self.r.call("ZADD", "z", "1", "db0")
    a.assert_no_reply()
    other = self.client()
    other.call("SELECT", "1")
    other.call("ZADD", "z", "2", "db1")
    self.assertEqual(a.reply(), ["z", "db1", "2"])
    self.assertEqual(self.r.call("ZCARD", "z"), 1)

  def test_wrong_type_key_fails_at_once(self):
    self.r.call("SET", "s", "x")
    self.assertEqual(self.r.call("BZPOPMIN", "nokey", "s", "0"), RespError(
        "WRONGTYPE Operation against a key holding the wrong kind of value"))
    self.assertEqual(self.blocked_clients(), 0)

  # -- timeouts ------------------------------------------------------------------------

  def test_decimal_timeout(self):
    a = self.client()
    started = time.monotonic()
    a.send("BZPOPMIN", "z", "0.3")
    a.assert_no_reply(0.1)
    self.assertIsNone(a.reply())
    elapsed = time.monotonic() - started
    self.assertGreaterEqual(elapsed, 0.28)
    self.assertLess(elapsed, 3.0)
    self.assertEqual(self.blocked_clients(), 0)

  def test_every_command_times_out_with_null(self):
    for cmd in (["BZPOPMIN", "z", "0.05"], ["BZPOPMAX", "z1", "z2", "0.05"],
                ["BZMPOP", "0.05", "1", "z", "MIN"],
                ["BZMPOP", "0.05", "2", "z", "y", "MAX", "COUNT", "3"]):
      self.assertIsNone(self.r.call(*cmd), cmd)
    self.assertEqual(self.r.call("EXISTS", "z"), 0)

  def test_zero_blocks_forever(self):
    a = self.block("BZPOPMAX", "z", "0")
    a.assert_no_reply(1.2)
    self.assertEqual(self.blocked_clients(), 1)
    self.r.call("ZADD", "z", "1", "late")
    self.assertEqual(a.reply(), ["z", "late", "1"])

  def test_timed_out_client_leaves_the_line(self):
    a = self.block("BZPOPMIN", "z", "0.2")
    b = self.block("BZPOPMIN", "z", "0")
    self.assertIsNone(a.reply())
    self.wait_blocked(1)
    self.r.call("ZADD", "z", "1", "x")
    self.assertEqual(b.reply(), ["z", "x", "1"])
    self.assertEqual(a.call("PING"), "PONG")

  # -- CLIENT UNBLOCK and disconnects ---------------------------------------------------

  def test_client_unblock_timeout(self):
    a = self.client()
    ident = a.call("CLIENT", "ID")
    a.send("BZMPOP", "0", "1", "z", "MIN")
    self.wait_blocked(1)
    self.assertEqual(self.r.call("CLIENT", "UNBLOCK", ident, "TIMEOUT"), 1)
    self.assertIsNone(a.reply())
    self.assertEqual(self.r.call("CLIENT", "UNBLOCK", ident), 0)
    self.r.call("ZADD", "z", "1", "kept")
    self.assertEqual(self.r.call("ZCARD", "z"), 1)

  def test_client_unblock_error(self):
    a = self.client()
    ident = a.call("CLIENT", "ID")
    a.send("BZPOPMIN", "z", "0")
    self.wait_blocked(1)
    self.assertEqual(self.r.call("CLIENT", "UNBLOCK", ident, "ERROR"), 1)
    self.assertEqual(a.reply(), RespError("UNBLOCKED client unblocked via CLIENT UNBLOCK"))
    self.assertEqual(self.blocked_clients(), 0)
    self.assertEqual(a.call("PING"), "PONG")

  def test_disconnected_client_leaves_no_trace(self):
    a = self.block("BZPOPMIN", "z", "0")
    b = self.block("BZPOPMIN", "z", "0")
    a.close()
    self.conns.remove(a)
    self.wait_blocked(1)
    self.r.call("ZADD", "z", "1", "x", "2", "y")
    self.assertEqual(b.reply(), ["z", "x", "1"])
    self.assertEqual(self.r.call("ZRANGE", "z", "0", "-1"), ["y"])
    b.close()
    self.conns.remove(b)
    self.wait_blocked(0)
    self.r.call("ZADD", "z", "3", "w")
    self.assertEqual(self.r.call("ZRANGE", "z", "0", "-1"), ["y", "w"])


class VireoBlockingZSetsTest(BlockingZSetScenarios, unittest.TestCase):
  BINARY = None


class RedisBlockingZSetsTest(BlockingZSetScenarios, unittest.TestCase):
  BINARY = REDIS_SERVER


if __name__ == "__main__":
  unittest.main()
