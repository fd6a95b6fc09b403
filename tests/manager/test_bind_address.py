"""--bind-address: nodes, endpoints and the Sentinel port listen on a host
address besides 127.0.0.1, and Describe* advertise it. 127.0.0.2 stands in
for the host's address (a loopback address: tests send no traffic off the
machine); the config written for nodes is checked for what makes other
machines' clients welcome (protected mode off)."""

import os
import socket
import unittest

import redis

from harness import ManagerProcess, for_engines

HOST = "127.0.0.2"


def reachable(port):
  try:
    with socket.create_connection((HOST, port), timeout=2):
      return True
  except OSError:
    return False


@for_engines
class BindAddress:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess()
    cls.mgr.extra_args = ["--bind-address", HOST]
    cls.mgr.start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def test_group_reachable_on_host_address(self):
    gid = f"bind-{self.ENGINE}"
    g = self.mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
                      Engine=self.ENGINE, ReplicasPerNodeGroup=0)[
                          "ReplicationGroup"]
    ng = g["NodeGroups"][0]
    self.assertEqual(ng["PrimaryEndpoint"]["Address"], HOST)
    self.assertEqual(g["SentinelEndpoint"]["Address"], HOST)
    member = ng["NodeGroupMembers"][0]["ReadEndpoint"]
    self.assertEqual(member["Address"], HOST)
    for port in (ng["PrimaryEndpoint"]["Port"], ng["ReaderEndpoint"]["Port"],
                 member["Port"], self.mgr.sentinel_port):
      self.assertTrue(reachable(port), port)
    sentinel = redis.Redis(host=HOST, port=self.mgr.sentinel_port)
    self.assertEqual(sentinel.execute_command(
        "SENTINEL", "GET-MASTER-ADDR-BY-NAME", gid),
        [HOST.encode(), str(member["Port"]).encode()])
    c = redis.Redis(host=HOST, port=ng["PrimaryEndpoint"]["Port"])
    self.assertTrue(c.set("k", "v"))
    self.assertEqual(redis.Redis(host=HOST, port=member["Port"]).get("k"),
                     b"v")
    conf = os.path.join(self.mgr.data_dir, "nodes", f"{gid}-001",
                        "node.conf")
    with open(conf) as f:
      text = f.read()
    self.assertIn(f"bind 127.0.0.1 {HOST}\n", text)
    self.assertIn("protected-mode no\n", text)
    self.mgr.wait_status(gid)   # a group still creating cannot be deleted
    self.mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)


if __name__ == "__main__":
  unittest.main()
