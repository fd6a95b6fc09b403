"""Shared by test_interrupted_ops*.py. Interrupted operations: the manager is killed at every step of every
multi-step operation (the fault-injection points of faults.py, armed by
VIREO_MANAGER_FAULT) and a restarted manager must converge: no operation
left in its journal, no group stuck in creating/modifying/snapshotting/
deleting, every node the store wants running (and answering), no node
process running unsupervised, the data written before still there, and the
operation's effect either complete or undone as faults.py documents.

Every test class using it runs on both engines (harness.for_engines sets
ENGINE).
"""

import http.client
import json
import os
import sqlite3
import sys
import time
import unittest

import redis

from harness import ROOT, ApiFailure, ManagerProcess, node_pids_in

sys.path.insert(0, os.path.join(ROOT, "src", "manager"))
from vireo_manager import faults  # noqa: E402

TRANSITIONAL = ("creating", "modifying", "snapshotting", "deleting")


def store_rows(mgr, kind):
  db = sqlite3.connect(os.path.join(mgr.data_dir, "manager.db"), timeout=10)
  try:
    return [json.loads(r[0]) for r in
            db.execute(f"SELECT doc FROM {kind}").fetchall()]
  finally:
    db.close()


class InterruptedBase:
  ENGINE = "vireo"

  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess(down_after_ms=1000).start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.fault_env = None
    cls.mgr.stop()

  # --- helpers --------------------------------------------------------------
  def crash_at(self, point, action, **params):
    """Restarts the manager armed at `point`, runs the action, and checks
    that the manager died there; then restarts it unarmed."""
    m = self.mgr
    m.kill_manager()
    m.fault_env = {"VIREO_MANAGER_FAULT": point}
    m.start()
    try:
      m.call(action, **params)
    except (OSError, ApiFailure, http.client.HTTPException):
      pass   # the manager died mid-call (even mid-reply: a background
             # step, such as a snapshot's, can fire while it answers)
    try:
      code = m.proc.wait(20)
    except Exception:
      self.fail(f"{point}: the manager did not die at the fault point")
    self.assertEqual(code, 137, f"{point}: manager exit status")
    m.fault_env = None
    m.start()

  def converge(self, point, timeout=30):
    """Waits until the store and the processes agree; returns the groups."""
    m = self.mgr
    deadline = time.time() + timeout
    while True:
      problem = self._problem()
      if problem is None:
        return {g["ReplicationGroupId"]: g
                for g in store_rows(m, "groups")}
      if time.time() > deadline:
        self.fail(f"{point}: not converged after {timeout} s: {problem}")
      time.sleep(0.1)

  def _problem(self):
    m = self.mgr
    ops = store_rows(m, "ops")
    if ops:
      return f"operations in flight: {[o['id'] for o in ops]}"
    for g in store_rows(m, "groups"):
      if g["Status"] in TRANSITIONAL:
        return f"group {g['ReplicationGroupId']} is {g['Status']}"
    wanted = set()
    for n in store_rows(m, "nodes"):
      if n["desired"] != "running":
        return f"node {n['id']} is {n['desired']}"
      try:
        with open(os.path.join(n["dir"], "node.pid")) as f:
          pid = int(f.read())
        redis.Redis(port=n["port"], socket_timeout=1).ping()
      except (OSError, ValueError, redis.RedisError) as e:
        return f"node {n['id']} does not run: {e}"
      wanted.add(pid)
    running = set(node_pids_in(os.path.join(m.data_dir, "nodes")))
    children = {p for p in running if _ppid(p) in running}
    stray = running - children - wanted
    if stray:
      return f"unsupervised node processes {sorted(stray)}"
    return None

  def group(self, gid, engine, replicas, **extra):
    self.mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
                  Engine=engine, ReplicasPerNodeGroup=replicas, **extra)
    g = self.mgr.wait_status(gid)
    client = self.client(g)
    for i in range(100):
      client.set(f"k{i}", f"v{i}")
    if replicas:
      client.wait(replicas, 2000)
    return g

  def client(self, g):
    port = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    return redis.Redis(port=port, socket_timeout=2)

  def data_intact(self, point, gid):
    g = self.mgr.wait_status(gid)
    deadline = time.time() + 10
    while True:
      try:
        self.assertEqual(self.client(g).mget([f"k{i}" for i in range(100)]),
                         [f"v{i}".encode() for i in range(100)], point)
        return g
      except (redis.ConnectionError, redis.TimeoutError):
        if time.time() > deadline:
          raise
        time.sleep(0.1)

def _primary(g):
  return [x["CacheClusterId"] for x in g["NodeGroups"][0]["NodeGroupMembers"]
          if x["CurrentRole"] == "primary"][0]


def _ppid(pid):
  try:
    with open(f"/proc/{pid}/stat") as f:
      return int(f.read().rsplit(") ", 1)[1].split()[1])
  except (OSError, IndexError, ValueError):
    return 0

