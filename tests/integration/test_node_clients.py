"""Real Node.js client libraries against the server under test:
node-redis 5 over RESP3 (MULTI/EXEC, WATCH, pub/sub pushes while running
commands, client-side caching with invalidation) and ioredis over RESP2
(MULTI/EXEC, WATCH retry loops from four connections, subscriber mode).
The checks live in tests/clients/node/clients_test.mjs; `make test`'s set-up
installs the pinned libraries there (scripts/setup.sh)."""

import os
import shutil
import subprocess
import unittest

from harness import ServerTestCase

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "node")
CHECKS = [
    "node-redis RESP3 multi/exec", "node-redis WATCH conflict", "node-redis RESP3 pub/sub",
    "node-redis client-side caching", "ioredis multi/exec", "ioredis WATCH retry loop",
    "ioredis subscriber",
]


class NodeClientsTest(ServerTestCase):

  def test_node_libraries(self):
    node = shutil.which("node")
    # Missing tools are a broken set-up, not a reason to skip: fail loudly.
    self.assertIsNotNone(node, "node is not installed (scripts/setup.sh installs it)")
    self.assertTrue(os.path.isdir(os.path.join(NODE_DIR, "node_modules")),
                    "run scripts/setup.sh: the Node.js client libraries are not installed")
    result = subprocess.run([node, "clients_test.mjs", str(self.server.port)], cwd=NODE_DIR,
                            capture_output=True, text=True, timeout=120)
    passed = [line[3:] for line in result.stdout.splitlines() if line.startswith("ok ")]
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertEqual(passed, CHECKS)


if __name__ == "__main__":
  unittest.main()
