"""replica-priority as Sentinel honours it, on both engines: the manager's
failover never promotes a replica whose node reports replica-priority 0
(CONFIG SET on the node itself, read from its INFO as Sentinel reads it),
prefers the lowest non-zero priority over a larger offset, and the
Sentinel port's SENTINEL REPLICAS shows each node's slave-priority.
"""

import time
import unittest

import redis

from harness import ManagerProcess, for_engines


def members(g):
  return g["NodeGroups"][0]["NodeGroupMembers"]


def primary_port(g):
  return [m["ReadEndpoint"]["Port"] for m in members(g) if m["CurrentRole"] == "primary"][0]


def replica_ports(g):
  return sorted(m["ReadEndpoint"]["Port"] for m in members(g) if m["CurrentRole"] == "replica")


def sentinel_replicas(mgr, gid):
  s = redis.Redis(port=mgr.sentinel_port, decode_responses=True)
  try:
    out = {}
    for flat in s.execute_command("SENTINEL", "REPLICAS", gid):
      if isinstance(flat, dict):
        d = flat
      else:
        d = dict(zip(flat[::2], flat[1::2]))
      out[int(d["port"])] = int(d["slave-priority"])
    return out
  finally:
    s.close()


@for_engines
class ReplicaPriority:
  def test_priority_zero_never_promoted_lowest_preferred(self):
    mgr = ManagerProcess().start()
    try:
      gid = f"prio{self.ENGINE}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               ReplicationGroupDescription="priority", Engine=self.ENGINE,
               ReplicasPerNodeGroup=2, AutomaticFailoverEnabled=True)
      g = mgr.wait_status(gid)
      first = primary_port(g)
      never, preferred = replica_ports(g)
      mgr.admin(never, "CONFIG", "SET", "replica-priority", "0")
      mgr.admin(preferred, "CONFIG", "SET", "replica-priority", "7")
      # The Sentinel port reports what the nodes report.
      deadline = time.time() + 10
      while sentinel_replicas(mgr, gid) != {never: 0, preferred: 7}:
        self.assertLess(time.time(), deadline, sentinel_replicas(mgr, gid))
        time.sleep(0.1)
      # Even with more data than the preferred one, priority 0 stays out and
      # 7 beats the default 100 of the old primary once it is a replica.
      mgr.call("TestFailover", ReplicationGroupId=gid, NodeGroupId="0001")
      g = mgr.wait_status(gid)
      self.assertEqual(primary_port(g), preferred)
      deadline = time.time() + 10
      while sentinel_replicas(mgr, gid) != {never: 0, first: 100}:
        self.assertLess(time.time(), deadline, sentinel_replicas(mgr, gid))
        time.sleep(0.1)
      mgr.call("TestFailover", ReplicationGroupId=gid, NodeGroupId="0001")
      g = mgr.wait_status(gid)
      self.assertEqual(primary_port(g), first)  # not the priority-0 node
      mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
    finally:
      mgr.stop()


if __name__ == "__main__":
  unittest.main()
