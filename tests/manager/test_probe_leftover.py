"""A command probe a killed manager left running is stopped by the next one.

Before its first node start a manager runs the engine binary once on a
node-range port to learn its command names (engines.commands). A manager
killed during that probe used to leave the probe process running forever,
holding a node port, in a temp directory nobody looked at. The probe now
runs in a directory under the nodes directory, where a restarted manager
stops every process no node wants and removes the directory."""

import os
import stat
import threading
import time
import unittest

from harness import ManagerProcess


def _procs_under(directory):
  """Live processes running in a probe directory under `directory`."""
  out = []
  for pid in os.listdir("/proc"):
    if not pid.isdigit():
      continue
    try:
      cwd = os.readlink(f"/proc/{pid}/cwd")
      with open(f"/proc/{pid}/stat") as f:
        if f.read().split(") ", 1)[1][:1] in ("Z", "X"):
          continue
    except (OSError, IndexError):
      continue
    if cwd.startswith(os.path.join(directory, ".probe-")):
      out.append(int(pid))
  return out


class LeftOverProbe(unittest.TestCase):
  def test_restarted_manager_stops_a_probe_its_predecessor_left(self):
    mgr = ManagerProcess()
    # An engine binary that never answers holds the manager in its probe.
    fake = os.path.join(mgr.tmp, "silent-server")
    with open(fake, "w") as f:
      f.write("#!/bin/sh\nexec sleep 120\n")
    os.chmod(fake, stat.S_IRWXU)
    mgr.fault_env = {"VIREO_REDIS_SERVER": fake}
    mgr.start()
    nodes = os.path.join(mgr.data_dir, "nodes")
    try:
      t = threading.Thread(target=lambda: _quiet(
          mgr.call, "CreateReplicationGroup", ReplicationGroupId="pr",
          Engine="redis", ReplicasPerNodeGroup=0), daemon=True)
      t.start()
      deadline = time.time() + 10
      while not _procs_under(nodes) and time.time() < deadline:
        time.sleep(0.05)
      probes = _procs_under(nodes)
      self.assertTrue(probes, "the probe does not run under the nodes "
                      "directory")
      mgr.kill_manager()
      t.join(10)
      mgr.fault_env = None
      mgr.start()
      deadline = time.time() + 10
      while _procs_under(nodes) and time.time() < deadline:
        time.sleep(0.05)
      self.assertEqual(_procs_under(nodes), [],
                       "the left-over probe still runs")
      # (The resumed create may probe again meanwhile, in a directory it
      # removes itself.)
      deadline = time.time() + 10
      while time.time() < deadline and [
          e for e in os.listdir(nodes) if e.startswith(".")]:
        time.sleep(0.05)
      self.assertEqual([e for e in os.listdir(nodes) if e.startswith(".")],
                       [])
    finally:
      mgr.stop(remove=not os.environ.get("KEEP"))


def _quiet(fn, *args, **kw):
  try:
    fn(*args, **kw)
  except Exception:
    pass


if __name__ == "__main__":
  unittest.main()
