"""Blocking list commands with several clients: BLPOP, BRPOP, BLMOVE,
BRPOPLPUSH and BLMPOP are served first-come first-served per key, woken by
pushes, LMOVE, RENAME and SORT STORE, time out after decimal timeouts (0 =
never), answer CLIENT UNBLOCK (TIMEOUT and ERROR), and leave no trace when a
blocked client disconnects.

Every scenario runs twice: against the server under test (VIREO_SERVER) and
against the reference redis-server, so the expectations written here are
checked against Redis itself. Clients are raw sockets so that "no reply
yet" can be observed; "blocked" is confirmed through INFO's
blocked_clients before the next step, never with a fixed sleep.
"""

import time
import unittest

from blocking_support import BlockingScenarioBase
from harness import RespError

REDIS_SERVER = "/usr/bin/redis-server"


class BlockingListScenarios(BlockingScenarioBase):
  """The scenarios; a subclass chooses the binary (BINARY None = VIREO_SERVER)."""

  # -- wake-ups ------------------------------------------------------------------

  def test_push_wakes_blocked_client(self):
    a = self.block("BLPOP", "k", "0")
    self.assertEqual(self.r.call("RPUSH", "k", "a", "b"), 2)
    self.assertEqual(a.reply(), ["k", "a"])
    self.assertEqual(self.r.call("LRANGE", "k", "0", "-1"), ["b"])
    self.assertEqual(self.blocked_clients(), 0)

  def test_first_come_first_served(self):
    a = self.block("BLPOP", "k", "0")
    b = self.block("BRPOP", "k", "0")
    c = self.block("BLPOP", "k", "0")
    self.assertEqual(self.r.call("RPUSH", "k", "1", "2", "3"), 3)
    self.assertEqual(a.reply(), ["k", "1"])
    self.assertEqual(b.reply(), ["k", "3"])
    self.assertEqual(c.reply(), ["k", "2"])
    self.assertEqual(self.r.call("EXISTS", "k"), 0)

  def test_only_as_many_served_as_elements(self):
    a = self.block("BLPOP", "k", "0")
    b = self.block("BLPOP", "k", "0")
    c = self.block("BLPOP", "k", "0")
    self.r.call("RPUSH", "k", "one")
    self.assertEqual(a.reply(), ["k", "one"])
    b.assert_no_reply()
    c.assert_no_reply()
    self.assertEqual(self.blocked_clients(), 2)
    self.r.call("LPUSH", "k", "two", "three")
    self.assertEqual(b.reply(), ["k", "three"])
    self.assertEqual(c.reply(), ["k", "two"])

  def test_several_keys_in_arrival_order(self):
    a = self.block("BLPOP", "k1", "k2", "0")
    b = self.block("BLPOP", "k2", "0")
    self.r.call("RPUSH", "k2", "x")
    self.assertEqual(a.reply(), ["k2", "x"])
    b.assert_no_reply()
    self.r.call("RPUSH", "k1", "y")  # nobody waits on k1 any more
    self.assertEqual(self.r.call("LLEN", "k1"), 1)
    self.r.call("RPUSH", "k2", "z")
    self.assertEqual(b.reply(), ["k2", "z"])

  def test_lmove_wakes_destination_waiter(self):
    a = self.block("BLPOP", "dst", "0")
    self.r.call("RPUSH", "src", "x", "y")
    self.assertEqual(self.r.call("LMOVE", "src", "dst", "LEFT", "RIGHT"), "x")
    self.assertEqual(a.reply(), ["dst", "x"])
    self.assertEqual(self.r.call("EXISTS", "dst"), 0)

  def test_blmove_chain(self):
    a = self.block("BLMOVE", "src", "mid", "LEFT", "LEFT", "0")
    b = self.block("BLPOP", "mid", "0")
    self.r.call("RPUSH", "src", "v")
    self.assertEqual(a.reply(), "v")
    self.assertEqual(b.reply(), ["mid", "v"])
    self.assertEqual(self.r.call("EXISTS", "src", "mid"), 0)

  def test_brpoplpush_wakes_and_moves(self):
    a = self.block("BRPOPLPUSH", "src", "dst", "0")
    self.r.call("RPUSH", "src", "1", "2")
    self.assertEqual(a.reply(), "2")
    self.assertEqual(self.r.call("LRANGE", "src", "0", "-1"), ["1"])
    self.assertEqual(self.r.call("LRANGE", "dst", "0", "-1"), ["2"])

  def test_rename_wakes(self):
    a = self.block("BLPOP", "k", "0")
    self.r.call("RPUSH", "tmp", "z", "w")
    self.assertEqual(self.r.call("RENAME", "tmp", "k"), "OK")
    self.assertEqual(a.reply(), ["k", "z"])
    self.assertEqual(self.r.call("LRANGE", "k", "0", "-1"), ["w"])

  def test_sort_store_wakes(self):
    a = self.block("BLPOP", "dst", "0")
    self.r.call("RPUSH", "src", "3", "1", "2")
    self.assertEqual(self.r.call("SORT", "src", "STORE", "dst"), 3)
    self.assertEqual(a.reply(), ["dst", "1"])
    self.assertEqual(self.r.call("LRANGE", "dst", "0", "-1"), ["2", "3"])

  def test_blmpop_wakes_with_count(self):
    a = self.block("BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "2")
    self.r.call("RPUSH", "k2", "a", "b", "c")
    self.assertEqual(a.reply(), ["k2", ["c", "b"]])
    self.assertEqual(self.r.call("LRANGE", "k2", "0", "-1"), ["a"])

  def test_other_database_does_not_wake(self):
    a = self.client()
    self.assertEqual(a.call("SELECT", "1"), "OK")
    a.send("BLPOP", "k", "0")
    self.wait_blocked(1)
    self.r.call("RPUSH", "k", "db0")
    a.assert_no_reply()
    other = self.client()
    other.call("SELECT", "1")
    other.call("RPUSH", "k", "db1")
    self.assertEqual(a.reply(), ["k", "db1"])
    self.assertEqual(self.r.call("LLEN", "k"), 1)

  # -- keys that change type while clients wait ---------------------------------------

  def test_key_of_another_type_does_not_serve_or_fail(self):
    if isinstance(self.r.call("ZADD", "probe", "1", "m"), RespError):
      self.skipTest("the server has no sorted sets yet")
    a = self.block("BLPOP", "k", "0")
    b = self.block("BLPOP", "k", "0")
    self.assertEqual(self.r.call("ZADD", "k", "1", "m"), 1)  # signals k
    a.assert_no_reply()
    b.assert_no_reply()
    self.r.call("DEL", "k")
    self.r.call("SET", "k", "str")
    self.r.call("DEL", "k")
    self.r.call("RPUSH", "k", "v")
    self.assertEqual(a.reply(), ["k", "v"])  # kept its place in line
    b.assert_no_reply()
    self.assertEqual(self.blocked_clients(), 1)

  def test_blmove_to_wrong_type_destination(self):
    a = self.block("BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
    self.r.call("SET", "dst", "str")
    self.r.call("RPUSH", "src", "x")
    self.assertEqual(a.reply(), RespError(
        "WRONGTYPE Operation against a key holding the wrong kind of value"))
    self.assertEqual(self.r.call("LRANGE", "src", "0", "-1"), ["x"])
    self.assertEqual(self.blocked_clients(), 0)

  # -- timeouts ------------------------------------------------------------------------

  def test_decimal_timeout(self):
    a = self.client()
    started = time.monotonic()
    a.send("BLPOP", "k", "0.3")
    a.assert_no_reply(0.1)
    self.assertIsNone(a.reply())
    elapsed = time.monotonic() - started
    self.assertGreaterEqual(elapsed, 0.28)
    self.assertLess(elapsed, 3.0)
    self.assertEqual(self.blocked_clients(), 0)

  def test_every_command_times_out_with_null(self):
    for cmd in (["BLPOP", "k", "0.05"], ["BRPOP", "k1", "k2", "0.05"],
                ["BLMOVE", "k", "d", "LEFT", "RIGHT", "0.05"],
                ["BRPOPLPUSH", "k", "d", "0.05"],
                ["BLMPOP", "0.05", "1", "k", "LEFT"]):
      self.assertIsNone(self.r.call(*cmd), cmd)
    self.assertEqual(self.r.call("EXISTS", "k", "d"), 0)

  def test_zero_blocks_forever(self):
    a = self.block("BRPOP", "k", "0")
    a.assert_no_reply(1.2)
    self.assertEqual(self.blocked_clients(), 1)
    self.r.call("RPUSH", "k", "late")
    self.assertEqual(a.reply(), ["k", "late"])

  def test_timed_out_client_leaves_the_line(self):
    a = self.block("BLPOP", "k", "0.2")
    b = self.block("BLPOP", "k", "0")
    self.assertIsNone(a.reply())
    self.wait_blocked(1)
    self.r.call("RPUSH", "k", "x")
    self.assertEqual(b.reply(), ["k", "x"])
    # a timed out and is usable again
    self.assertEqual(a.call("PING"), "PONG")

  # -- CLIENT UNBLOCK and disconnects ---------------------------------------------------

  def client_id(self, c):
    return c.call("CLIENT", "ID")

  def test_client_unblock_timeout(self):
    a = self.client()
    ident = self.client_id(a)
    a.send("BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
    self.wait_blocked(1)
    self.assertEqual(self.r.call("CLIENT", "UNBLOCK", ident, "TIMEOUT"), 1)
    self.assertIsNone(a.reply())
    self.assertEqual(self.r.call("CLIENT", "UNBLOCK", ident), 0)
    self.r.call("RPUSH", "src", "kept")
    self.assertEqual(self.r.call("LLEN", "src"), 1)

  def test_client_unblock_error(self):
    a = self.client()
    ident = self.client_id(a)
    a.send("BLPOP", "k", "0")
    self.wait_blocked(1)
    self.assertEqual(self.r.call("CLIENT", "UNBLOCK", ident, "ERROR"), 1)
    self.assertEqual(a.reply(), RespError(
        "UNBLOCKED client unblocked via CLIENT UNBLOCK"))
    self.assertEqual(self.blocked_clients(), 0)
    self.assertEqual(a.call("PING"), "PONG")

  def test_disconnected_client_leaves_no_trace(self):
    a = self.block("BLPOP", "k", "0")
    b = self.block("BLPOP", "k", "0")
    a.close()
    self.conns.remove(a)
    self.wait_blocked(1)
    self.r.call("RPUSH", "k", "x", "y")
    self.assertEqual(b.reply(), ["k", "x"])
    self.assertEqual(self.r.call("LRANGE", "k", "0", "-1"), ["y"])
    b.close()
    self.conns.remove(b)
    self.wait_blocked(0)
    self.r.call("RPUSH", "k", "z")
    self.assertEqual(self.r.call("LRANGE", "k", "0", "-1"), ["y", "z"])


class VireoBlockingListsTest(BlockingListScenarios, unittest.TestCase):
  BINARY = None


class RedisBlockingListsTest(BlockingListScenarios, unittest.TestCase):
  BINARY = REDIS_SERVER


if __name__ == "__main__":
  unittest.main()
