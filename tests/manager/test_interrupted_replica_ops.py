"""The manager killed at every step of add/remove replicas and failover (the
fault points of faults.py); a restarted manager converges (interrupted.py).
Runs on both engines (harness.for_engines)."""

import time
import unittest

import redis

from harness import for_engines
from interrupted import InterruptedBase, _primary, faults


@for_engines
class InterruptedReplicaOps(InterruptedBase):
  def test_replicas_and_failover(self):
    self.group("rf", self.ENGINE, 1, AutomaticFailoverEnabled=True)
    inc = list(faults.POINTS["increase"])
    dec = list(faults.POINTS["decrease"])
    for a, b in zip(inc, dec):
      point = f"increase:{a}"
      self.crash_at(point, "IncreaseReplicaCount", ReplicationGroupId="rf",
                    NewReplicaCount=2, ApplyImmediately=True)
      self.converge(point)
      g = self.data_intact(point, "rf")
      self.assertEqual(len(g["MemberClusters"]), 3, point)
      point = f"decrease:{b}"
      self.crash_at(point, "DecreaseReplicaCount", ReplicationGroupId="rf",
                    NewReplicaCount=1, ApplyImmediately=True)
      self.converge(point)
      g = self.data_intact(point, "rf")
      self.assertEqual(len(g["MemberClusters"]), 2, point)
    for step in faults.POINTS["failover"]:
      point = f"failover:{step}"
      before = self.mgr.group("rf")
      self.crash_at(point, "TestFailover", ReplicationGroupId="rf",
                    NodeGroupId="0001")
      self.converge(point)
      g = self.data_intact(point, "rf")
      members = g["NodeGroups"][0]["NodeGroupMembers"]
      roles = sorted(x["CurrentRole"] for x in members)
      self.assertEqual(roles, ["primary", "replica"], point)
      if step != "begin":   # a promoted replica stays the primary
        self.assertNotEqual(_primary(g), _primary(before), point)
      # Writes go through (the old primary is not left paused) and every
      # node follows the primary the store names.
      self.client(g).set("after", step)
      self._replicas_follow(point, g)
    self.mgr.call("DeleteReplicationGroup", ReplicationGroupId="rf")

  def _replicas_follow(self, point, g):
    primary_port = [x["ReadEndpoint"]["Port"] for x in
                    g["NodeGroups"][0]["NodeGroupMembers"]
                    if x["CurrentRole"] == "primary"][0]
    deadline = time.time() + 15
    for x in g["NodeGroups"][0]["NodeGroupMembers"]:
      if x["CurrentRole"] != "replica":
        continue
      while True:
        info = redis.Redis(port=x["ReadEndpoint"]["Port"]).info("replication")
        if (info.get("master_port") == primary_port and
            info.get("master_link_status") == "up"):
          break
        if time.time() > deadline:
          self.fail(f"{point}: {x['CacheClusterId']} follows {info}")
        time.sleep(0.1)


if __name__ == "__main__":
  unittest.main()
