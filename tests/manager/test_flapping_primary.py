"""A flapping primary loses no acknowledged write.

The primary of a group with two replicas stops answering (SIGSTOP) for about
down-after and then runs again (SIGCONT): just before the failover decision,
at it, during the failover and after it. Meanwhile clients connected straight
to the old primary (as Sentinel clients are) and one through the primary
endpoint write new keys, each followed by WAIT 1: a write is acknowledged when
its SET said OK and WAIT counted a replica. However the rounds go (failover or
not), once the group has settled every acknowledged key must be on the
primary. With two replicas a thawed old primary that was not fenced would get
WAIT 1 acknowledgements from the replica that was not promoted until it is
re-pointed, and those writes would then be dropped.

A second case restarts the manager while the primary is frozen: the new
manager must not take the frozen primary for one that answers (it has not
checked it yet), and must count down-after from its own start.

Both engines.
"""

import os
import signal
import threading
import time
import unittest

import redis

from harness import ManagerProcess, for_engines

DOWN_AFTER = 1.0
# When the primary runs again, as a fraction of down-after after it stopped.
THAW_AT = (0.9, 0.97, 1.0, 1.05, 1.3)


def members(g):
  return g["NodeGroups"][0]["NodeGroupMembers"]


def primary_of(g):
  return [x for x in members(g) if x["CurrentRole"] == "primary"][0]


def pid_of(mgr, node_id):
  with open(os.path.join(mgr.data_dir, "nodes", node_id, "node.pid")) as f:
    return int(f.read())


class Writer:
  """SET + WAIT 1 in a loop on one port; remembers what was acknowledged."""

  def __init__(self, port, prefix, acked):
    self.port, self.prefix, self.acked = port, prefix, acked
    self.stop = threading.Event()
    self.thread = threading.Thread(target=self._run, daemon=True)
    self.thread.start()

  def _run(self):
    c = redis.Redis(port=self.port, socket_timeout=2,
                    socket_connect_timeout=0.5)
    i = 0
    while not self.stop.is_set():
      i += 1
      key = f"{self.prefix}:{i}"
      try:
        p = c.pipeline(transaction=False)
        p.set(key, i)
        p.execute_command("WAIT", 1, 300)
        ok, n = p.execute(raise_on_error=False)
        if ok is True and isinstance(n, int) and n >= 1:
          self.acked.append(key)
      except redis.RedisError:
        time.sleep(0.01)

  def finish(self):
    self.stop.set()
    self.thread.join(10)


def settle(test, mgr, gid, timeout=30):
  """Waits until the group is available with one primary and every other
  member a replica of it, link up; returns the primary's port."""
  deadline = time.time() + timeout
  while True:
    try:
      g = mgr.group(gid)
      if g["Status"] == "available":
        ports = [m["ReadEndpoint"]["Port"] for m in members(g)]
        primary = primary_of(g)["ReadEndpoint"]["Port"]
        roles = {p: redis.Redis(port=p, socket_timeout=1).info("replication")
                 for p in ports}
        if all(r["role"] == "master" if p == primary else
               (r["role"] == "slave" and r["master_port"] == primary and
                r["master_link_status"] == "up")
               for p, r in roles.items()):
          return primary
    except redis.RedisError:
      pass
    test.assertLess(time.time(), deadline, "group did not settle")
    time.sleep(0.1)


def missing_on(port, keys):
  c = redis.Redis(port=port, socket_timeout=5)
  gone = []
  for i in range(0, len(keys), 500):
    batch = keys[i:i + 500]
    gone += [k for k, v in zip(batch, c.mget(batch)) if v is None]
  return gone


@for_engines
class FlappingPrimary:

  def test_thaw_around_the_failover(self):
    mgr = ManagerProcess(down_after_ms=int(DOWN_AFTER * 1000)).start()
    try:
      gid = f"flap{self.ENGINE}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               Engine=self.ENGINE, ReplicasPerNodeGroup=2,
               AutomaticFailoverEnabled=True)
      g = mgr.wait_status(gid)
      endpoint = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
      primary = settle(self, mgr, gid)
      failovers = 0
      for r, thaw_at in enumerate(THAW_AT):
        acked = []
        g = mgr.group(gid)
        old = primary_of(g)["CacheClusterId"]
        writers = [Writer(primary, f"r{r}d{j}", acked) for j in range(2)]
        writers.append(Writer(endpoint, f"r{r}e", acked))
        time.sleep(0.3)
        pid = pid_of(mgr, old)
        os.kill(pid, signal.SIGSTOP)
        time.sleep(DOWN_AFTER * thaw_at)
        try:
          os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
          pass   # fenced: the failover killed it
        time.sleep(1.5)   # writers go on against the thawed old primary
        for w in writers:
          w.finish()
        primary = settle(self, mgr, gid)
        new = primary_of(mgr.group(gid))["CacheClusterId"]
        failovers += new != old
        lost = missing_on(primary, acked)
        print(f"\n  {self.ENGINE}: thawed at {thaw_at:.2f} x down-after: "
              f"{'failover' if new != old else 'no failover'}, "
              f"{len(acked)} acknowledged, {len(lost)} lost", flush=True)
        self.assertGreater(len(acked), 0)
        self.assertEqual(lost[:10], [], f"thawed at {thaw_at}")
      # The late thaws are past down-after: they must have failed over.
      self.assertGreater(failovers, 0)
    finally:
      mgr.stop()

  def test_manager_restarts_while_primary_frozen(self):
    mgr = ManagerProcess(down_after_ms=int(DOWN_AFTER * 1000)).start()
    try:
      gid = f"flapr{self.ENGINE}"
      mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
               Engine=self.ENGINE, ReplicasPerNodeGroup=2,
               AutomaticFailoverEnabled=True)
      mgr.wait_status(gid)
      primary = settle(self, mgr, gid)
      old = primary_of(mgr.group(gid))["CacheClusterId"]
      for r, frozen_for in enumerate((0.5, 2.5)):
        acked = []
        writers = [Writer(primary, f"m{r}d{j}", acked) for j in range(2)]
        time.sleep(0.3)
        mgr.kill_manager()
        pid = pid_of(mgr, old)
        os.kill(pid, signal.SIGSTOP)
        mgr.start()
        time.sleep(frozen_for)
        try:
          os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
          pass
        time.sleep(1.5)
        for w in writers:
          w.finish()
        primary = settle(self, mgr, gid)
        new = primary_of(mgr.group(gid))["CacheClusterId"]
        lost = missing_on(primary, acked)
        print(f"\n  {self.ENGINE}: manager restarted, primary frozen "
              f"{frozen_for} s: {'failover' if new != old else 'no failover'}"
              f", {len(acked)} acknowledged, {len(lost)} lost", flush=True)
        self.assertEqual(lost[:10], [], f"frozen {frozen_for} s")
        if frozen_for < DOWN_AFTER:
          # Frozen for less than down-after since the manager started:
          # not a failure.
          self.assertEqual(new, old)
        old = new
    finally:
      mgr.stop()


if __name__ == "__main__":
  unittest.main()
