"""FAILOVER as Redis 7.0: errors, a coordinated switch under writes (the
primary pauses writes, waits for the replica's ACK, becomes its replica
with PSYNC ... FAILOVER; the replica takes over and continues the history
with a partial resync), TIMEOUT aborting while the replica lags, FORCE
going on after it, ABORT. Run with the server under test in both roles and
mixed with redis-server 7.0.15 in either role.
"""

import os
import signal
import threading
import time
import unittest

import redis

from harness import ServerProcess, is_vireo, server_binary, wait_until
from test_replication import REDIS_SERVER


class FailoverBase(unittest.TestCase):
  PRIMARY = None  # None: the binary under test
  REPLICA = None

  def start(self, binary):
    s = ServerProcess(["--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"], binary=binary)
    self.addCleanup(s.cleanup)
    return s.start()

  def setUp(self):
    self.ps = self.start(self.PRIMARY)
    self.rs = self.start(self.REPLICA)
    self.p = self.ps.redis()
    self.r = self.rs.redis()
    self.addCleanup(self.p.close)
    self.addCleanup(self.r.close)
    for i in range(500):
      self.p.set("k%d" % i, i)
    self.r.replicaof("127.0.0.1", self.ps.port)
    wait_until(lambda: self.r.info("replication").get("master_link_status") == "up", what="link up")
    wait_until(lambda: self.p.info("replication").get("slave0", {}).get("state") == "online", what="online")

  def role(self, c):
    return c.execute_command("ROLE")[0]

  def failover_state(self, c):
    return c.info("replication")["master_failover_state"]

  def test_errors(self):
    p, r = self.p, self.r
    for args, text in ((("FORCE",), "requires both a timeout and target HOST and IP"),
                       (("TO", "127.0.0.1", self.rs.port, "FORCE"), "requires both a timeout"),
                       (("TIMEOUT", 0), "FAILOVER timeout must be greater than 0"),
                       (("TIMEOUT", "x"), "value is not an integer or out of range"),
                       (("TO", "127.0.0.1", "x"), "value is not an integer or out of range"),
                       (("TO", "10.9.9.9", 1), "FAILOVER target HOST and PORT is not a replica."),
                       (("BOGUS",), "syntax error"), (("ABORT", "TIMEOUT", 5), "syntax error"),
                       (("ABORT",), "No failover in progress."), (("TO", "h"), "syntax error")):
      with self.assertRaisesRegex(redis.ResponseError, text):
        p.execute_command("FAILOVER", *args)
    with self.assertRaisesRegex(redis.ResponseError, "FAILOVER is not valid when server is a replica."):
      r.execute_command("FAILOVER")
    self.assertEqual(self.failover_state(p), "no-failover")

  def test_coordinated_failover_switches_roles_without_losing_writes(self):
    p, r = self.p, self.r
    stop = threading.Event()
    acked = []
    errors = []

    def writer():
      c = self.ps.redis(socket_timeout=20)
      i = 0
      while not stop.is_set():
        try:
          c.set("w%d" % i, i)
          acked.append(i)
        except redis.ResponseError as e:
          errors.append(str(e))  # READONLY once we are a replica
          break
        i += 1
      c.close()

    th = threading.Thread(target=writer)
    th.start()
    time.sleep(0.2)
    before = r.info("stats")["sync_partial_ok"]
    self.assertTrue(p.execute_command("FAILOVER", "TO", "127.0.0.1", self.rs.port))
    wait_until(lambda: self.role(r) == "master" and self.role(p) == "slave", what="roles switched")
    wait_until(lambda: p.info("replication").get("master_link_status") == "up", what="old primary following")
    th.join(20)
    stop.set()
    self.assertEqual(self.failover_state(p), "no-failover")
    self.assertTrue(errors and errors[0].startswith("You can't write against a read only replica"), errors)
    # Every acknowledged write is on the new primary; the old one continued partially.
    for i in acked:
      self.assertEqual(r.get("w%d" % i), str(i))
    self.assertEqual(r.info("stats")["sync_partial_ok"], before + 1)
    self.assertTrue(r.set("after", "1"))
    wait_until(lambda: p.get("after") == "1", what="new primary's write replicated")
    wait_until(lambda: p.execute_command("DEBUG", "DIGEST") == r.execute_command("DEBUG", "DIGEST"),
               what="equal digests")

  def test_timeout_aborts_and_releases_the_paused_writes(self):
    p = self.p
    os.kill(self.rs.pid, signal.SIGSTOP)
    self.addCleanup(lambda: os.kill(self.rs.pid, signal.SIGCONT))
    p.set("before", "1")  # the stopped replica cannot acknowledge this
    self.assertTrue(p.execute_command("FAILOVER", "TIMEOUT", 1500))
    self.assertEqual(self.failover_state(p), "waiting-for-sync")
    start = time.time()
    w = self.ps.redis(socket_timeout=20)
    self.addCleanup(w.close)
    self.assertTrue(w.set("held", "1"))  # paused until the failover gives up
    self.assertGreater(time.time() - start, 0.5)
    self.assertEqual(self.failover_state(p), "no-failover")
    self.assertEqual(self.role(p), "master")
    self.assertIn("Replica never caught up before timeout", self.ps.log()) if self.PRIMARY is None and is_vireo() \
        else None

  def test_abort_while_waiting(self):
    p = self.p
    os.kill(self.rs.pid, signal.SIGSTOP)
    self.addCleanup(lambda: os.kill(self.rs.pid, signal.SIGCONT))
    p.set("before", "1")
    self.assertTrue(p.execute_command("FAILOVER"))
    with self.assertRaisesRegex(redis.ResponseError, "FAILOVER already in progress."):
      p.execute_command("FAILOVER")
    with self.assertRaisesRegex(redis.ResponseError, "REPLICAOF not allowed while failing over."):
      p.replicaof("127.0.0.1", 1)
    self.assertTrue(p.execute_command("FAILOVER", "ABORT"))
    self.assertEqual(self.failover_state(p), "no-failover")
    self.assertTrue(p.set("free", "1"))

  def test_force_fails_over_after_the_timeout(self):
    p, r = self.p, self.r
    os.kill(self.rs.pid, signal.SIGSTOP)
    resumed = []
    self.addCleanup(lambda: resumed or os.kill(self.rs.pid, signal.SIGCONT))
    p.set("late", "1")
    self.assertTrue(p.execute_command("FAILOVER", "TO", "127.0.0.1", self.rs.port, "TIMEOUT", 300, "FORCE"))
    wait_until(lambda: self.failover_state(p) == "failover-in-progress", what="in progress")
    self.assertEqual(self.role(p), "slave")
    os.kill(self.rs.pid, signal.SIGCONT)
    resumed.append(1)
    wait_until(lambda: self.role(r) == "master", what="replica took over")
    wait_until(lambda: self.failover_state(p) == "no-failover", what="failover done")
    wait_until(lambda: p.info("replication").get("master_link_status") == "up", what="old primary following")
    wait_until(lambda: r.get("late") == "1", what="late write kept")


class FailoverSameServer(FailoverBase):
  pass


@unittest.skipUnless(is_vireo(), "mixed with redis-server")
class FailoverVireoToRedis(FailoverBase):
  REPLICA = REDIS_SERVER


@unittest.skipUnless(is_vireo(), "mixed with redis-server")
class FailoverRedisToVireo(FailoverBase):
  PRIMARY = REDIS_SERVER


del FailoverBase

if __name__ == "__main__":
  unittest.main()
