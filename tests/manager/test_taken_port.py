"""A node whose port another socket took while it was down.

The kernel gives outgoing connections local ports from its ephemeral range;
with node ports in that range (as a crash-matrix run had) a killed
replica's port was taken by a connection made while it was down, the
replica exited at every restart ("Address already in use") and the group
never had both replicas again. Now the manager refuses such port ranges and
moves a replica whose port is taken to a free one (a primary is failed over
first, then moves as a replica). The port is held here the
while the manager and the replica are both down (the crash matrix's seed 220061898
killed both replicas and the manager)."""

import os
import signal
import socket
import subprocess
import time
import unittest

import redis

from harness import MANAGER, PY, ManagerProcess, for_engines
import harness

from vireo_manager import ports  # noqa: E402  (harness put it on the path)


def _wait_dead(pid, timeout=5):
  deadline = time.time() + timeout
  while time.time() < deadline:
    try:
      with open(f"/proc/{pid}/stat") as f:
        if f.read().split(") ", 1)[1][:1] in ("Z", "X"):
          return
    except OSError:
      return
    time.sleep(0.02)


def _hold(port):
  """A listener on `port`, once the killed node's last thread let it go
  (its leader shows as a zombie before the other threads have exited)."""
  deadline = time.time() + 5
  while True:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
      s.bind(("127.0.0.1", port))
      s.listen(1)
      return s
    except OSError:
      s.close()
      if time.time() > deadline:
        raise
      time.sleep(0.01)


@for_engines
class TakenPort:
  def test_replica_whose_port_is_taken_moves_and_catches_up(self):
    mgr = ManagerProcess(down_after_ms=500).start()
    hold = None
    try:
      mgr.call("CreateReplicationGroup", ReplicationGroupId="tp",
               Engine=self.ENGINE, ReplicasPerNodeGroup=2,
               AutomaticFailoverEnabled=False)
      g = mgr.wait_status("tp", timeout=30)
      ng = g["NodeGroups"][0]
      ep = ng["PrimaryEndpoint"]["Port"]
      members = {m["CacheClusterId"]: m for m in ng["NodeGroupMembers"]}
      victim = sorted(k for k, m in members.items()
                      if m["CurrentRole"] == "replica")[0]
      old_port = members[victim]["ReadEndpoint"]["Port"]
      c = redis.Redis(port=ep, socket_timeout=2)
      c.set("before", "1")
      self.assertEqual(c.execute_command("WAIT", 2, 5000), 2)

      mgr.kill_manager()
      with open(os.path.join(mgr.data_dir, "nodes", victim,
                             "node.pid")) as f:
        pid = int(f.read())
      os.kill(pid, signal.SIGKILL)
      _wait_dead(pid)
      # In the crash matrix a connection made while the replica was down
      # got its port as local port. A test cannot make the kernel choose
      # that port, and a plain bind to it is refused while the killed
      # node's connections sit in TIME_WAIT; a listener (SO_REUSEADDR
      # passes TIME_WAIT) holds it against the node just the same.
      hold = _hold(old_port)
      mgr.start()

      deadline = time.time() + 30
      acked = 0
      while time.time() < deadline:
        try:
          c.set("after", "2")
          acked = c.execute_command("WAIT", 2, 1000)
          if acked >= 2:
            break
        except redis.RedisError:
          pass
        time.sleep(0.1)
      self.assertEqual(acked, 2, "the group never had both replicas again")
      g = mgr.wait_status("tp", timeout=10)
      moved = {m["CacheClusterId"]: m for m in
               g["NodeGroups"][0]["NodeGroupMembers"]}[victim]
      new_port = moved["ReadEndpoint"]["Port"]
      self.assertNotEqual(new_port, old_port)
      r = redis.Redis(port=new_port, socket_timeout=2)
      self.assertEqual(r.get("before"), b"1")
      self.assertEqual(r.get("after"), b"2")
      self.assertEqual(r.execute_command("ROLE")[0], b"slave")
      events = mgr.call("DescribeEvents", SourceIdentifier=victim,
                        SourceType="cache-cluster", Duration=60)
      text = str(events)
      self.assertIn(f"moved from port {old_port} to port {new_port}", text)
      mgr.call("DeleteReplicationGroup", ReplicationGroupId="tp")
    finally:
      if hold:
        hold.close()
      mgr.stop()

  def test_primary_whose_port_is_taken_is_failed_over_then_moves(self):
    mgr = ManagerProcess(down_after_ms=500).start()
    hold = None
    try:
      mgr.call("CreateReplicationGroup", ReplicationGroupId="tq",
               Engine=self.ENGINE, ReplicasPerNodeGroup=1,
               AutomaticFailoverEnabled=False)
      g = mgr.wait_status("tq", timeout=30)
      ng = g["NodeGroups"][0]
      ep = ng["PrimaryEndpoint"]["Port"]
      old = next(m for m in ng["NodeGroupMembers"]
                 if m["CurrentRole"] == "primary")
      victim, old_port = old["CacheClusterId"], old["ReadEndpoint"]["Port"]
      c = redis.Redis(port=ep, socket_timeout=2)
      c.set("before", "1")
      self.assertEqual(c.execute_command("WAIT", 1, 5000), 1)
      mgr.kill_manager()
      with open(os.path.join(mgr.data_dir, "nodes", victim,
                             "node.pid")) as f:
        pid = int(f.read())
      os.kill(pid, signal.SIGKILL)
      _wait_dead(pid)
      hold = _hold(old_port)
      mgr.start()
      deadline = time.time() + 30
      acked = 0
      while time.time() < deadline:
        try:
          c = redis.Redis(port=ep, socket_timeout=2)
          c.set("after", "2")
          acked = c.execute_command("WAIT", 1, 1000)
          if acked >= 1:
            break
        except redis.RedisError:
          pass
        time.sleep(0.1)
      self.assertEqual(acked, 1, "the old primary never came back")
      g = mgr.wait_status("tq", timeout=10)
      m = {m["CacheClusterId"]: m for m in
           g["NodeGroups"][0]["NodeGroupMembers"]}[victim]
      self.assertEqual(m["CurrentRole"], "replica")
      self.assertNotEqual(m["ReadEndpoint"]["Port"], old_port)
      r = redis.Redis(port=m["ReadEndpoint"]["Port"], socket_timeout=2)
      self.assertEqual(r.get("before"), b"1")
      self.assertEqual(r.get("after"), b"2")
      mgr.call("DeleteReplicationGroup", ReplicationGroupId="tq")
    finally:
      if hold:
        hold.close()
      mgr.stop()


class EphemeralPorts(unittest.TestCase):
  def test_conflicts_leave_out_reserved_ports(self):
    self.assertEqual(ports.ephemeral_conflicts(30000, 32767,
                                               eph=(32768, 60999)), [])
    self.assertEqual(ports.ephemeral_conflicts(32760, 32770,
                                               eph=(32768, 60999),
                                               reserved={32769}),
                     [32768, 32770])
    self.assertIsNone(ports.conflict_message("--node-ports", 1, 2,
                                             eph=(32768, 60999)))

  def test_manager_refuses_node_ports_in_the_ephemeral_range(self):
    lo, hi = ports.ephemeral_range()
    start = lo + 100
    if ports.ephemeral_conflicts(start, start + 9) != \
        list(range(start, start + 10)):
      self.skipTest("this host reserves ports in its ephemeral range")
    tmp = os.path.join(harness.tempfile.mkdtemp(prefix="vireo-mgr-test-"))
    try:
      p = subprocess.run(
          [PY, MANAGER, "--data-dir", os.path.join(tmp, "data"),
           "--listen", "127.0.0.1:1", "--node-ports",
           f"{start}-{start + 9}"], capture_output=True, timeout=30)
      self.assertEqual(p.returncode, 2, p.stderr)
      err = p.stderr.decode()
      self.assertIn(f"--node-ports {start}-{start + 9} overlaps the "
                    f"kernel's ephemeral port range {lo}-{hi}", err)
    finally:
      harness.shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
  unittest.main()
