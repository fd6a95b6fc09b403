"""Engine redis endpoints as kernel NAT rules (nftables, src/manager/
vireo_manager/nat.py): they serve through a manager SIGKILL and restart
with no process behind them, follow a failover and cut the connections to
the old primary, spread reader connections, and disappear with the group.
Skipped where NAT endpoints cannot run (not root, no nft/conntrack/ss);
CI runs as root with those packages (scripts/setup.sh).
"""

import os
import socket
import subprocess
import time
import unittest

import redis

from harness import ManagerProcess, vireo_nat

WHY_NOT = vireo_nat.available()


def ports_of(g):
  ng = g["NodeGroups"][0]
  return ng["PrimaryEndpoint"]["Port"], ng["ReaderEndpoint"]["Port"]


def node_port_behind(port):
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


def tables():
  return subprocess.run(["nft", "list", "tables"], capture_output=True,
                        text=True, check=True).stdout


@unittest.skipIf(WHY_NOT, f"NAT endpoints unavailable: {WHY_NOT}")
class NatEndpoints(unittest.TestCase):
  def start(self, **kw):
    mgr = ManagerProcess(endpoint_mode="nat", **kw).start()
    self.addCleanup(mgr.stop)
    return mgr

  def test_serve_through_manager_kill_and_restart(self):
    mgr = self.start()
    mgr.call("CreateReplicationGroup", ReplicationGroupId="natk",
             Engine="redis", ReplicasPerNodeGroup=1)
    pport, rport = ports_of(mgr.wait_status("natk"))
    self.assertIn(f"table inet {mgr.nat_table()}", tables())
    # No relay process: the forwarder was never started.
    self.assertFalse(os.path.exists(
        os.path.join(mgr.data_dir, "forwarder", "forwarder.pid")))
    writer = redis.Redis(port=pport, socket_timeout=2)
    reader = redis.Redis(port=rport, socket_timeout=2)
    big = os.urandom(1 << 20)
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
    mgr.wait_status("natk")
    time.sleep(1)   # a few health rounds: the re-asserted table is settled
    # The same connections still work after the restart (none was cut).
    self.assertEqual(writer.get("k49"), b"49")
    self.assertEqual(reader.get("big"), big)
    self.assertEqual(writer.incr("n"), 1)

  def test_failover_moves_the_primary_endpoint_and_cuts(self):
    mgr = self.start()
    mgr.call("CreateReplicationGroup", ReplicationGroupId="natf",
             Engine="redis", ReplicasPerNodeGroup=1,
             AutomaticFailoverEnabled=True)
    pport, _ = ports_of(mgr.wait_status("natf"))
    first = node_port_behind(pport)
    old = redis.Redis(port=pport, socket_timeout=2)
    old.set("a", "1")
    self.assertEqual(old.wait(1, 5000), 1)
    raw = socket.create_connection(("127.0.0.1", pport))
    raw.sendall(b"PING\r\n")
    self.assertEqual(raw.recv(64), b"+PONG\r\n")
    mgr.call("TestFailover", ReplicationGroupId="natf", NodeGroupId="0001")
    mgr.wait_status("natf")
    wait_for(lambda: node_port_behind(pport) != first, 10,
             "primary endpoint on the new primary")
    # The idle connection to the old primary was ended, not left open.
    raw.settimeout(10)
    try:
      self.assertEqual(raw.recv(64), b"")
    except (ConnectionAbortedError, ConnectionResetError):
      pass
    raw.close()
    c = redis.Redis(port=pport, socket_timeout=2)
    self.assertEqual(c.info("replication")["role"], "master")
    self.assertEqual(c.get("a"), b"1")
    self.assertTrue(c.set("b", "2"))
    # The demoted node no longer has a client that came through the
    # endpoint (only the manager's and its replication links may remain).
    demoted = redis.Redis(port=first, socket_timeout=2)
    wait_for(lambda: demoted.info("replication")["role"] == "slave", 10,
             "old primary demoted")

  def test_reader_endpoint_spreads(self):
    mgr = self.start()
    mgr.call("CreateReplicationGroup", ReplicationGroupId="natr",
             Engine="redis", ReplicasPerNodeGroup=2)
    g = mgr.wait_status("natr")
    _, rport = ports_of(g)
    members = g["NodeGroups"][0]["NodeGroupMembers"]
    replicas = {m["ReadEndpoint"]["Port"] for m in members
                if m["CurrentRole"] == "replica"}
    # Until both replicas are in sync the reader endpoint also (or only)
    # leads to the primary: wait for a run of connections that reach the
    # replicas only and has seen both.
    seen = set()
    deadline = time.time() + 15
    while seen != replicas:
      self.assertLess(time.time(), deadline,
                      f"reader reached {seen}, replicas {replicas}")
      try:
        port = node_port_behind(rport)
        seen = seen | {port} if port in replicas else set()
      except redis.RedisError:
        pass
      time.sleep(0.02)
    # numgen inc: new connections alternate between the replicas.
    got = [node_port_behind(rport) for _ in range(20)]
    self.assertEqual(set(got), replicas)
    self.assertEqual(got.count(min(replicas)), 10)

  def test_delete_removes_the_table(self):
    mgr = self.start()
    mgr.call("CreateReplicationGroup", ReplicationGroupId="natd",
             Engine="redis")
    pport, _ = ports_of(mgr.wait_status("natd"))
    self.assertIn(f"table inet {mgr.nat_table()}", tables())
    mgr.call("DeleteReplicationGroup", ReplicationGroupId="natd")
    wait_for(lambda: f"table inet {mgr.nat_table()}" not in tables(), 10,
             "table removed")
    with self.assertRaises(OSError):
      socket.create_connection(("127.0.0.1", pport), timeout=1).close()

  def test_stale_table_replaced_and_cleanup_on_exit(self):
    mgr = self.start()
    # A table left by a dead manager of this data dir, with a bogus rule.
    subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
        f"table inet {mgr.nat_table()} {{\n chain output {{\n  type nat "
        "hook output priority -100; policy accept;\n  ip daddr 127.0.0.1 "
        "tcp dport 1 redirect to :2\n }\n}\n"))
    mgr.kill_manager()
    mgr.start()
    # No engine redis group: the stale table is removed at start.
    wait_for(lambda: f"table inet {mgr.nat_table()}" not in tables(), 10,
             "stale table removed")
    mgr.call("CreateReplicationGroup", ReplicationGroupId="nats",
             Engine="redis")
    pport, _ = ports_of(mgr.wait_status("nats"))
    self.assertIn(f"table inet {mgr.nat_table()}", tables())
    # An ordinary stop (SIGTERM) leaves the rules serving.
    mgr.proc.terminate()
    mgr.proc.wait(10)
    self.assertIn(f"table inet {mgr.nat_table()}", tables())
    self.assertTrue(redis.Redis(port=pport, socket_timeout=2).set("s", "1"))
    # Stopped with --stop-nodes-on-exit (cleanup): the rules go too.
    mgr.extra_args.append("--stop-nodes-on-exit")
    mgr.start()
    mgr.proc.terminate()
    mgr.proc.wait(10)
    self.assertNotIn(f"table inet {mgr.nat_table()}", tables())

  def test_switching_endpoint_mode_retires_the_other(self):
    """A manager restarted in the other mode takes the endpoints over: the
    forwarder an earlier manager left is stopped once the NAT rules are in,
    and the NAT table is removed (its connections cut) once the forwarder
    listens, so the two never both claim the endpoint ports."""
    mgr = ManagerProcess(endpoint_mode="forwarder").start()
    self.addCleanup(mgr.stop)
    mgr.call("CreateReplicationGroup", ReplicationGroupId="natm",
             Engine="redis")
    pport, _ = ports_of(mgr.wait_status("natm"))
    pid_file = os.path.join(mgr.data_dir, "forwarder", "forwarder.pid")
    with open(pid_file) as f:
      fpid = int(f.read())
    redis.Redis(port=pport, socket_timeout=2).set("m", "1")
    mgr.kill_manager()
    mgr.extra_args = ["--endpoint-mode", "nat"]
    mgr.start()
    mgr.wait_status("natm")
    self.assertIn(f"table inet {mgr.nat_table()}", tables())
    wait_for(lambda: not os.path.exists(f"/proc/{fpid}"), 10,
             "the forwarder stopped")
    self.assertEqual(redis.Redis(port=pport, socket_timeout=2).get("m"),
                     b"1")
    via_nat = socket.create_connection(("127.0.0.1", pport))
    via_nat.sendall(b"PING\r\n")
    self.assertEqual(via_nat.recv(64), b"+PONG\r\n")
    mgr.kill_manager()
    mgr.extra_args = ["--endpoint-mode", "forwarder"]
    mgr.start()
    mgr.wait_status("natm")
    self.assertNotIn(f"table inet {mgr.nat_table()}", tables())
    # The connection the NAT rule redirected was ended ...
    via_nat.settimeout(10)
    try:
      self.assertEqual(via_nat.recv(64), b"")
    except (ConnectionAbortedError, ConnectionResetError):
      pass
    via_nat.close()
    # ... and new ones reach the node through the new forwarder.
    with open(pid_file) as f:
      self.assertNotEqual(int(f.read()), fpid)
    self.assertEqual(redis.Redis(port=pport, socket_timeout=2).get("m"),
                     b"1")


class FallsBackToTheForwarder(unittest.TestCase):
  def test_auto_without_nft_uses_the_forwarder(self):
    """--endpoint-mode auto where NAT endpoints cannot run (here: nft and
    conntrack not on PATH) serves the endpoints with vireo-forwarder and
    says why in its log."""
    mgr = ManagerProcess(endpoint_mode="auto")
    mgr.fault_env = {"PATH": "/usr/bin:/bin"}
    self.addCleanup(mgr.stop)
    mgr.start()
    mgr.call("CreateReplicationGroup", ReplicationGroupId="natb",
             Engine="redis")
    pport, _ = ports_of(mgr.wait_status("natb"))
    self.assertTrue(os.path.exists(
        os.path.join(mgr.data_dir, "forwarder", "forwarder.pid")))
    if not WHY_NOT:
      self.assertNotIn(f"table inet {mgr.nat_table()}", tables())
    c = redis.Redis(port=pport, socket_timeout=2)
    self.assertTrue(c.set("x", "1"))
    with open(os.path.join(mgr.tmp, "manager.log")) as f:
      log = f.read()
    self.assertRegex(log, r"engine redis endpoints: forwarder \((not "
                     r"running as root|nft not found)\)")


class ForcedNatRefused(unittest.TestCase):
  def test_nat_mode_refused_where_unavailable(self):
    mgr = ManagerProcess(endpoint_mode="nat")
    mgr.fault_env = {"PATH": "/usr/bin:/bin"}   # no nft, no conntrack
    self.addCleanup(mgr.stop)
    with self.assertRaises(RuntimeError):
      mgr.start()


if __name__ == "__main__":
  unittest.main()
