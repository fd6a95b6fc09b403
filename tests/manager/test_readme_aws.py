"""README's "Using aws-cli and boto3" section, run as written: the shell
blocks with Debian's aws-cli (/usr/bin/aws first on PATH) and the Python
block with boto3, against the manager started by the section's own command
line. Only the port (8080), the data directory (/tmp/vireo-data) and the
node port range (added, so parallel runs do not collide) differ.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import redis

from harness import PY, ROOT, _claim_block, node_pids_in

README = os.path.join(ROOT, "README.md")


def section_blocks():
  with open(README, encoding="utf-8") as f:
    text = f.read()
  start = text.index("## Using aws-cli and boto3")
  end = text.index("\n## ", start + 10)
  return re.findall(r"```(sh|python)\n(.*?)```", text[start:end], re.S)


@unittest.skipUnless(os.access("/usr/bin/aws", os.X_OK),
                     "Debian's awscli is needed (scripts/setup.sh installs it)")
class ReadmeAws(unittest.TestCase):
  def test_section_works_as_written(self):
    blocks = section_blocks()
    self.assertEqual([k for k, _ in blocks], ["sh", "sh", "python"])
    base = _claim_block()
    tmp = tempfile.mkdtemp(prefix="vireo-mgr-test-")
    self.addCleanup(shutil.rmtree, tmp, True)
    data = os.path.join(tmp, "vireo-data")

    def adapt(text):
      return text.replace("/tmp/vireo-data", data).replace(
          "127.0.0.1:8080", f"127.0.0.1:{base}")

    start = [ln for ln in blocks[0][1].splitlines()
             if ln.startswith("src/manager/vireo-manager")]
    self.assertEqual(len(start), 1)
    self.assertIn("make build", blocks[0][1])   # done by make test already
    cmd = adapt(start[0]).rstrip("& ") + \
        f" --node-ports {base + 10}-{base + 99}"
    log = open(os.path.join(tmp, "manager.log"), "wb")
    self.addCleanup(log.close)
    mgr = subprocess.Popen(["bash", "-c", "exec " + cmd], cwd=ROOT,
                           stdout=log, stderr=log)

    def stop():
      mgr.terminate()
      mgr.wait(10)
      for pid in node_pids_in(data):
        os.kill(pid, 9)
      deadline = time.time() + 5
      while node_pids_in(data) and time.time() < deadline:
        time.sleep(0.05)
    self.addCleanup(stop)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PATH="/usr/bin:" + env.get("PATH", ""), AWS_PAGER="",
               AWS_CONFIG_FILE="/dev/null", HOME=tmp)
    wait = subprocess.run(
        ["bash", "-c", "for i in $(seq 100); do [ -s " + data +
         "/credentials ] && exec 3<>/dev/tcp/127.0.0.1/" + str(base) +
         " && exit 0; sleep 0.1; done 2>/dev/null; exit 1"], env=env)
    self.assertEqual(wait.returncode, 0, "manager did not start")
    shell = subprocess.run(["bash", "-e", "-c", adapt(blocks[1][1])],
                           cwd=tmp, env=env, capture_output=True, text=True,
                           timeout=300)
    self.assertEqual(shell.returncode, 0, shell.stderr)
    self.assertIn('"ReplicationGroupId": "demo"', shell.stdout)
    self.assertIn("OK", shell.stdout)            # redis-cli SET
    self.assertIn('"Label": "CurrItems"', shell.stdout)
    port = int(re.search(r'"PrimaryEndpoint":\s*\{\s*"Address": '
                         r'"127.0.0.1",\s*"Port": (\d+)',
                         shell.stdout).group(1))
    self.assertEqual(redis.Redis(port=port).get("greeting"), b"hello")
    env.update(AWS_SHARED_CREDENTIALS_FILE=os.path.join(data,
                                                        "credentials"),
               AWS_DEFAULT_REGION="us-east-1")
    py = subprocess.run([PY, "-c", adapt(blocks[2][1])], cwd=tmp, env=env,
                        capture_output=True, text=True, timeout=120)
    self.assertEqual(py.returncode, 0, py.stderr)
    self.assertIn("available", py.stdout)
    self.assertIn(str(port), py.stdout)


if __name__ == "__main__":
  unittest.main()
