"""The append-only file against a real redis-server 7.0: an AOF directory
written by either server loads into the other (DEBUG DIGEST and the streams'
content compared), with and without an RDB preamble, after rewrites; every
write acknowledged before a kill -9 is there after the restart (appendfsync
always and everysec, counted); a truncated tail loads with
aof-load-truncated yes and stops the start-up with no; an unfinished
MULTI/EXEC is dropped; BGREWRITEAOF under a write load loses nothing, and
a kill -9 during one loses no acknowledged write; BGSAVE and BGREWRITEAOF
take turns with Redis's replies;
CONFIG SET appendonly on a live node; INFO's aof fields; vireo-check-aof
against redis-check-aof on the same damaged files.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest

import redis

from harness import ServerProcess, quick

REDIS = "/usr/bin/redis-server"
REDIS_CHECK_AOF = "/usr/bin/redis-check-aof"
DEBUG = ["--enable-debug-command", "yes"]
AOF_ON = ["--appendonly", "yes", "--appendfsync", "always"]


def fill(r):
  """Every type and encoding, TTLs, several databases, a stream with a group."""
  r.set("str", "hello")
  r.set("int", 12345)
  r.set("empty", "")
  r.set("ttl", "v", px=3600 * 1000)
  r.set("big", os.urandom(300000))
  r.rpush("list", "a", 1, -5, 300000, 2 ** 40, "z" * 70)
  r.rpush("biglist", *[str(i) * (i % 7) for i in range(3000)])
  r.sadd("intset", 1, 2, -70000, 2 ** 33)
  r.sadd("set", "a", "b", 3)
  r.sadd("bigset", *range(700))
  r.hset("hash", mapping={"f1": "v1", "f2": 2})
  r.hset("bighash", mapping={str(i): "v" * i for i in range(200)})
  r.zadd("zset", {"a": 1, "b": 2.5, "c": -3, "d": 1e20, "e": float("inf"), "f": 0.1})
  r.zadd("bigzset", {"m%d" % i: i * 0.25 for i in range(300)})
  r.expire("bigzset", 10000)
  r.incrbyfloat("float", 1.1)
  r.incrbyfloat("float", 2.2)
  r.hincrbyfloat("hash", "f3", 0.5)
  r.set("gone", "x", px=1)
  r.setex("setex", 1000, "v")
  r.sadd("popped", *range(50))
  r.spop("popped", 20)
  r.rpush("blist", "x", "y")
  r.blpop("blist", 1)
  r.xadd("stream", {"f": "v"}, id="1-1")
  r.xadd("stream", {"f": "v2", "g": "w"}, id="2-1")
  r.xadd("stream", {"a": "b"})
  r.xgroup_create("stream", "grp", id="0")
  r.xreadgroup("grp", "alice", {"stream": ">"}, count=2)
  r.xgroup_createconsumer("stream", "grp", "bob")
  r.execute_command("EVAL", "redis.call('set', KEYS[1], 'a'); redis.call('incr', KEYS[2])", 2, "sk1", "sk2")
  p = r.pipeline(transaction=True)
  p.set("tx1", 1)
  p.lpush("tx2", "a", "b")
  p.execute()
  for db in (1, 15):
    r.execute_command("SELECT", db)
    r.set("db%d" % db, db)
    r.rpush("l%d" % db, "x")
  r.execute_command("SELECT", 0)
  time.sleep(0.01)
  r.get("gone")  # expired: deleted now (and the deletion propagated)


def wait_rewrite(r, timeout=60):
  """Until no AOF rewrite runs or waits (Redis's forked one, Vireo's in-process one)."""
  deadline = time.time() + timeout
  while time.time() < deadline:
    info = r.info("persistence")
    if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
      return info
    time.sleep(0.02)
  raise AssertionError("the AOF rewrite did not finish")


def wait_bgsave(r, timeout=60):
  deadline = time.time() + timeout
  while time.time() < deadline:
    if not r.info("persistence")["rdb_bgsave_in_progress"]:
      return
    time.sleep(0.02)
  raise AssertionError("BGSAVE did not finish")


def stream_state(r):
  return (r.xrange("stream"), r.xinfo_groups("stream"), r.xpending("stream", "grp"),
          sorted(c["name"] for c in r.xinfo_consumers("stream", "grp")))


class AofTestCase(unittest.TestCase):

  def start(self, args, binary=None, aof_from=None, config_text=None):
    s = ServerProcess(DEBUG + list(args), config_text=config_text, binary=binary)
    self.addCleanup(s.cleanup)
    if aof_from:
      shutil.copytree(aof_from, os.path.join(s.dir, "appendonlydir"))
    return s.start()

  def restart(self, s):
    s.stop()
    return s.start()

  def aof_dir(self, s):
    return os.path.join(s.dir, "appendonlydir")

  def files(self, s):
    return sorted(os.listdir(self.aof_dir(s)))

  def manifest(self, s):
    with open(os.path.join(self.aof_dir(s), "appendonly.aof.manifest")) as f:
      return f.read()


class InterchangeTest(AofTestCase):

  def same_dataset(self, a, b):
    """Same streams (XRANGE, groups, PELs, consumers), then the same DEBUG
    DIGEST for the rest (Vireo's digest does not cover stream values yet,
    so the stream is deleted on both sides first)."""
    self.assertEqual(stream_state(a.redis()), stream_state(b.redis()))
    ra, rb = a.redis(decode_responses=False), b.redis(decode_responses=False)
    self.assertIn(ra.get("float"), (b"3.3", b"6.6"))  # INCRBYFLOAT's exact text (fill ran once or twice)
    self.assertEqual(ra.get("float"), rb.get("float"))
    for c in (ra, rb):
      for key in list(c.scan_iter(_type="stream")):
        c.delete(key)
    self.assertEqual(ra.execute_command("DEBUG", "DIGEST"), rb.execute_command("DEBUG", "DIGEST"))

  def roundtrip_to_redis(self, preamble, rewrite):
    v = self.start(AOF_ON + ["--aof-use-rdb-preamble", preamble])
    r = v.redis(decode_responses=False)
    fill(r)
    if rewrite:
      self.assertEqual(r.bgrewriteaof(), True)
      r.set("after-rewrite", "1")  # while it runs or after: the new incremental file
      r.xadd("stream", {"after": "rewrite"})
      wait_rewrite(r)
    v.stop()
    other = self.start(["--appendonly", "yes"], binary=REDIS, aof_from=self.aof_dir(v))
    v.start()  # the same files, loaded again by Vireo
    self.same_dataset(v, other)

  def test_vireo_dir_loads_into_redis_commands_only(self):
    self.roundtrip_to_redis("no", False)

  def test_vireo_dir_loads_into_redis_after_rewrite_aof_base(self):
    self.roundtrip_to_redis("no", True)

  def test_vireo_dir_loads_into_redis_after_rewrite_rdb_base(self):
    self.roundtrip_to_redis("yes", True)

  def test_redis_dir_loads_into_vireo(self):
    for preamble in ("yes", "no"):
      other = self.start(["--appendonly", "yes", "--aof-use-rdb-preamble", preamble], binary=REDIS)
      rr = other.redis(decode_responses=False)
      fill(rr)
      rr.bgrewriteaof()
      deadline = time.time() + 10
      while rr.info("persistence")["aof_rewrite_in_progress"] and time.time() < deadline:
        time.sleep(0.05)
      time.sleep(0.2)
      rr.set("after-rewrite", "1")
      # The stream of the base (RDB or commands) stays under another name.
      self.assertEqual(rr.xlen("stream"), 3)
      rr.rename("stream", "stream-in-base")
      fill(rr)
      other.stop()
      v = self.start(["--appendonly", "yes"], aof_from=self.aof_dir(other))
      self.assertIn("DB loaded from append only file", v.log())
      other.start()
      self.assertEqual(v.redis().xrange("stream-in-base"), other.redis().xrange("stream-in-base"))
      self.assertEqual(v.redis().xinfo_groups("stream-in-base"), other.redis().xinfo_groups("stream-in-base"))
      self.same_dataset(v, other)

  def test_restart_keeps_everything_and_rewrites_shrink(self):
    v = self.start(AOF_ON)
    r = v.redis()
    fill(r)
    for i in range(2000):
      r.incr("counter")
    digest = r.execute_command("DEBUG", "DIGEST")
    before = r.info("persistence")["aof_current_size"]
    self.assertTrue(r.bgrewriteaof())
    info = wait_rewrite(r)
    self.assertLess(info["aof_current_size"], before)
    self.assertEqual(info["aof_rewrites"], 1)
    self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
    self.assertEqual(self.files(v), ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                                     "appendonly.aof.manifest"])
    self.assertEqual(self.manifest(v), "file appendonly.aof.2.base.rdb seq 2 type b\n"
                                       "file appendonly.aof.2.incr.aof seq 2 type i\n")
    v = self.restart(v)
    self.assertEqual(v.redis().execute_command("DEBUG", "DIGEST"), digest)
    # DEBUG LOADAOF replays the same files.
    r = v.redis()
    r.set("x", 1)
    self.assertTrue(r.execute_command("DEBUG", "LOADAOF"))
    self.assertEqual(r.get("x"), "1")


class CrashTest(AofTestCase):

  def write_until_killed(self, s, seconds):
    """Writers RPUSH sequence numbers; returns what each had acknowledged
    when the process was killed with SIGKILL."""
    acked = {}
    stop = threading.Event()

    def writer(n):
      r = s.redis(socket_timeout=5)
      i = 0
      try:
        while not stop.is_set():
          r.rpush("w%d" % n, i)
          i += 1
          acked[n] = i
      except (redis.ConnectionError, redis.TimeoutError):
        pass

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
      t.start()
    time.sleep(seconds)
    os.kill(s.pid, signal.SIGKILL)
    stop.set()
    for t in threads:
      t.join()
    s.proc.wait()
    return acked

  def check_after_restart(self, s, acked, max_lost):
    s.start()
    r = s.redis()
    total = 0
    for n, count in acked.items():
      got = r.lrange("w%d" % n, 0, -1)
      # What is there is the sequence from 0, without holes.
      self.assertEqual(got, [str(i) for i in range(len(got))])
      self.assertGreaterEqual(len(got), count - max_lost)
      total += count
    self.assertGreater(total, 100)
    return total

  def test_kill9_always_keeps_every_acknowledged_write(self):
    s = ServerProcess(AOF_ON)
    self.addCleanup(s.cleanup)
    s.start()
    acked = self.write_until_killed(s, 1.5)
    self.check_after_restart(s, acked, 0)

  def test_kill9_everysec_loss_bounded(self):
    s = ServerProcess(["--appendonly", "yes", "--appendfsync", "everysec"])
    self.addCleanup(s.cleanup)
    s.start()
    started = time.time()
    acked = self.write_until_killed(s, 1.5)
    rate = sum(acked.values()) / (time.time() - started)
    # The kernel keeps what was written, so a process kill loses nothing
    # here; the bound is everysec's promise (about a second of writes).
    self.check_after_restart(s, acked, int(rate * 1.5))

  def test_rewrite_under_load_loses_nothing(self):
    s = ServerProcess(DEBUG + AOF_ON + ["--appendfsync", "everysec"])
    self.addCleanup(s.cleanup)
    s.start()
    r = s.redis()
    p = r.pipeline(transaction=False)
    for i in range(2000):
      p.set("filler%d" % i, i)
    p.execute()
    # Each rewrite lasts ~0.2 s (Redis's knob, slept per key by its child),
    # so the writes below land while the base is written.
    r.config_set("rdb-key-save-delay", 100)
    stop = threading.Event()
    counts = [0]

    def writer():
      r = s.redis()
      while not stop.is_set():
        r.incr("n")
        r.rpush("l", counts[0])
        counts[0] += 1

    t = threading.Thread(target=writer)
    t.start()
    r = s.redis()
    rewrites = r.info("persistence")["aof_rewrites"]
    for i in range(5):
      time.sleep(0.1)
      # Bases as RDB and as commands, both written while the load runs.
      r.config_set("aof-use-rdb-preamble", "yes" if i % 2 else "no")
      self.assertTrue(r.bgrewriteaof())
      wait_rewrite(r)
    stop.set()
    t.join()
    self.assertEqual(r.info("persistence")["aof_rewrites"], rewrites + 5)
    digest = r.execute_command("DEBUG", "DIGEST")
    self.assertEqual(int(r.get("n")), counts[0])
    os.kill(s.pid, signal.SIGKILL)
    s.proc.wait()
    s.start()
    r = s.redis()
    self.assertEqual(int(r.get("n")), counts[0])
    self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)


  def test_kill9_during_rewrite_keeps_every_acknowledged_write(self):
    # The manifest names the new incremental file from the rewrite's start:
    # a crash before the base is done loads old base + old incrementals +
    # the new one, which is everything acknowledged.
    s = ServerProcess(DEBUG + AOF_ON)
    self.addCleanup(s.cleanup)
    s.start()
    r = s.redis()
    p = r.pipeline(transaction=False)
    for i in range(3000):
      p.set("filler%d" % i, i)
    p.execute()
    r.config_set("rdb-key-save-delay", 2000)  # 2 ms a key: ~6 s, longer than the writes
    self.assertTrue(r.bgrewriteaof())
    self.assertEqual(r.info("persistence")["aof_rewrite_in_progress"], 1)
    acked = self.write_until_killed(s, 1.0)
    self.check_after_restart(s, acked, 0)
    r = s.redis()
    self.assertEqual(r.dbsize(), 3000 + len(acked))
    self.assertEqual(r.get("filler2999"), "2999")


class ChildTest(AofTestCase):
  """One background job at a time, as Redis has one child: the replies when
  BGSAVE and BGREWRITEAOF meet, and the scheduled one starting after."""

  def test_bgsave_and_rewrite_take_turns(self):
    s = self.start([])
    r = s.redis()
    for i in range(100):
      r.set("k%d" % i, i)
    r.config_set("rdb-key-save-delay", 10000)  # 10 ms a key: ~1 s per job
    for cmd in ("BGSAVE", "BGREWRITEAOF"):
      r.set_response_callback(cmd, lambda x, **kw: x)  # the status text itself
    self.assertEqual(r.execute_command("BGSAVE"), "Background saving started")
    self.assertEqual(r.execute_command("BGREWRITEAOF"), "Background append only file rewriting scheduled")
    info = r.info("persistence")
    self.assertEqual((info["rdb_bgsave_in_progress"], info["aof_rewrite_in_progress"],
                      info["aof_rewrite_scheduled"]), (1, 0, 1))
    wait_bgsave(r)
    deadline = time.time() + 5
    while not r.info("persistence")["aof_rewrite_in_progress"] and time.time() < deadline:
      time.sleep(0.02)
    info = r.info("persistence")
    self.assertEqual((info["aof_rewrite_in_progress"], info["aof_rewrite_scheduled"]), (1, 0))
    self.assertGreaterEqual(info["aof_current_rewrite_time_sec"], 0)
    self.assertEqual(info["rdb_current_bgsave_time_sec"], -1)
    with self.assertRaises(redis.ResponseError) as e:
      r.execute_command("BGSAVE")
    self.assertEqual(str(e.exception), "Another child process is active (AOF?): can't BGSAVE right now. "
                     "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
    with self.assertRaises(redis.ResponseError) as e:
      r.execute_command("BGREWRITEAOF")
    self.assertEqual(str(e.exception), "Background append only file rewriting already in progress")
    self.assertEqual(r.execute_command("BGSAVE", "SCHEDULE"), "Background saving scheduled")
    wait_rewrite(r)
    deadline = time.time() + 5
    while r.info("persistence")["rdb_saves"] < 2 and time.time() < deadline:
      time.sleep(0.02)
    wait_bgsave(r)
    info = r.info("persistence")
    self.assertEqual((info["rdb_saves"], info["aof_rewrites"]), (2, 1))
    self.assertEqual((info["rdb_last_bgsave_status"], info["aof_last_bgrewrite_status"]), ("ok", "ok"))
    # The AOF directory written while the AOF was off loads the dataset.
    r.config_set("rdb-key-save-delay", 0)
    s.stop()
    s.extra_args += ["--appendonly", "yes"]
    s.start()
    self.assertEqual(s.redis().dbsize(), 100)


  def test_appendonly_yes_during_a_bgsave_waits_for_its_turn(self):
    s = self.start([])
    r = s.redis()
    for i in range(100):
      r.set("k%d" % i, i)
    r.config_set("rdb-key-save-delay", 10000)  # 10 ms a key: ~1 s
    r.bgsave()
    self.assertTrue(r.config_set("appendonly", "yes"))
    info = r.info("persistence")
    self.assertEqual((info["aof_enabled"], info["aof_rewrite_scheduled"]), (1, 1))
    r.set("during", "1")  # in the first base, written after the BGSAVE
    wait_bgsave(r)
    wait_rewrite(r)
    r.set("after", "1")  # in the incremental file
    r.config_set("rdb-key-save-delay", 0)
    info = r.info("persistence")
    self.assertEqual((info["aof_rewrites"], info["aof_last_bgrewrite_status"]), (1, "ok"))
    digest = r.execute_command("DEBUG", "DIGEST")
    s.stop()
    os.unlink(os.path.join(s.dir, "dump.rdb"))  # the AOF alone
    s.extra_args += ["--appendonly", "yes"]
    s.start()
    self.assertEqual(s.redis().execute_command("DEBUG", "DIGEST"), digest)


class TruncationTest(AofTestCase):

  def damaged(self, tail):
    s = self.start(AOF_ON + ["--aof-use-rdb-preamble", "no"])
    r = s.redis()
    for i in range(100):
      r.set("k%d" % i, i)
    s.stop()
    incr = os.path.join(self.aof_dir(s), "appendonly.aof.1.incr.aof")
    good = os.path.getsize(incr)
    with open(incr, "ab") as f:
      f.write(tail)
    return s, incr, good

  def test_truncated_tail_loads_with_aof_load_truncated_yes(self):
    s, incr, good = self.damaged(b"*3\r\n$3\r\nset\r\n$2\r\nk1\r\n$4\r\nva")
    s.start()
    self.assertEqual(s.redis().dbsize(), 100)
    self.assertIn("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset %d !!!" % good, s.log())
    self.assertEqual(os.path.getsize(incr), good)

  def test_truncated_tail_refused_with_aof_load_truncated_no(self):
    s, incr, good = self.damaged(b"*3\r\n$3\r\nset\r\n$2\r\nk1\r\n$4\r\nva")
    s.extra_args += ["--aof-load-truncated", "no"]
    proc = s.launch(s.command_line(21999))
    self.assertEqual(proc.wait(10), 1)
    self.assertIn("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof", s.log())

  def test_unfinished_transaction_is_dropped(self):
    s, incr, good = self.damaged(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$3\r\nnew\r\n$1\r\n1\r\n")
    s.start()
    r = s.redis()
    self.assertIsNone(r.get("new"))
    self.assertIn("Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof", s.log())
    self.assertEqual(os.path.getsize(incr), good)

  def test_format_error_stops_start_up(self):
    s, incr, good = self.damaged(b"garbage\r\n")
    proc = s.launch(s.command_line(21998))
    self.assertEqual(proc.wait(10), 1)
    self.assertIn("Bad file format reading the append only file appendonly.aof.1.incr.aof", s.log())

  def test_bad_manifest_stops_start_up(self):
    s, incr, good = self.damaged(b"")
    with open(os.path.join(self.aof_dir(s), "appendonly.aof.manifest"), "w") as f:
      f.write("file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
    proc = s.launch(s.command_line(21997))
    self.assertEqual(proc.wait(10), 1)
    self.assertIn("Found a non-monotonic sequence number", s.log())


class LiveTest(AofTestCase):

  def test_config_set_appendonly_on_and_off(self):
    s = self.start([])
    r = s.redis()
    fill(r)
    digest = r.execute_command("DEBUG", "DIGEST")
    self.assertEqual(r.info("persistence")["aof_enabled"], 0)
    self.assertTrue(r.config_set("appendonly", "yes"))
    info = wait_rewrite(r)
    self.assertEqual(info["aof_enabled"], 1)
    self.assertEqual(info["aof_last_write_status"], "ok")
    self.assertIn("aof_current_size", info)
    r.set("later", "1")
    self.assertTrue(r.config_set("appendonly", "no"))
    r.set("not-logged", "1")
    s.stop()
    s.extra_args += ["--appendonly", "yes"]
    s.start()
    r = s.redis()
    self.assertEqual(r.get("later"), "1")
    self.assertIsNone(r.get("not-logged"))
    r.delete("later")
    self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)

  def test_timestamps_and_loading_progress_fields(self):
    s = self.start(AOF_ON + ["--aof-timestamp-enabled", "yes", "--aof-use-rdb-preamble", "no"])
    r = s.redis()
    r.set("a", 1)
    with open(os.path.join(self.aof_dir(s), "appendonly.aof.1.incr.aof"), "rb") as f:
      self.assertTrue(f.read().startswith(b"#TS:"))
    # The annotation is skipped when loading.
    s = self.restart(s)
    self.assertEqual(s.redis().get("a"), "1")

  def test_full_disk_refuses_writes_with_misconf(self):
    # The incremental file is replaced by /dev/full: every write fails with ENOSPC.
    s = self.start(["--appendonly", "yes", "--appendfsync", "everysec"])
    r = s.redis()
    r.set("a", 1)
    s.stop()
    incr = os.path.join(self.aof_dir(s), "appendonly.aof.1.incr.aof")
    os.rename(incr, incr + ".saved")
    os.symlink("/dev/full", incr)
    s.start()
    r = s.redis()
    r.set("b", 1)  # accepted: the error shows when the buffer is written
    deadline = time.time() + 5
    while r.info("persistence")["aof_last_write_status"] == "ok" and time.time() < deadline:
      time.sleep(0.05)
    self.assertEqual(r.info("persistence")["aof_last_write_status"], "err")
    with self.assertRaises(redis.ResponseError) as e:
      r.set("c", 1)
    self.assertEqual(str(e.exception), "MISCONF Errors writing to the AOF file: No space left on device")
    with self.assertRaises(redis.ResponseError):
      r.ping()
    self.assertEqual(r.get("b"), "1")  # reads are served
    s.kill()
    os.unlink(incr)
    os.rename(incr + ".saved", incr)


class LoadingTest(AofTestCase):

  def test_clients_get_loading_errors_while_the_aof_loads(self):
    s = ServerProcess(DEBUG + ["--appendonly", "yes"])
    self.addCleanup(s.cleanup)
    d = os.path.join(s.dir, "appendonlydir")
    os.mkdir(d)
    n = 150000 if quick() else 400000
    with open(os.path.join(d, "appendonly.aof.1.incr.aof"), "wb") as f:
      f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
      f.write(b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$5\r\nvalue\r\n" % (len(b"key:%d" % i), i)
                       for i in range(n)))
    with open(os.path.join(d, "appendonly.aof.manifest"), "w") as f:
      f.write("file appendonly.aof.1.incr.aof seq 1 type i\n")
    port = 21990
    s.launch(s.command_line(port))
    replies = []
    infos = []
    deadline = time.time() + 60
    while time.time() < deadline:
      try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
          f = c.makefile("rb")
          # Pipelined: both are served in the same pass, so INFO sees what PING sees.
          c.sendall(b"INFO persistence\r\nPING\r\n")
          n_bytes = int(f.readline()[1:])
          info = f.read(n_bytes + 2).decode()
          line = f.readline()
          replies.append(line)
          if line == b"+PONG\r\n":
            break
          infos.append(info)
      except OSError:
        time.sleep(0.01)
    self.assertEqual(replies[-1], b"+PONG\r\n")
    self.assertIn(b"-LOADING Redis is loading the dataset in memory\r\n", replies)
    self.assertTrue(any("loading:1" in i and "loading_total_bytes:" in i and "loading_loaded_perc:" in i
                        for i in infos), infos[:1])
    r = redis.Redis(port=port)
    self.assertEqual(r.dbsize(), n)
    self.assertEqual(r.info("persistence")["loading"], 0)


class CheckAofTest(AofTestCase):

  def check(self, tool, *args, stdin=b""):
    p = subprocess.run([tool] + list(args), input=stdin, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode()

  def tool(self):
    return os.path.join(os.path.dirname(os.path.abspath(ServerProcess([]).binary)), "vireo-check-aof")

  def test_same_verdicts_as_redis_check_aof(self):
    s = self.start(AOF_ON + ["--aof-use-rdb-preamble", "no"])
    r = s.redis()
    for i in range(200):
      r.set("k%d" % i, i)
    r.bgrewriteaof()
    wait_rewrite(r)
    for i in range(50):
      r.incr("c")
    s.stop()
    manifest = os.path.join(self.aof_dir(s), "appendonly.aof.manifest")
    incr = os.path.join(self.aof_dir(s), "appendonly.aof.2.incr.aof")
    cases = []
    cases.append(("valid manifest", [manifest]))
    cases.append(("valid file", [incr]))
    with open(incr, "ab") as f:
      f.write(b"*2\r\n$4\r\nincr\r\n$1\r\ncXX")
    cases.append(("bad tail", [incr]))
    cases.append(("bad tail via manifest", [manifest]))
    for name, args in cases:
      want = self.check(REDIS_CHECK_AOF, *args)
      got = self.check(self.tool(), *args)
      self.assertEqual(got, want, name)
    # --fix with "y" truncates like redis-check-aof does.
    copy = incr + ".copy"
    shutil.copy(incr, copy)
    want = self.check(REDIS_CHECK_AOF, "--fix", copy, stdin=b"y\n")
    shutil.copy(incr, copy)
    got = self.check(self.tool(), "--fix", copy, stdin=b"y\n")
    self.assertEqual(got, want)
    self.assertEqual(self.check(self.tool(), copy)[0], 0)
    self.assertEqual(self.check(self.tool())[0], 1)
    os.unlink(copy)


if __name__ == "__main__":
  unittest.main()
