"""A consumer-group worker pool over real clients: 100,000 messages through
the stream "jobs" and group "pool", worked by redis-py worker processes and
ioredis (Node.js) worker processes, with crashes and XAUTOCLAIM recovery.

Each worker reads batches with XREADGROUP ... >, records what it processed
(SADD pool:done, INCRBY pool:deliveries) and then XACKs. Crashes are real
process deaths without XACK: one Python and one Node worker exit right after
reading a batch, and the test SIGKILLs another Python worker mid-run. When a
worker finds nothing new it runs XAUTOCLAIM (min idle 1 s) and processes what
it took over. The test checks what a user of such a pool relies on: every
message processed at least once, none lost (every ID added is in pool:done),
the crashed batches recovered through XAUTOCLAIM, and at the end nothing
pending (XPENDING 0, every consumer's PEL empty) and no lag.

Run as `test_stream_worker_pool.py --worker PORT NAME MIN_IDLE CRASH_AFTER`
it is the Python worker itself. Passes against redis-server 7.0 too.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "..", "clients", "node")
MESSAGES = 100000
MIN_IDLE_MS = 1000


def worker_main(port, name, min_idle, crash_after):
  """The Python worker (same protocol as tests/clients/node/stream_worker.mjs)."""
  import redis
  r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=30)

  def process(entries, claimed):
    if not entries:
      return
    ns = [fields["n"] for _, fields in entries]
    p = r.pipeline(transaction=False)
    p.sadd("pool:done", *ns)
    p.incrby("pool:deliveries", len(ns))
    if claimed:
      p.incrby("pool:claimed", len(ns))
    p.incrby("pool:by:python", len(ns))
    p.xack("jobs", "pool", *[i for i, _ in entries])
    p.execute()

  batches = 0
  while not r.exists("pool:stop"):
    reply = r.xreadgroup("pool", name, {"jobs": ">"}, count=100, block=100)
    if not reply:
      cursor = "0-0"
      while True:
        cursor, entries, _deleted = r.xautoclaim("jobs", "pool", name, min_idle, cursor, count=100)
        process([e for e in entries if e is not None], True)
        if cursor == "0-0":
          break
      continue
    entries = reply[0][1]
    if crash_after > 0 and batches >= crash_after:
      print("crash %s holding %d" % (name, len(entries)), flush=True)
      os._exit(3)  # no XACK: the batch stays pending under this consumer
    process(entries, False)
    batches += 1


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--worker":
  worker_main(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
  sys.exit(0)

sys.path.insert(0, HERE)
from harness import ServerTestCase  # noqa: E402


class StreamWorkerPoolTest(ServerTestCase):

  def spawn_python(self, name, crash_after=0):
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", str(self.server.port), name,
                          str(MIN_IDLE_MS), str(crash_after)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    self.procs.append(p)
    return p

  def spawn_node(self, name, crash_after=0):
    p = subprocess.Popen([self.node, "stream_worker.mjs", str(self.server.port), name, str(MIN_IDLE_MS),
                          str(crash_after)], cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    self.procs.append(p)
    return p

  def stop_all(self):
    for p in self.procs:
      if p.poll() is None:
        p.kill()
      p.wait()
      p.stdout.close()
      p.stderr.close()

  def test_pool_with_crashes_loses_nothing(self):
    self.node = shutil.which("node")
    # Missing tools are a broken set-up, not a reason to skip: fail loudly.
    self.assertIsNotNone(self.node, "node is not installed (scripts/setup.sh installs it)")
    self.assertTrue(os.path.isdir(os.path.join(NODE_DIR, "node_modules", "ioredis")),
                    "run scripts/setup.sh: the Node.js client libraries are not installed")
    self.procs = []
    self.addCleanup(self.stop_all)
    r = self.server.redis()
    r.xgroup_create("jobs", "pool", id="0", mkstream=True)

    # Crashers first, so they hold real batches when they die.
    py_crash = self.spawn_python("py-crash", crash_after=3)
    node_crash = self.spawn_node("node-crash", crash_after=3)
    victim = self.spawn_python("py-victim")
    steady = [self.spawn_python("py-1"), self.spawn_python("py-2"), self.spawn_node("node-1")]

    added = set()
    killed = False
    deadline = time.monotonic() + 120
    for start in range(0, MESSAGES, 1000):
      p = r.pipeline(transaction=False)
      for n in range(start, start + 1000):
        p.xadd("jobs", {"n": n, "payload": "job-%d" % n})
      added.update(p.execute())
      # Mid-run, kill a worker that is busy reading and acknowledging.
      if not killed and start >= MESSAGES // 2:
        victim.send_signal(signal.SIGKILL)
        killed = True
    self.assertEqual(len(added), MESSAGES)

    # Wait until every message is processed and acknowledged.
    while time.monotonic() < deadline:
      if r.scard("pool:done") == MESSAGES and r.xpending("jobs", "pool")["pending"] == 0:
        break
      for p in steady:
        if p.poll() is not None:
          self.fail("a steady worker died: %s" % p.stderr.read().decode()[-500:])
      time.sleep(0.2)
    r.set("pool:stop", "1")
    for p in steady:
      self.assertEqual(p.wait(30), 0, p.stderr.read().decode()[-500:])

    # The crashers really crashed holding unacknowledged batches.
    self.assertEqual(py_crash.wait(30), 3, py_crash.stderr.read().decode()[-500:])
    self.assertEqual(node_crash.wait(30), 3, node_crash.stderr.read().decode()[-500:])
    self.assertIn(b"crash py-crash holding", py_crash.stdout.read())
    self.assertIn(b"crash node-crash holding", node_crash.stdout.read())

    # Every message processed at least once; none lost.
    done = {int(n) for n in r.smembers("pool:done")}
    self.assertEqual(done, set(range(MESSAGES)))
    deliveries = int(r.get("pool:deliveries"))
    self.assertGreaterEqual(deliveries, MESSAGES)
    # The crashed batches came back through XAUTOCLAIM, and both client
    # libraries did real work.
    self.assertGreater(int(r.get("pool:claimed") or 0), 0)
    self.assertGreater(int(r.get("pool:by:python") or 0), 0)
    self.assertGreater(int(r.get("pool:by:node") or 0), 0)

    # Nothing pending, for the group and for each consumer (crashed ones too).
    summary = r.xpending("jobs", "pool")
    self.assertEqual(summary["pending"], 0)
    self.assertEqual(r.xpending_range("jobs", "pool", "-", "+", 10), [])
    consumers = {c["name"]: c for c in r.xinfo_consumers("jobs", "pool")}
    self.assertIn("py-crash", consumers)
    self.assertIn("node-crash", consumers)
    self.assertIn("py-victim", consumers)
    for name, c in consumers.items():
      self.assertEqual(c["pending"], 0, name)
    group = r.xinfo_groups("jobs")[0]
    self.assertEqual(group["pending"], 0)
    self.assertEqual(group["entries-read"], MESSAGES)
    self.assertEqual(group["lag"], 0)
    self.assertEqual(group["last-delivered-id"], max(added, key=lambda i: tuple(map(int, i.split("-")))))
    self.assertEqual(r.xlen("jobs"), MESSAGES)


if __name__ == "__main__":
  unittest.main()
