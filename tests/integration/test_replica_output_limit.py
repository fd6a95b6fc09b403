"""client-output-buffer-limit's replica class on a primary: a replica that
stops reading (its process stopped with SIGSTOP) while the primary keeps
writing is dropped once its pending stream passes the hard limit, or stays
over the soft limit for its seconds, with Redis's log line; when it
resumes it reconnects, resynchronizes and ends with the primary's dataset.
Both nodes are the binary under test (Vireo, or redis-server 7.0 as the
specification).
"""

import os
import signal
import time
import unittest

from harness import ServerProcess, is_vireo

# Redis ends it "scheduled to be closed ASAP for ..." or, from its cron, "closed for ...".
LOG_LINE = "for overcoming of output buffer limits."
VALUE = b"v" * 16384


def wait_until(pred, timeout=30.0):
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if pred():
      return True
    time.sleep(0.05)
  return pred()


class ReplicaOutputLimitTest(unittest.TestCase):

  def start(self, args=()):
    s = ServerProcess(args)
    self.addCleanup(s.cleanup)
    return s.start()

  def setUp(self):
    self.primary = self.start()
    self.p = self.primary.redis(decode_responses=False)
    self.addCleanup(self.p.close)
    self.replica = self.start(["--replicaof", "127.0.0.1", str(self.primary.port)])
    self.rr = self.replica.redis()
    self.addCleanup(self.rr.close)
    self.assertTrue(wait_until(lambda: self.rr.info("replication")["master_link_status"] == "up"),
                    "replica never linked")
    self.assertTrue(wait_until(lambda: self.p.info("replication")["connected_slaves"] == 1))

  def stop_replica(self):
    os.kill(self.replica.pid, signal.SIGSTOP)
    # Resumed before the cleanups stop it (a stopped process ignores SIGTERM).
    self.addCleanup(lambda: self.replica.alive() and os.kill(self.replica.pid, signal.SIGCONT))

  def write(self, prefix, megabytes):
    pipe = self.p.pipeline(transaction=False)
    for i in range(megabytes * 64):
      pipe.set(b"%s:%d" % (prefix, i), VALUE)
      if i % 64 == 63:
        pipe.execute()
        if self.p.info("replication")["connected_slaves"] == 0:
          return True
    pipe.execute()
    return False

  def resumed_in_sync(self):
    os.kill(self.replica.pid, signal.SIGCONT)
    self.p.set(b"marker", b"end")
    self.assertTrue(wait_until(lambda: self.rr.get("marker") == "end", 60), "replica never caught up")
    self.assertTrue(wait_until(lambda: self.rr.dbsize() == self.p.dbsize(), 30))
    self.assertEqual(self.rr.strlen("w:0"), len(VALUE))

  def test_hard_limit_drops_a_stopped_replica(self):
    self.p.config_set("client-output-buffer-limit", "replica 1mb 0 0")
    self.stop_replica()
    # Socket buffers take several MB first; 64 MB is far more than they hold.
    dropped = self.write(b"w", 64)
    self.assertTrue(dropped or wait_until(lambda: self.p.info("replication")["connected_slaves"] == 0, 10),
                    "the stopped replica was never dropped")
    self.assertTrue(wait_until(lambda: LOG_LINE in self.primary.log(), 5), self.primary.log()[-2000:])
    line = [l for l in self.primary.log().splitlines() if LOG_LINE in l][0]
    self.assertIn("flags=S", line)
    self.assertIn("cmd=replconf", line)  # the replica's last command was an ACK
    if is_vireo():
      self.assertEqual(self.p.info("stats")["client_output_buffer_limit_disconnections"], 1)
    self.resumed_in_sync()

  def test_soft_limit_for_its_seconds(self):
    self.p.config_set("client-output-buffer-limit", "replica 0 512kb 1")
    self.stop_replica()
    # Past the soft limit: dropped only once that lasted a second and the stream grows again.
    self.write(b"w", 16)
    time.sleep(1.2)
    self.write(b"x", 1)
    self.assertTrue(wait_until(lambda: self.p.info("replication")["connected_slaves"] == 0, 10),
                    "the stopped replica was never dropped")
    self.assertIn(LOG_LINE, self.primary.log())
    self.resumed_in_sync()

  def test_default_limit_keeps_a_short_pause(self):
    # The default replica class (256mb 64mb 60) keeps a replica that stops
    # for a moment under a few MB of writes.
    self.stop_replica()
    self.assertFalse(self.write(b"w", 8))
    time.sleep(0.3)
    self.assertEqual(self.p.info("replication")["connected_slaves"], 1)
    self.assertNotIn(LOG_LINE, self.primary.log())
    self.resumed_in_sync()


if __name__ == "__main__":
  unittest.main()
