"""Function libraries in RDB files and FUNCTION DUMP/RESTORE payloads against
a real redis-server 7.0: payloads and files cross both ways, a library's
payload is byte-identical, RESTORE's policies (APPEND, REPLACE, FLUSH) give
the same libraries and errors as Redis, a file's libraries are loaded at
start-up and replace the loaded ones on DEBUG RELOAD.
"""

import os
import shutil
import time
import unittest

import redis

from harness import ServerProcess, ServerTestCase, is_vireo, server_binary

REDIS = "/usr/bin/redis-server"
DEBUG = ["--enable-debug-command", "yes"]

LIB1 = """#!lua name=lib1
redis.register_function('f1', function(keys, args) return 'one' end)
redis.register_function{function_name='f1b', callback=function() return 11 end, flags={'no-writes'},
                        description='the second'}
"""
LIB2 = """#!lua name=lib2
local function helper(x) return x .. '!' end
redis.register_function('f2', function(keys, args) return helper(args[1]) end)
"""
# Collides with lib1's function f1 under another library name.
CLASH = """#!lua name=clash
redis.register_function('F1', function() return 'clash' end)
"""
LIB1_V2 = """#!lua name=lib1
redis.register_function('f1', function() return 'one, again' end)
"""


def listing(r):
  """FUNCTION LIST WITHCODE as comparable data, whatever order the server lists in."""
  out = []
  for lib in r.execute_command("FUNCTION", "LIST", "WITHCODE"):
    d = dict(zip(lib[::2], lib[1::2]))
    funcs = sorted(repr(f) for f in d[b"functions"])
    out.append((d[b"library_name"], d[b"library_code"], funcs))
  return sorted(out)


def outcome(r, *args):
  try:
    return r.execute_command(*args)
  except redis.ResponseError as e:
    return "error: %s" % e


class FunctionPayloadTest(ServerTestCase):

  SERVER_ARGS = DEBUG

  def redis_server(self, rdb_from=None):
    s = ServerProcess(DEBUG, binary=REDIS)
    self.addCleanup(s.cleanup)
    if rdb_from:
      shutil.copy(rdb_from, os.path.join(s.dir, "dump.rdb"))
    return s.start()

  def vireo_server(self, rdb_from=None):
    s = ServerProcess(DEBUG, binary=self.server.binary)
    self.addCleanup(s.cleanup)
    if rdb_from:
      shutil.copy(rdb_from, os.path.join(s.dir, "dump.rdb"))
    return s.start()

  def test_one_library_payload_is_byte_identical(self):
    rr = self.redis_server().redis(decode_responses=False)
    v = self.server.redis(decode_responses=False)
    for c in (rr, v):
      c.function_load(LIB2)
    self.assertEqual(v.function_dump(), rr.function_dump())
    # Empty: just the trailer.
    for c in (rr, v):
      c.function_flush()
    self.assertEqual(v.function_dump(), rr.function_dump())

  def test_payloads_cross_both_ways(self):
    rr = self.redis_server().redis(decode_responses=False)
    v = self.server.redis(decode_responses=False)
    rr.function_load(LIB1)
    rr.function_load(LIB2)
    v.function_restore(rr.function_dump())
    self.assertEqual(listing(v), listing(rr))
    self.assertEqual(v.fcall("f2", 0, "x"), b"x!")
    rr.function_flush()
    rr.function_restore(v.function_dump())
    self.assertEqual(listing(v), listing(rr))
    self.assertEqual(rr.fcall("f1", 0), b"one")

  def test_restore_policies_match_redis(self):
    rr = self.redis_server().redis(decode_responses=False)
    v = self.server.redis(decode_responses=False)
    src = self.redis_server().redis(decode_responses=False)
    payloads = {}
    for name, codes in (("lib1", [LIB1]), ("both", [LIB1, LIB2]), ("clash", [CLASH]), ("lib1v2", [LIB1_V2]),
                        ("lib2", [LIB2])):
      src.function_flush()
      for code in codes:
        src.function_load(code)
      payloads[name] = src.function_dump()
    steps = [
        ("lib1",), ("lib1",), ("lib1", "APPEND"), ("both", "APPEND"), ("lib2",), ("clash",), ("clash", "REPLACE"),
        ("lib1v2", "REPLACE"), ("clash",), ("both", "REPLACE"), ("clash", "FLUSH"), ("both",), ("lib1", "flush"),
        ("lib2", "bogus"), ("lib2", "APPEND", "extra"),
    ]
    for step in steps:
      args = ["FUNCTION", "RESTORE", payloads[step[0]]] + list(step[1:])
      self.assertEqual(outcome(v, *args), outcome(rr, *args), step)
      self.assertEqual(listing(v), listing(rr), step)
    # The payload checks: trailer, record type, truncation.
    good = payloads["lib2"]
    for bad in (good[:-1] + bytes([good[-1] ^ 1]), b"", b"x" * 9, good[:5] + good[-10:]):
      self.assertEqual(outcome(v, "FUNCTION", "RESTORE", bad), outcome(rr, "FUNCTION", "RESTORE", bad))

  def test_files_carry_libraries_both_ways(self):
    v = self.server.redis(decode_responses=False)
    v.function_load(LIB1)
    v.function_load(LIB2)
    v.set("k", "v")
    self.assertTrue(v.save())
    rs = self.redis_server(os.path.join(self.server.dir, "dump.rdb"))
    rr = rs.redis(decode_responses=False)
    self.assertEqual(listing(rr), listing(v))
    self.assertEqual(rr.fcall("f2", 0, "a"), b"a!")
    rr.function_delete("lib1")
    rr.function_load(CLASH)
    self.assertTrue(rr.save())
    v2 = self.vireo_server(os.path.join(rs.dir, "dump.rdb")).redis(decode_responses=False)
    self.assertEqual(listing(v2), listing(rr))
    self.assertEqual(v2.fcall("f1", 0), b"clash")
    self.assertEqual(v2.get("k"), b"v")

  def test_debug_reload_replaces_libraries_with_the_files(self):
    v = self.server.redis(decode_responses=False)
    v.function_load(LIB1)
    self.assertTrue(v.save())
    v.function_load(LIB2)
    # RELOAD saves first: both libraries come back.
    self.assertTrue(v.execute_command("DEBUG", "RELOAD"))
    self.assertEqual(len(v.function_list()), 2)
    self.assertEqual(v.fcall("f1", 0), b"one")
    # FLUSHALL keeps libraries (as Redis); a restart loads them.
    v.flushall()
    self.assertEqual(len(v.function_list()), 2)
    self.assertTrue(v.save())
    self.server.stop()
    self.server.start()
    v = self.server.redis(decode_responses=False)
    self.assertEqual(len(v.function_list()), 2)
    self.assertEqual(v.fcall("f2", 0, "z"), b"z!")

  def test_save_points_count_function_changes(self):
    v = self.server.redis()
    before = v.info("persistence")["rdb_changes_since_last_save"]
    v.function_load(LIB2)
    v.function_restore(v.function_dump(), "REPLACE")
    v.function_delete("lib2")
    v.function_flush()
    self.assertEqual(v.info("persistence")["rdb_changes_since_last_save"], before + 4)


def wait_until(pred, timeout=15.0):
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if pred():
      return True
    time.sleep(0.05)
  raise AssertionError("timed out")


@unittest.skipUnless(is_vireo(), "replication between vireo-server and redis-server")
class FullSyncTest(unittest.TestCase):
  """A full resync ships the primary's libraries and streams (RDB payload)."""

  def start(self, binary, args=()):
    s = ServerProcess(DEBUG + ["--repl-diskless-sync-delay", "0"] + list(args), binary=binary)
    self.addCleanup(s.cleanup)
    return s.start()

  def check(self, primary_binary, replica_binary):
    primary = self.start(primary_binary)
    p = primary.redis(decode_responses=False)
    p.function_load(LIB1)
    p.xadd("events", {"f": "v"}, id="1-1")
    p.xgroup_create("events", "g", id="0")
    p.xreadgroup("g", "c", {"events": ">"})
    replica = self.start(replica_binary, ["--replicaof", "127.0.0.1", str(primary.port)])
    r = replica.redis(decode_responses=False)
    wait_until(lambda: r.info("replication").get("master_link_status") == "up")
    wait_until(lambda: r.exists("events") == 1)
    self.assertEqual(listing(r), listing(p))
    self.assertEqual(r.execute_command("XINFO", "STREAM", "events", "FULL"),
                     p.execute_command("XINFO", "STREAM", "events", "FULL"))

  def test_vireo_replica_of_redis(self):
    self.check(REDIS, server_binary())

  # The other direction waits for the primary side of replication (README).
