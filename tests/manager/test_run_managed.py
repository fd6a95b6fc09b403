"""`make run-managed` end to end: src/manager/vireo-run (what the make target
runs) starts a manager and the group `default` on each engine; redis-cli talks
to the printed primary endpoint; Ctrl-C stops everything."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import PY, ROOT, _claim_block, for_engines, node_pids_in

RUN = os.path.join(ROOT, "src", "manager", "vireo-run")


def cli(port, *args):
  return subprocess.run([shutil.which("redis-cli") or "redis-cli", "-p",
                         str(port), *args], capture_output=True, text=True,
                        timeout=10).stdout.strip()


@for_engines
class RunManaged:
  def test_run_managed(self):
    base = _claim_block()
    tmp = tempfile.mkdtemp(prefix="vireo-mgr-test-")
    self.addCleanup(shutil.rmtree, tmp, True)
    replicas = "1"
    proc = subprocess.Popen(
        [PY, RUN, "--data-dir", tmp, "--api-port", str(base),
         "--sentinel-port", str(base + 1), "--engine", self.ENGINE,
         "--replicas", replicas, "--node-ports", f"{base + 10}-{base + 99}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    try:
      deadline = time.time() + 30
      while not any("Ctrl-C" in line for line in out):
        line = proc.stdout.readline()
        self.assertTrue(line or proc.poll() is None, "".join(out))
        out.append(line)
        self.assertLess(time.time(), deadline, "".join(out))
      text = "".join(out)
      port = int(re.search(r"primary endpoint: 127\.0\.0\.1:(\d+)",
                           text).group(1))
      self.assertEqual(cli(port, "SET", "made", "by-make"), "OK")
      self.assertEqual(cli(port, "GET", "made"), "by-make")
      self.assertIn("unknown command 'CONFIG'",
                    cli(port, "CONFIG", "GET", "port"))
    finally:
      proc.send_signal(signal.SIGINT)
      rest = proc.communicate(timeout=30)[0]
    self.assertIn("stopped.", rest)
    self.assertEqual(node_pids_in(tmp), [])


if __name__ == "__main__":
  unittest.main()
