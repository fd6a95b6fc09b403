"""Streamed diskless full syncs of a vireo-server primary: the RDB image is
written into the replicas' sockets a slice at a time while the primary keeps
serving writes (no fork, no in-memory copy of the payload). A redis-server
replica and a vireo-server replica are fed by one transfer under a write
load and end with the primary's dataset (DEBUG DIGEST); during the transfer
INFO shows send_bulk and rdb_bgsave_in_progress:1 and BGSAVE is refused as
beside Redis's sync child; a replica killed mid-transfer stops the image and
a later one syncs; FLUSHALL mid-transfer makes the replicas resync.
rdb-key-save-delay stretches the transfer, as Redis's own tests do.
"""

import os
import signal
import time
import unittest

from harness import ServerProcess, is_vireo, quick, wait_until
from test_replication import REDIS_SERVER, Writer

KEYS = 20000
DELAY_US = 100  # per key: a 2 s transfer


@unittest.skipUnless(is_vireo(), "the primary's streamed sync is vireo-server's")
class StreamedSyncTest(unittest.TestCase):

  def start(self, binary=None, args=()):
    s = ServerProcess(["--enable-debug-command", "yes"] + list(args), binary=binary)
    self.addCleanup(s.cleanup)
    return s.start()

  def setUp(self):
    self.primary = self.start(None, ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "1",
                                     "--rdb-key-save-delay", str(DELAY_US)])
    self.p = self.primary.redis(decode_responses=False)
    self.addCleanup(self.p.close)
    self.p.execute_command("DEBUG", "POPULATE", KEYS, "big", 100)

  def attach(self, binary=None):
    rs = self.start(binary)
    r = rs.redis(decode_responses=False)
    self.addCleanup(r.close)
    r.replicaof("127.0.0.1", self.primary.port)
    return rs, r

  def sending(self):
    info = self.p.info("replication")
    return any("send_bulk" in str(v) for k, v in info.items() if k.startswith("slave"))

  def synced(self, r):
    return (r.info("replication").get("master_link_status") == "up" and
            r.info("replication")["slave_repl_offset"] == self.p.info("replication")["master_repl_offset"])

  def test_one_transfer_feeds_redis_and_vireo_replicas_under_load(self):
    writer = Writer(self.primary.port, 11)
    writer.start()
    self.addCleanup(writer.stop_flag.set)
    replicas = [self.attach(REDIS_SERVER), self.attach(None)]
    wait_until(self.sending, what="send_bulk")
    self.assertEqual(self.p.info("persistence")["rdb_bgsave_in_progress"], 1)
    with self.assertRaisesRegex(Exception, "Background save already in progress"):
      self.p.bgsave()
    wait_until(lambda: not self.sending(), timeout=60, what="transfer done")
    time.sleep(0.3)
    writer.stop_flag.set()
    writer.join(30)
    self.assertIsNone(writer.error)
    self.assertGreater(writer.count, 50)
    # Short-TTL keys expire on the primary, which sends DELs.
    wait_until(lambda: not self.p.keys("*:t"), what="short TTL keys expired")
    digest = self.p.execute_command("DEBUG", "DIGEST")
    for rs, r in replicas:
      wait_until(lambda: self.synced(r), timeout=30, what="replica synced")
      wait_until(lambda: r.execute_command("DEBUG", "DIGEST") == self.p.execute_command("DEBUG", "DIGEST"),
                 timeout=10, what="equal digests")
      self.assertEqual(r.dbsize(), self.p.dbsize())
    self.assertEqual(self.p.info("stats")["sync_full"], 2)
    self.assertEqual(self.p.info("persistence")["rdb_bgsave_in_progress"], 0)
    self.assertTrue(self.p.bgsave())

  def test_replica_killed_mid_transfer_stops_the_image(self):
    rs, r = self.attach(None)
    wait_until(self.sending, what="send_bulk")
    os.kill(rs.pid, signal.SIGKILL)
    rs.proc.wait()
    wait_until(lambda: self.p.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=20,
               what="image stopped")
    self.assertIn("last replica dropped", self.primary.log())
    self.p.set("after", "1")
    rs2, r2 = self.attach(None)
    wait_until(lambda: self.synced(r2), timeout=60, what="second replica synced")
    self.assertEqual(r2.execute_command("DEBUG", "DIGEST"), self.p.execute_command("DEBUG", "DIGEST"))

  def test_flushall_mid_transfer_resyncs_the_replicas(self):
    rs, r = self.attach(REDIS_SERVER)
    wait_until(self.sending, what="send_bulk")
    self.p.flushall()
    self.p.set("fresh", "1")
    wait_until(lambda: self.synced(r), timeout=60, what="replica synced")
    self.assertEqual(r.keys("*"), [b"fresh"])
    self.assertGreaterEqual(self.p.info("stats")["sync_full"], 2)


if __name__ == "__main__":
  unittest.main()
