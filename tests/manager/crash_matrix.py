"""The crash-test matrix: kill -9 any mix of manager, primary and replicas
during a write load, let everything restart, and count the acknowledged
writes lost and the deleted keys that came back (both must be 0).

One run: a group (engine vireo or redis, the caller's choice) with two
replicas; a writer sets new keys and deletes acknowledged ones through the
primary endpoint (automatic failover on or off at random), each followed by WAIT 2 (a write is acknowledged only when
both replicas have it, so it survives any crash that leaves one node); at a
random point some of {manager, primary, replica, replica} (never all three
nodes) are killed with SIGKILL in a random order with random gaps, a killed
manager is restarted after a random delay, the load goes on, then the group
must converge (available, replicas in sync) and every acknowledged write
must read back. Used by test_crash_matrix.py (a small sample in make test)
and bench/crash_matrix.py (200 runs in make bench). Not thread-safe.
"""

import os
import random
import signal
import threading
import time

import redis


class Load:
  """The writer thread and what it knows for sure."""

  def __init__(self, port, rng):
    self.port = port
    self.rng = rng
    self.acked = {}        # key -> value, acknowledged by both replicas
    self.deleted = set()   # keys whose DEL was acknowledged
    self.stop = threading.Event()
    self.ops = 0
    self.thread = threading.Thread(target=self._run, daemon=True)

  def _run(self):
    c = redis.Redis(port=self.port, socket_timeout=1,
                    socket_connect_timeout=1)
    n = 0
    while not self.stop.is_set():
      n += 1
      if self.acked and self.rng.random() < 0.3:
        key = self.rng.choice(sorted(self.acked))
        value = None
      else:
        key, value = f"k{n}", f"v{n}"
      # Until acknowledged the key's state is unknown: forget it.
      self.acked.pop(key, None)
      try:
        if value is None:
          c.delete(key)
        else:
          c.set(key, value)
        if c.execute_command("WAIT", 2, 300) >= 2:
          if value is None:
            self.deleted.add(key)
          else:
            self.acked[key] = value
          self.ops += 1
      except redis.RedisError:
        time.sleep(0.02)

  def start(self):
    self.thread.start()

  def finish(self):
    self.stop.set()
    self.thread.join(10)


def _pid(mgr, node_id):
  with open(os.path.join(mgr.data_dir, "nodes", node_id, "node.pid")) as f:
    return int(f.read())


def _kill(pid):
  try:
    os.kill(pid, signal.SIGKILL)
  except ProcessLookupError:
    pass


def run_one(mgr, seed, gid, engine="vireo"):
  """One random run; returns a dict with lost, resurrected, scenario."""
  rng = random.Random(seed)
  # With automatic failover off a crashed primary must still not come back
  # as primary (its data is gone): both settings are exercised.
  auto = rng.random() < 0.5
  mgr.call("CreateReplicationGroup", ReplicationGroupId=gid, Engine=engine,
           ReplicasPerNodeGroup=2, AutomaticFailoverEnabled=auto)
  g = mgr.wait_status(gid, timeout=30)
  ng = g["NodeGroups"][0]
  ep = ng["PrimaryEndpoint"]["Port"]
  roles = {m["CacheClusterId"]: m["CurrentRole"]
           for m in ng["NodeGroupMembers"]}
  primary = [k for k, v in roles.items() if v == "primary"][0]
  replicas = sorted(k for k, v in roles.items() if v == "replica")
  names = {"primary": primary, "replica1": replicas[0],
           "replica2": replicas[1]}

  # Victims: any non-empty mix that leaves at least one node running.
  while True:
    victims = [v for v in ("manager", "primary", "replica1", "replica2")
               if rng.random() < 0.5]
    if victims and sum(v != "manager" for v in victims) < 3:
      break
  rng.shuffle(victims)
  load = Load(ep, random.Random(seed + 1))
  load.start()
  # Crash under load: wait for the first acknowledged write (replicas of a
  # group just created may still be in their first sync on a busy machine).
  deadline = time.time() + 20
  while load.ops == 0 and time.time() < deadline:
    time.sleep(0.02)
  time.sleep(rng.uniform(0.2, 1.0))
  pids = {v: _pid(mgr, names[v]) for v in victims if v != "manager"}
  manager_killed_at = None
  for v in victims:
    if v == "manager":
      mgr.kill_manager()
      manager_killed_at = time.time()
    else:
      _kill(pids[v])
    time.sleep(rng.uniform(0, 0.3))
  if manager_killed_at is not None:
    time.sleep(rng.uniform(0, 1.5))
    mgr.start()
  time.sleep(rng.uniform(0.5, 1.5))
  load.finish()

  # Converge: the group is available and both replicas follow the primary.
  mgr.wait_status(gid, timeout=40)
  c = redis.Redis(port=ep, socket_timeout=2)
  deadline = time.time() + 40
  while True:
    try:
      c.set("__probe", "1")
      if c.execute_command("WAIT", 2, 1000) >= 2:
        break
    except redis.RedisError:
      pass
    if time.time() > deadline:
      raise AssertionError(f"run {seed}: group {gid} did not converge "
                           f"after killing {victims}")
    time.sleep(0.05)
  lost = [k for k, v in load.acked.items() if c.get(k) != v.encode()]
  back = [k for k in load.deleted if c.exists(k)]
  mgr.call("DeleteReplicationGroup", ReplicationGroupId=gid)
  return {"seed": seed, "engine": engine, "victims": victims, "auto_failover": auto, "acked": len(load.acked),
          "deleted": len(load.deleted), "lost": lost, "resurrected": back}
