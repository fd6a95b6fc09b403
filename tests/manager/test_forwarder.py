"""The endpoints outlive the manager, follow failovers and spread reads, on
both engines; a 1 MiB value (bigger than a forwarder pipe) passes both ways (engine vireo: the nodes' own listeners; engine redis: the
vireo-forwarder process, which the manager restarts when it dies).
"""

import os
import signal
import socket
import time
import unittest

import redis

from harness import ManagerProcess, for_engines


def ports_of(g):
  ng = g["NodeGroups"][0]
  return ng["PrimaryEndpoint"]["Port"], ng["ReaderEndpoint"]["Port"]


def node_port_behind(port):
  """The node a new connection through `port` reaches."""
  c = redis.Redis(port=port, socket_timeout=2, socket_connect_timeout=2)
  try:
    return int(c.info("server")["tcp_port"])
  finally:
    c.close()


def wait_for(pred, timeout, what):
  deadline = time.time() + timeout
  while True:
    try:
      if pred():
        return
    except (redis.RedisError, OSError):
      pass
    if time.time() > deadline:
      raise AssertionError(f"timed out: {what}")
    time.sleep(0.05)


def forwarder_pid(mgr):
  with open(os.path.join(mgr.data_dir, "forwarder", "forwarder.pid")) as f:
    return int(f.read())


@for_engines
class EndpointsOutliveTheManager:
  def test_serve_through_manager_kill_and_restart(self):
    mgr = ManagerProcess(endpoint_mode="forwarder").start()
    try:
      gid = f"fw{self.ENGINE}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               Engine=self.ENGINE, ReplicasPerNodeGroup=1)
      pport, rport = ports_of(mgr.wait_status(gid))
      writer = redis.Redis(port=pport, socket_timeout=2)
      reader = redis.Redis(port=rport, socket_timeout=2)
      big = os.urandom(1 << 20)   # larger than a pipe: backpressure
      writer.set("big", big)
      self.assertEqual(writer.wait(1, 5000), 1)
      wait_for(lambda: reader.get("big") == big, 10, "reader has the value")
      mgr.kill_manager()
      for i in range(50):   # existing and new connections keep working
        writer.set(f"k{i}", i)
        self.assertEqual(redis.Redis(port=pport, socket_timeout=2).get(
            f"k{i}"), str(i).encode())
      self.assertEqual(reader.get("big"), big)
      mgr.start()
      mgr.wait_status(gid)
      # The same connections still work after the restart (none was cut).
      self.assertEqual(writer.get("k49"), b"49")
      self.assertEqual(reader.get("big"), big)
      time.sleep(1)   # a few health rounds: the reader set is settled
      self.assertEqual(writer.incr("n"), 1)
      self.assertEqual(reader.get("big"), big)
      mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
      wait_for(lambda: not _accepts(pport), 10, "endpoint closed")
    finally:
      mgr.stop()

  def test_failover_moves_the_primary_endpoint(self):
    mgr = ManagerProcess(endpoint_mode="forwarder").start()
    try:
      gid = f"fo{self.ENGINE}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               Engine=self.ENGINE, ReplicasPerNodeGroup=1,
               AutomaticFailoverEnabled=True)
      g = mgr.wait_status(gid)
      pport, _ = ports_of(g)
      first = node_port_behind(pport)
      old = redis.Redis(port=pport, socket_timeout=2)
      old.set("a", "1")
      self.assertEqual(old.wait(1, 5000), 1)
      mgr.call("TestFailover", ReplicationGroupId=gid, NodeGroupId="0001")
      mgr.wait_status(gid)
      wait_for(lambda: node_port_behind(pport) != first, 10,
               "primary endpoint on the new primary")
      c = redis.Redis(port=pport, socket_timeout=2)
      self.assertEqual(c.info("replication")["role"], "master")
      self.assertEqual(c.get("a"), b"1")
      self.assertTrue(c.set("b", "2"))
      if self.ENGINE == "redis":
        # The forwarder closed the connections to the old primary: the
        # client notices and (redis-py retries once) lands on the new one.
        raw = socket.create_connection(("127.0.0.1", pport))
        raw.sendall(b"PING\r\n")
        self.assertEqual(raw.recv(64), b"+PONG\r\n")
        mgr.call("TestFailover", ReplicationGroupId=gid, NodeGroupId="0001")
        mgr.wait_status(gid)
        raw.settimeout(10)
        self.assertEqual(raw.recv(64), b"")   # closed by the forwarder
        raw.close()
    finally:
      mgr.stop()

  def test_reader_endpoint_spreads(self):
    mgr = ManagerProcess(endpoint_mode="forwarder").start()
    try:
      gid = f"rd{self.ENGINE}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               Engine=self.ENGINE, ReplicasPerNodeGroup=2)
      g = mgr.wait_status(gid)
      _, rport = ports_of(g)
      members = g["NodeGroups"][0]["NodeGroupMembers"]
      replicas = {m["ReadEndpoint"]["Port"] for m in members
                  if m["CurrentRole"] == "replica"}
      seen = set()
      deadline = time.time() + 15
      while seen != replicas:
        self.assertLess(time.time(), deadline,
                        f"reader reached {seen}, replicas {replicas}")
        try:
          seen.add(node_port_behind(rport))
        except redis.RedisError:
          pass
        time.sleep(0.02)
      # Once both replicas are in sync, 20 new connections alternate.
      got = [node_port_behind(rport) for _ in range(20)]
      self.assertEqual(set(got), replicas)
      if self.ENGINE == "redis":
        # The forwarder goes round-robin (engine vireo's shared listeners
        # are spread by the kernel's SO_REUSEPORT hash instead).
        self.assertEqual(got.count(min(replicas)), 10)
    finally:
      mgr.stop()


class ForwarderRestarted(unittest.TestCase):
  def test_killed_forwarder_is_restarted(self):
    mgr = ManagerProcess(endpoint_mode="forwarder").start()
    try:
      mgr.call("CreateReplicationGroup", ReplicationGroupId="fk",
               Engine="redis")
      pport, rport = ports_of(mgr.wait_status("fk"))
      redis.Redis(port=pport).set("x", "1")
      pid = forwarder_pid(mgr)
      os.kill(pid, signal.SIGKILL)
      wait_for(lambda: forwarder_pid(mgr) != pid and
               redis.Redis(port=pport, socket_timeout=1).get("x") == b"1"
               and redis.Redis(port=rport, socket_timeout=1).get("x") ==
               b"1", 10, "forwarder restarted")
      # Stopped with the manager only when asked (--stop-nodes-on-exit);
      # the harness's stop kills what is left.
    finally:
      mgr.stop()


def _accepts(port):
  try:
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
    return True
  except OSError:
    return False


if __name__ == "__main__":
  unittest.main()
