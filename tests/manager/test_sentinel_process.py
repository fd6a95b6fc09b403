"""The Sentinel port outlives the manager: it is served by its own process.

With the manager killed, Sentinel clients still find a group's primary and
replicas; a restarted manager adopts the same Sentinel process (no gap for
its subscribers), and a failover after the restart reaches them as
+switch-master; SENTINEL FAILOVER goes through the manager. Stopping the
manager with --stop-nodes-on-exit stops the Sentinel process too. Both
engines.
"""

import os
import time
import unittest

import redis
from redis.sentinel import Sentinel

from harness import ManagerProcess, for_engines, node_pids_in


def sentinel_pid(mgr):
  with open(os.path.join(mgr.data_dir, "sentinel", "sentinel.pid")) as f:
    return int(f.read())


def primary_port(g):
  return [x["ReadEndpoint"]["Port"] for x in
          g["NodeGroups"][0]["NodeGroupMembers"]
          if x["CurrentRole"] == "primary"][0]


@for_engines
class SentinelProcess:
  def test_sentinel_outlives_the_manager(self):
    mgr = ManagerProcess().start()
    try:
      gid = f"sp{self.ENGINE}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               Engine=self.ENGINE, ReplicasPerNodeGroup=1,
               AutomaticFailoverEnabled=True)
      g = mgr.wait_status(gid)
      first = primary_port(g)
      pid = sentinel_pid(mgr)
      sub = redis.Redis(port=mgr.sentinel_port).pubsub()
      sub.subscribe("+switch-master")
      self.assertEqual(sub.get_message(timeout=2)["type"], "subscribe")

      mgr.kill_manager()
      s = Sentinel([("127.0.0.1", mgr.sentinel_port)], socket_timeout=1)
      self.assertEqual(s.discover_master(gid), ("127.0.0.1", first))
      self.assertEqual(len(s.discover_slaves(gid)), 1)
      s.master_for(gid, socket_timeout=1).set("while-down", "1")

      mgr.start()
      self.assertEqual(sentinel_pid(mgr), pid)   # adopted, not restarted
      mgr.wait_status(gid)
      mgr.call("TestFailover", ReplicationGroupId=gid, NodeGroupId="0001")
      second = primary_port(mgr.wait_status(gid))
      self.assertNotEqual(second, first)
      deadline = time.time() + 5
      msg = None
      while msg is None or msg["type"] != "message":
        self.assertLess(time.time(), deadline, "no +switch-master")
        msg = sub.get_message(timeout=1)
      self.assertEqual(msg["data"].decode(),
                       f"{gid} 127.0.0.1 {first} 127.0.0.1 {second}")
      self.assertEqual(s.discover_master(gid), ("127.0.0.1", second))
      # SENTINEL FAILOVER is the manager's TestFailover.
      sentinel = redis.Redis(port=mgr.sentinel_port)
      self.assertTrue(sentinel.execute_command("SENTINEL", "FAILOVER", gid))
      self.assertEqual(primary_port(mgr.wait_status(gid)), first)
      with self.assertRaises(redis.ResponseError):
        sentinel.execute_command("SENTINEL", "FAILOVER", "nope")
      self.assertEqual(
          s.master_for(gid, socket_timeout=1).get("while-down"), b"1")
      sub.close()
      mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
    finally:
      mgr.stop()

  def test_stop_nodes_on_exit_stops_it(self):
    mgr = ManagerProcess()
    mgr.extra_args = ["--stop-nodes-on-exit"]
    mgr.start()
    try:
      pid = sentinel_pid(mgr)
      self.assertIn(pid, node_pids_in(mgr.data_dir))
      mgr.proc.terminate()
      mgr.proc.wait(15)
      self.assertNotIn(pid, node_pids_in(mgr.data_dir))
    finally:
      mgr.stop()


if __name__ == "__main__":
  unittest.main()
