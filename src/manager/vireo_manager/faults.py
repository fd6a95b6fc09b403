"""Fault-injection points: where tests make the manager die mid-operation.

Every step of a durable operation (ops.py) is a named point
"<operation>:<step>". When the environment variable VIREO_MANAGER_FAULT
names one, the manager exits with status 137 the moment it passes there,
as a kill -9 would leave it (no cleanup, node processes keep running).
Without the variable a point costs one dictionary lookup. Only tests set it.

VIREO_MANAGER_HOLD names points (comma-separated) where the operation
instead waits, so a test can hold a state that is otherwise a race (a
group mid-snapshot, a failover whose replica the test then stops): on reaching it the manager
creates "<point>.reached" in the directory VIREO_MANAGER_HOLD_DIR and
waits until the test creates "<point>.release" there (it removes both and
goes on). Each pass through the point holds again.

POINTS lists every point, so a test can walk all of them.
Threading: read-only after import; safe anywhere.
"""

import os
import sys
import time

# operation -> its steps in order; each step is recorded in the store
# before the point fires, so a restart sees the step as done.
POINTS = {
    "create": ("begin", "nodes-written", "primary-started",
               "replicas-started", "running"),
    "delete": ("begin", "snapshot-taken", "deleting", "stopped"),
    "snapshot": ("begin", "caught-up", "saved", "copied"),
    "increase": ("begin", "nodes-written", "started"),
    "decrease": ("begin", "stopped", "removed"),
    "failover": ("begin", "promoted", "recorded", "repointed"),
    "modify": ("begin", "recorded", "applied"),
}

_ARMED = os.environ.get("VIREO_MANAGER_FAULT", "")
_HOLD = frozenset(p for p in os.environ.get("VIREO_MANAGER_HOLD",
                                            "").split(",") if p)
_HOLD_DIR = os.environ.get("VIREO_MANAGER_HOLD_DIR", "")


def all_points():
  return [f"{op}:{step}" for op, steps in POINTS.items() for step in steps]


def point(name):
  if _ARMED and name == _ARMED:
    sys.stderr.write(f"vireo-manager: fault point {name}: exiting\n")
    sys.stderr.flush()
    os._exit(137)
  if _HOLD and name in _HOLD and _HOLD_DIR:
    _hold(name)


def _hold(name):
  reached = os.path.join(_HOLD_DIR, name + ".reached")
  release = os.path.join(_HOLD_DIR, name + ".release")
  with open(reached, "w"):
    pass
  while not os.path.exists(release):
    time.sleep(0.02)
  os.unlink(release)
  os.unlink(reached)
