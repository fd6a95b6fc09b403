"""Admin commands are blocked for users of managed nodes, on both engines.

Users (through the endpoints or a node's own port) get the engine's
unknown-command error for CONFIG, DEBUG, SHUTDOWN, SAVE, BGSAVE, MONITOR,
REPLICAOF/SLAVEOF, ACL...; the manager still runs them under their secret
names (parameter changes reach the node; a reboot saves and reloads).
"""

import os
import time

import redis

from harness import ManagerProcess, for_engines

BLOCKED = (("CONFIG", "GET", "maxmemory"), ("CONFIG", "SET", "timeout", "1"),
           ("DEBUG", "SLEEP", "0"), ("SHUTDOWN", "NOSAVE"), ("SAVE",),
           ("BGSAVE",), ("MONITOR",), ("REPLICAOF", "NO", "ONE"),
           ("SLAVEOF", "NO", "ONE"), ("ACL", "WHOAMI"), ("BGREWRITEAOF",),
           ("MODULE", "LIST"), ("FAILOVER",))


@for_engines
class AdminCommands:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess().start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def test_users_cannot_run_admin_commands(self):
    m = self.mgr
    m.call("CreateReplicationGroup", ReplicationGroupId="adm",
           Engine=self.ENGINE)
    g = m.wait_status("adm")
    ng = g["NodeGroups"][0]
    node_port = ng["NodeGroupMembers"][0]["ReadEndpoint"]["Port"]
    for port in (ng["PrimaryEndpoint"]["Port"],
                 ng["ReaderEndpoint"]["Port"], node_port):
      c = redis.Redis(port=port, socket_timeout=2)
      c.set("k", "v")
      for cmd in BLOCKED:
        with self.subTest(port=port, cmd=cmd):
          with self.assertRaises(redis.ResponseError) as ctx:
            c.execute_command(*cmd)
          self.assertTrue(str(ctx.exception).startswith(
              f"unknown command '{cmd[0]}'"), str(ctx.exception))
      # Ordinary commands, INFO and CLIENT stay available.
      self.assertEqual(c.get("k"), b"v")
      self.assertIn("used_memory", c.info("memory"))
      self.assertTrue(c.client_list())
    # Still alive after SHUTDOWN was tried.
    self.assertTrue(redis.Redis(port=node_port).ping())

    # The manager's own connection still reaches them.
    m.call("CreateCacheParameterGroup", CacheParameterGroupName="admpg",
           CacheParameterGroupFamily="redis7", Description="x")
    m.call("ModifyReplicationGroup", ReplicationGroupId="adm",
           CacheParameterGroupName="admpg", ApplyImmediately=True)
    m.call("ModifyCacheParameterGroup", CacheParameterGroupName="admpg",
           ParameterNameValues=[{"ParameterName": "timeout",
                                 "ParameterValue": "91"}])
    self.assertEqual(m.admin(node_port, "CONFIG", "GET", "timeout")[1],
                     b"91")
    # A reboot saves through the renamed SHUTDOWN SAVE: the data comes back.
    pidfile = os.path.join(m.data_dir, "nodes", "adm-001", "node.pid")
    with open(pidfile) as f:
      before = f.read()
    m.call("RebootCacheCluster", CacheClusterId="adm-001",
           CacheNodeIdsToReboot=["0001"])
    deadline = time.time() + 10
    while True:
      try:
        with open(pidfile) as f:
          changed = f.read() != before
        if changed and redis.Redis(port=node_port).get("k") == b"v":
          break
      except (redis.RedisError, OSError):
        pass
      self.assertLess(time.time(), deadline, "data lost across a reboot")
      time.sleep(0.05)
    m.call("DeleteReplicationGroup", ReplicationGroupId="adm")
    m.call("DeleteCacheParameterGroup", CacheParameterGroupName="admpg")

  def test_crashed_node_does_not_load_an_old_file(self):
    """A dump.rdb nobody asked the node to keep (an old save, a sync or
    snapshot file) never comes back after a crash: deleted keys stay
    deleted."""
    m = self.mgr
    m.call("CreateReplicationGroup", ReplicationGroupId="stale",
           Engine=self.ENGINE)
    g = m.wait_status("stale")
    port = g["NodeGroups"][0]["NodeGroupMembers"][0]["ReadEndpoint"]["Port"]
    c = redis.Redis(port=port)
    c.set("deleted-later", "old")
    m.admin(port, "SAVE")          # e.g. a snapshot's or an operator's save
    c.delete("deleted-later")
    c.set("new", "1")
    pidfile = os.path.join(m.data_dir, "nodes", "stale-001", "node.pid")
    with open(pidfile) as f:
      pid = int(f.read())
    os.kill(pid, 9)
    deadline = time.time() + 10
    while True:
      try:
        with open(pidfile) as f:
          changed = int(f.read()) != pid
        if changed and redis.Redis(port=port).ping():
          break
      except (redis.RedisError, OSError, ValueError):
        pass
      self.assertLess(time.time(), deadline, "node not restarted")
      time.sleep(0.05)
    self.assertIsNone(redis.Redis(port=port).get("deleted-later"))
    m.call("DeleteReplicationGroup", ReplicationGroupId="stale")
