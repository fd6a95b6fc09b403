"""The operation journal: every multi-step action as a durable state machine.

An action that changes processes or files in several steps (create, delete,
add/remove replicas, failover, snapshot, restore, modify) writes an op
document into the store, in the same transaction as its first state change,
before its first side effect; it records each step as it completes and
deletes the op when done. A manager that restarts finds the ops still in the
store and hands each to its kind's resume function (registered here by
groups.py, snapshots.py and failover.py), which finishes or undoes it; which
one is said next to each function. Every step is also a fault-injection
point (faults.py), which is how tests kill the manager at each of them.

Threading: an Op belongs to the thread running its action; the store
serializes the writes.
"""

import time

from . import faults

_resumers = {}   # kind -> fn(manager, op)


def register(kind, fn):
  _resumers[kind] = fn


class Op:
  def __init__(self, m, doc):
    self.m = m
    self.doc = doc

  @property
  def id(self):
    return self.doc["id"]

  @property
  def data(self):
    return self.doc["data"]

  @property
  def step_name(self):
    return self.doc["step"]

  def done(self, step):
    """True when `step` was recorded (steps are ordered, see faults.POINTS)."""
    steps = faults.POINTS[self.doc["kind"]]
    return steps.index(self.doc["step"]) >= steps.index(step)

  def step(self, name, changes=(), **data):
    """Records step `name` (with extra data and store changes, atomically),
    then passes its fault point."""
    self.doc["step"] = name
    self.doc["data"].update(data)
    self.m.store.batch([("put", "ops", self.id, self.doc), *changes])
    faults.point(f"{self.doc['kind']}:{name}")

  def finish(self, changes=()):
    self.m.store.batch([("delete", "ops", self.id), *changes])


def begin(m, kind, group_id, data, changes=()):
  """Starts an op; `changes` are applied in the same transaction (so e.g. a
  group never shows "modifying" without the op that will end it). Returns
  the Op, or None when an "insert" among the changes found its id taken."""
  doc = {"id": f"{kind}-{group_id}-{time.time_ns()}", "kind": kind,
         "group": group_id, "step": "begin", "data": dict(data),
         "started": time.time()}
  if not m.store.batch([*changes, ("put", "ops", doc["id"], doc)]):
    return None
  faults.point(f"{kind}:begin")
  return Op(m, doc)


def pending(m, group_id, kind=None):
  return [d for d in m.store.list("ops") if d["group"] == group_id and
          (kind is None or d["kind"] == kind)]


def resume_all(m):
  """Called once at manager start: finishes or undoes every op in flight."""
  for doc in sorted(m.store.list("ops"), key=lambda d: d["started"]):
    op = Op(m, doc)
    fn = _resumers.get(doc["kind"])
    m.log(f"resuming {doc['kind']} of {doc['group']} after step "
          f"{doc['step']}")
    try:
      if fn is None:
        raise RuntimeError(f"unknown operation kind {doc['kind']!r}")
      fn(m, op)
      m.stats.inc("vireo_manager_operations_resumed_total", kind=doc["kind"])
    except Exception as e:  # one bad op must not keep the manager down
      m.log(f"resuming {doc['id']} failed: {e!r}")
      m.events.add("replication-group", doc["group"],
                   f"Interrupted {doc['kind']} could not be resumed: {e}")
      m.store.delete("ops", doc["id"])
