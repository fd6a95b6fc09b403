"""Fault-injection points: where tests make the manager die mid-operation.

Every step of a durable operation (ops.py) is a named point
"<operation>:<step>". When the environment variable VIREO_MANAGER_FAULT
names one, the manager exits with status 137 the moment it passes there,
as a kill -9 would leave it (no cleanup, node processes keep running).
Without the variable a point costs one dictionary lookup. Only tests set it.

POINTS lists every point, so a test can walk all of them.
Threading: read-only after import; safe anywhere.
"""

import os
import sys

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


def all_points():
  return [f"{op}:{step}" for op, steps in POINTS.items() for step in steps]


def point(name):
  if _ARMED and name == _ARMED:
    sys.stderr.write(f"vireo-manager: fault point {name}: exiting\n")
    sys.stderr.flush()
    os._exit(137)
