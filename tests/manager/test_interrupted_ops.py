"""The manager killed at every step of create/restore, delete, snapshot and
modify (the fault points of faults.py); a restarted manager converges (see
interrupted.py for what that means). Both engines (harness.for_engines)."""

import os
import unittest

from harness import for_engines
from interrupted import InterruptedBase, faults


@for_engines
class InterruptedOps(InterruptedBase):

  def test_create_and_restore(self):
    self.group("seed", self.ENGINE, 0)
    self.mgr.call("CreateSnapshot", ReplicationGroupId="seed",
                  SnapshotName="seed-snap")
    self.assertEqual(self.mgr.wait_snapshot("seed-snap")["SnapshotStatus"],
                     "available")
    for i, step in enumerate(faults.POINTS["create"]):
      point = f"create:{step}"
      # Alternate plain creates with replicas and restores from a snapshot.
      if i % 2:
        gid = f"r{i}"
        self.crash_at(point, "CreateReplicationGroup", ReplicationGroupId=gid,
                      Engine=self.ENGINE, SnapshotName="seed-snap")
        groups = self.converge(point)
        self.assertEqual(groups[gid]["Status"], "available", point)
        self.data_intact(point, gid)
      else:
        gid = f"c{i}"
        self.crash_at(point, "CreateReplicationGroup", ReplicationGroupId=gid,
                      Engine=self.ENGINE, ReplicasPerNodeGroup=1)
        groups = self.converge(point)
        self.assertEqual(groups[gid]["Status"], "available", point)
        g = self.mgr.group(gid)
        self.assertEqual(len(g["MemberClusters"]), 2, point)
        self.client(g).set("x", "y")
      self.mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
    self.mgr.call("DeleteReplicationGroup", ReplicationGroupId="seed")

  def test_delete(self):
    for step in faults.POINTS["delete"]:
      point = f"delete:{step}"
      gid = "d" + step.replace("-", "")
      self.group(gid, self.ENGINE, 0)
      self.crash_at(point, "DeleteReplicationGroup", ReplicationGroupId=gid,
                    FinalSnapshotIdentifier=f"final-{gid}")
      groups = self.converge(point)
      if step == "begin":
        # Undone: the group stays, its data too.
        self.assertIn(gid, groups, point)
        self.data_intact(point, gid)
        self.mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
      else:
        self.assertNotIn(gid, groups, point)
        self.assertFalse(os.path.exists(os.path.join(
            self.mgr.data_dir, "nodes", f"{gid}-001")), point)
        snap = self.mgr.wait_snapshot(f"final-{gid}")
        self.assertEqual(snap["SnapshotStatus"], "available", point)

  def test_snapshot(self):
    self.group("s", self.ENGINE, 0)
    for step in faults.POINTS["snapshot"]:
      point = f"snapshot:{step}"
      name = "snap-" + step
      self.crash_at(point, "CreateSnapshot", ReplicationGroupId="s",
                    SnapshotName=name)
      self.converge(point)
      snap = self.mgr.wait_snapshot(name)
      self.assertEqual(snap["SnapshotStatus"], "available", point)
      self.data_intact(point, "s")
    # Every snapshot holds the data: restore the last one.
    self.mgr.call("CreateReplicationGroup", ReplicationGroupId="s2",
                  Engine=self.ENGINE, SnapshotName="snap-copied")
    self.data_intact("restore", "s2")
    self.mgr.call("DeleteReplicationGroup", ReplicationGroupId="s2")
    self.mgr.call("DeleteReplicationGroup", ReplicationGroupId="s")

  def test_modify(self):
    self.group("mo", self.ENGINE, 0)
    types = ("cache.t3.small", "cache.t3.micro")
    mib = {"cache.t3.small": 1403, "cache.t3.micro": 512}
    for i, step in enumerate(faults.POINTS["modify"]):
      point = f"modify:{step}"
      node_type = types[i % 2]
      self.crash_at(point, "ModifyReplicationGroup", ReplicationGroupId="mo",
                    ReplicationGroupDescription=f"d{i}",
                    CacheNodeType=node_type)
      self.converge(point)
      g = self.data_intact(point, "mo")
      self.assertEqual((g["Description"], g["CacheNodeType"]),
                       (f"d{i}", node_type), point)
      port = g["NodeGroups"][0]["NodeGroupMembers"][0]["ReadEndpoint"]["Port"]
      self.assertEqual(self.mgr.admin(port, "CONFIG", "GET", "maxmemory")[1],
                       str(mib[node_type] << 20).encode(), point)
    self.mgr.call("DeleteReplicationGroup", ReplicationGroupId="mo")

if __name__ == "__main__":
  unittest.main()
