"""Endpoints that outlive the manager (engine vireo), with and without a
replica.

A vireo group's primary and reader endpoints are served by its nodes
themselves (vireo-endpoint-ports), not by the manager: clients connected
through an endpoint are the node's own clients; the endpoints keep serving
while the manager is killed and after it restarts; a node killed -9 is
restarted by the manager with its endpoints; deleting the group closes them.
Engine redis's endpoints are the vireo-forwarder process
(test_forwarder.py).
"""

import os
import signal
import socket
import time
import unittest

import redis

from harness import ManagerProcess


def serves(port):
  try:
    c = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
    c.set("probe", "1")
    return c.get("probe") == b"1"
  except redis.RedisError:
    return False


class NativeEndpoints(unittest.TestCase):
  def test_endpoints_outlive_the_manager(self):
    mgr = ManagerProcess().start()
    try:
      mgr.call("CreateReplicationGroup", ReplicationGroupId="ep",
               Engine="vireo")
      g = mgr.wait_status("ep")
      ng = g["NodeGroups"][0]
      pport = ng["PrimaryEndpoint"]["Port"]
      rport = ng["ReaderEndpoint"]["Port"]
      node_port = ng["NodeGroupMembers"][0]["ReadEndpoint"]["Port"]
      client = redis.Redis(port=pport)
      client.set("a", "1")
      # The endpoint connection is the node's own client.
      clients = redis.Redis(port=node_port).execute_command("CLIENT", "LIST")
      if isinstance(clients, bytes):
        clients = clients.decode()
      self.assertIn(f"laddr=127.0.0.1:{pport}", clients)
      self.assertEqual(redis.Redis(port=rport).get("a"), b"1")

      mgr.kill_manager()
      deadline = time.time() + 2
      while time.time() < deadline:   # new connections each time
        self.assertTrue(serves(pport))
        self.assertTrue(serves(rport))
      self.assertEqual(client.get("a"), b"1")   # and the old one stays
      mgr.start()
      self.assertTrue(serves(pport))
      self.assertEqual(client.get("a"), b"1")

      # A node killed -9 comes back with its endpoints.
      with open(os.path.join(mgr.data_dir, "nodes", "ep-001",
                             "node.pid")) as f:
        os.kill(int(f.read()), signal.SIGKILL)
      deadline = time.time() + 15
      while not serves(pport):
        self.assertLess(time.time(), deadline, "endpoint not back")
        time.sleep(0.05)
      mgr.call("DeleteReplicationGroup", ReplicationGroupId="ep")
      for port in (pport, rport):
        with self.assertRaises(OSError):
          socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
      mgr.stop()

  def test_reader_endpoint_on_the_replica(self):
    """With a replica in sync the reader endpoint is the replica's own
    listener (read-only), the primary endpoint the primary's; both keep
    serving while the manager is down; after a failover the primary
    endpoint leads to the promoted replica."""
    mgr = ManagerProcess(down_after_ms=1000).start()
    try:
      mgr.call("CreateReplicationGroup", ReplicationGroupId="rep",
               Engine="vireo", ReplicasPerNodeGroup=1)
      g = mgr.wait_status("rep")
      ng = g["NodeGroups"][0]
      pport = ng["PrimaryEndpoint"]["Port"]
      rport = ng["ReaderEndpoint"]["Port"]
      primary = redis.Redis(port=pport)
      primary.set("a", "1")
      self.assertEqual(primary.wait(1, 5000), 1)
      deadline = time.time() + 10
      while redis.Redis(port=rport).info("replication")["role"] != "slave":
        self.assertLess(time.time(), deadline, "reader not on the replica")
        time.sleep(0.05)
      reader = redis.Redis(port=rport)
      self.assertEqual(reader.get("a"), b"1")
      with self.assertRaises(redis.ReadOnlyError):
        reader.set("b", "2")
      mgr.kill_manager()
      self.assertEqual(redis.Redis(port=rport).get("a"), b"1")
      self.assertTrue(serves(pport))
      mgr.start()
      mgr.wait_status("rep")
      mgr.call("TestFailover", ReplicationGroupId="rep", NodeGroupId="0001")
      deadline = time.time() + 10
      while True:
        try:
          c = redis.Redis(port=pport, socket_timeout=1)
          if c.info("replication")["role"] == "master" and \
              c.get("a") == b"1" and c.set("after", "failover"):
            break
        except redis.RedisError:
          pass
        self.assertLess(time.time(), deadline, "no primary after failover")
        time.sleep(0.05)
      g = mgr.group("rep")
      now = [x for x in g["NodeGroups"][0]["NodeGroupMembers"]
             if x["CurrentRole"] == "primary"][0]["CacheClusterId"]
      self.assertEqual(now, "rep-002")
      mgr.call("DeleteReplicationGroup", ReplicationGroupId="rep")
    finally:
      mgr.stop()


if __name__ == "__main__":
  unittest.main()
