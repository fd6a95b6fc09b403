"""The issue's end-to-end scenario with real processes and real clients.

On both engines (harness.for_engines):
create (2 replicas) -> write via the primary endpoint -> kill -9 the primary
-> writes resume via the same endpoint and via redis-py's Sentinel client ->
old primary rejoins as a replica with the data -> snapshot -> restore into a
new group with identical contents -> delete leaves no process or file.
Engine vireo also runs the single-node path of the default engine.
"""

import os
import signal
import time
import unittest

import redis
from redis.sentinel import Sentinel

from harness import ManagerProcess, for_engines, node_pids_in


def write_until_ok(client, key, value, timeout=10):
  deadline = time.time() + timeout
  while True:
    try:
      client.set(key, value)
      return
    except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
      if time.time() > deadline:
        raise
      time.sleep(0.02)


@for_engines
class EndToEnd:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess(down_after_ms=1000).start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def test_failover_snapshot_restore_delete(self):
    m = self.mgr
    g = m.call("CreateReplicationGroup", ReplicationGroupId="e2e",
               ReplicationGroupDescription="end to end", Engine=self.ENGINE,
               ReplicasPerNodeGroup=2)["ReplicationGroup"]
    self.assertEqual(g["Status"], "creating")
    g = m.wait_status("e2e")
    ng = g["NodeGroups"][0]
    pport = ng["PrimaryEndpoint"]["Port"]
    roles = {x["CacheClusterId"]: x["CurrentRole"]
             for x in ng["NodeGroupMembers"]}
    self.assertEqual(sorted(roles.values()), ["primary", "replica", "replica"])
    old_primary = [k for k, v in roles.items() if v == "primary"][0]
    old_port = [x["ReadEndpoint"]["Port"] for x in ng["NodeGroupMembers"]
                if x["CacheClusterId"] == old_primary][0]

    client = redis.Redis(port=pport, socket_timeout=2)
    for i in range(200):
      client.set(f"k{i}", f"v{i}")
    self.assertEqual(client.wait(2, 2000), 2)
    reader = redis.Redis(port=ng["ReaderEndpoint"]["Port"])
    self.assertEqual(reader.get("k1"), b"v1")
    with self.assertRaises(redis.ReadOnlyError):
      reader.set("x", "y")

    sentinel = Sentinel([("127.0.0.1", m.sentinel_port)], socket_timeout=1)
    self.assertEqual(sentinel.discover_master("e2e"), ("127.0.0.1", old_port))
    self.assertEqual(len(sentinel.discover_slaves("e2e")), 2)
    self.assertEqual(sentinel.sentinels[0].sentinel_sentinels("e2e"), [])
    pubsub = redis.Redis(port=m.sentinel_port).pubsub()
    pubsub.subscribe("+switch-master")
    pubsub.get_message(timeout=1)

    with open(os.path.join(m.data_dir, "nodes", old_primary,
                           "node.pid")) as f:
      pid = int(f.read())
    killed = time.time()
    os.kill(pid, signal.SIGKILL)
    write_until_ok(client, "after", "failover")
    took = time.time() - killed
    self.assertLess(took, 5.0)
    print(f"\n  kill -9 -> first write through the endpoint: {took:.3f}s",
          flush=True)

    master = sentinel.master_for("e2e", socket_timeout=1)
    write_until_ok(master, "via-sentinel", "yes")
    new_addr = sentinel.discover_master("e2e")
    self.assertNotEqual(new_addr[1], old_port)
    msg = pubsub.get_message(timeout=2)
    self.assertIsNotNone(msg)
    self.assertEqual(msg["data"].decode(),
                     f"e2e 127.0.0.1 {old_port} 127.0.0.1 {new_addr[1]}")
    self.assertEqual(client.get("k199"), b"v199")

    # The old primary comes back as a replica and gets the data.
    deadline = time.time() + 15
    old = redis.Redis(port=old_port, socket_timeout=1)
    while True:
      try:
        info = old.info("replication")
        if info["role"] == "slave" and info["master_link_status"] == "up" \
            and old.get("via-sentinel") == b"yes":
          break
      except redis.ConnectionError:
        pass
      self.assertLess(time.time(), deadline, "old primary did not rejoin")
      time.sleep(0.05)
    self.assertEqual(old.get("k5"), b"v5")
    g = m.wait_status("e2e")
    roles = {x["CacheClusterId"]: x["CurrentRole"]
             for x in g["NodeGroups"][0]["NodeGroupMembers"]}
    self.assertEqual(roles[old_primary], "replica")
    events = [e["Message"] for e in m.call("DescribeEvents",
                                           SourceIdentifier="e2e")["Events"]]
    self.assertTrue(any("Failover to replica node" in e for e in events),
                    events)

    # Snapshot, then restore into a new group with identical contents.
    client.set("big", "x" * 100000)
    m.call("CreateSnapshot", ReplicationGroupId="e2e", SnapshotName="snap1")
    snap = m.wait_snapshot("snap1")
    self.assertEqual(snap["SnapshotStatus"], "available")
    primary_now = [x["CacheClusterId"]
                   for x in g["NodeGroups"][0]["NodeGroupMembers"]
                   if x["CurrentRole"] == "primary"][0]
    # Taken from a replica, so the primary never forks for it.
    self.assertNotEqual(snap["NodeSnapshots"][0]["CacheClusterId"],
                        primary_now)
    m.call("CreateReplicationGroup", ReplicationGroupId="restored",
           Engine=self.ENGINE, ReplicasPerNodeGroup=1, SnapshotName="snap1")
    r = m.wait_status("restored")
    rc = redis.Redis(port=r["NodeGroups"][0]["PrimaryEndpoint"]["Port"])
    self.assertEqual(dump_all(rc), dump_all(client))
    self.assertEqual(rc.dbsize(), 203)

    for gid in ("e2e", "restored"):
      d = m.call("DeleteReplicationGroup", ReplicationGroupId=gid)
      self.assertEqual(d["ReplicationGroup"]["Status"], "deleting")
    with self.assertRaises(Exception) as ctx:
      m.group("e2e")
    self.assertEqual(ctx.exception.code, "ReplicationGroupNotFoundFault")
    self.assertEqual(node_pids_in(os.path.join(m.data_dir, "nodes")), [])
    self.assertEqual(os.listdir(os.path.join(m.data_dir, "nodes")), [])
    m.call("DeleteSnapshot", SnapshotName="snap1")
    self.assertEqual(os.listdir(os.path.join(m.data_dir, "snapshots")), [])


  def test_single_node_default_engine(self):
    """Engine vireo (the default): create without naming
    the engine, write, kill -9 the node (restarted, served again by the same
    endpoint), snapshot, restore into a new group, delete."""
    if self.ENGINE != "vireo":
      self.skipTest("the default engine is vireo")
    m = self.mgr
    g = m.call("CreateReplicationGroup", ReplicationGroupId="e2ev",
               ReplicationGroupDescription="end to end")["ReplicationGroup"]
    self.assertEqual(g["Engine"], "vireo")
    g = m.wait_status("e2ev")
    port = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    client = redis.Redis(port=port, socket_timeout=2)
    with open(os.path.join(m.data_dir, "nodes", "e2ev-001", "node.pid")) as f:
      os.kill(int(f.read()), signal.SIGKILL)
    write_until_ok(client, "after", "restart")
    for i in range(200):
      client.set(f"k{i}", f"v{i}")
    client.set("big", "x" * 100000)
    m.call("CreateSnapshot", ReplicationGroupId="e2ev", SnapshotName="snapv")
    self.assertEqual(m.wait_snapshot("snapv")["SnapshotStatus"], "available")
    m.call("CreateReplicationGroup", ReplicationGroupId="restoredv",
           SnapshotName="snapv")
    r = m.wait_status("restoredv")
    rc = redis.Redis(port=r["NodeGroups"][0]["PrimaryEndpoint"]["Port"])
    self.assertEqual(dump_all(rc), dump_all(client))
    self.assertEqual(rc.dbsize(), 202)
    for gid in ("e2ev", "restoredv"):
      m.call("DeleteReplicationGroup", ReplicationGroupId=gid)
    self.assertEqual(node_pids_in(os.path.join(m.data_dir, "nodes")), [])
    self.assertEqual(os.listdir(os.path.join(m.data_dir, "nodes")), [])
    m.call("DeleteSnapshot", SnapshotName="snapv")


def dump_all(client):
  return {k: client.dump(k) for k in client.keys("*")}


if __name__ == "__main__":
  unittest.main()
