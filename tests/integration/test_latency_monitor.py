"""Latency monitor over TCP (LATENCY LATEST / HISTORY / RESET / GRAPH /
DOCTOR): each event source records its event once work it times reaches
latency-monitor-threshold (1 ms here, with work made big enough to pass it
on any machine). Runs against redis-server 7.0 too (VIREO_SERVER=...):
the events Redis and Vireo share are checked on both, Vireo's own
(snapshot-start, snapshot-step) on vireo-server only."""

import time
import unittest

from harness import ServerTestCase, is_vireo


def events(r):
  return {e[0]: e for e in r.execute_command("LATENCY", "LATEST")}


def wait_for_event(r, name, timeout=10.0):
  deadline = time.time() + timeout
  while time.time() < deadline:
    if name in events(r):
      return True
    time.sleep(0.05)
  return False


def big_set(r, key, members=300000):
  # SADD in chunks: one argv of 300k members would be a slow client write.
  pipe = r.pipeline(transaction=False)
  for start in range(0, members, 10000):
    pipe.sadd(key, *range(start, start + 10000))
  pipe.execute()


class LatencyMonitorTest(ServerTestCase):
  SERVER_ARGS = ("--enable-debug-command", "yes")

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()
    self.addCleanup(self.r.close)

  def test_command_events_history_reset(self):
    r = self.r
    self.assertEqual(events(r), {})
    # Off (threshold 0): nothing is recorded.
    r.execute_command("DEBUG", "SLEEP", "0.02")
    self.assertEqual(events(r), {})
    r.config_set("latency-monitor-threshold", 10)
    before = int(time.time())
    r.execute_command("DEBUG", "SLEEP", "0.05")
    latest = events(r)["command"]
    self.assertGreaterEqual(latest[1], before)
    self.assertLessEqual(latest[1], int(time.time()))
    self.assertGreaterEqual(latest[2], 50)
    self.assertEqual(latest[3], latest[2])
    # A second in the same second keeps the worst; the all-time max stays.
    history = r.execute_command("LATENCY", "HISTORY", "command")
    self.assertEqual(len(history), 1)
    self.assertEqual(history[0], [latest[1], latest[2]])
    # A command under the threshold adds nothing.
    r.execute_command("DEBUG", "SLEEP", "0")
    self.assertEqual(r.execute_command("LATENCY", "HISTORY", "command"), history)
    # fast-command: a fast command (LPUSH) slow enough.
    r.config_set("latency-monitor-threshold", 1)
    for _ in range(20):
      r.execute_command("LPUSH", "l", *range(100000))
      if "fast-command" in events(r):
        break
    self.assertIn("fast-command", events(r))
    self.assertEqual(r.execute_command("LATENCY", "HISTORY", "nosuch"), [])
    # RESET: names in any case; unknown names count nothing.
    self.assertEqual(r.execute_command("LATENCY", "RESET", "COMMAND", "nosuch"), 1)
    self.assertNotIn("command", events(r))
    self.assertEqual(r.execute_command("LATENCY", "RESET"), 1)
    self.assertEqual(events(r), {})

  def test_graph_and_doctor(self):
    r = self.r
    r.config_set("latency-monitor-threshold", 10)
    r.config_set("slowlog-log-slower-than", 1000000)
    for sleep in ("0.03", "0.06"):
      r.execute_command("DEBUG", "SLEEP", sleep)
      time.sleep(1.0)
    graph = r.execute_command("LATENCY", "GRAPH", "command")
    lines = graph.split("\n")
    worst = events(r)["command"][3]
    self.assertRegex(lines[0], r"^command - high %d ms, low \d+ ms \(all time high %d ms\)$" % (worst, worst))
    self.assertEqual(lines[1], "-" * 80)
    self.assertEqual(len(lines[2]), 2)  # two samples, one column each
    self.assertEqual(lines[5][0], "_")  # the lower sample at the bottom
    self.assertEqual(lines[2][1], "#")  # the higher one at the top
    with self.assertRaisesRegex(Exception, "No samples available for event 'nosuch'"):
      r.execute_command("LATENCY", "GRAPH", "nosuch")
    doctor = r.execute_command("LATENCY", "DOCTOR")
    self.assertIn("1. command: 2 latency spikes (average ", doctor)
    self.assertIn("Please use 'CONFIG SET slowlog-log-slower-than 10000'.", doctor)
    self.assertIn("- Check your Slow Log", doctor)
    r.config_set("slowlog-log-slower-than", -1)
    self.assertIn("Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than "
                  "10000'.", r.execute_command("LATENCY", "DOCTOR"))

  def test_expiry_and_eviction_events(self):
    r = self.r
    r.config_set("latency-monitor-threshold", 1)
    # A big key expired by the active cycle: expire-del (its deletion) and
    # expire-cycle (the cycle around it).
    big_set(r, "big")
    r.pexpire("big", 50)
    self.assertTrue(wait_for_event(r, "expire-del"), events(r))
    self.assertTrue(wait_for_event(r, "expire-cycle"), events(r))
    self.assertEqual(r.exists("big"), 0)
    # Eviction: a limit under the usage evicts the big key at once.
    big_set(r, "big2")
    r.config_set("maxmemory-policy", "allkeys-random")
    used = r.info("memory")["used_memory"]
    r.config_set("maxmemory", used // 2)
    self.assertTrue(wait_for_event(r, "eviction-del"), events(r))
    self.assertIn("eviction-cycle", events(r))
    r.config_set("maxmemory", 0)
    doctor = r.execute_command("LATENCY", "DOCTOR")
    self.assertIn("Sudden changes to the 'maxmemory' setting", doctor)

  def test_aof_and_snapshot_events(self):
    r = self.r
    r.config_set("appendonly", "yes")
    deadline = time.time() + 20
    while r.info("persistence")["aof_rewrite_in_progress"] and time.time() < deadline:
      time.sleep(0.05)
    r.config_set("appendfsync", "always")
    r.config_set("latency-monitor-threshold", 1)
    # 64 MB into the AOF (written and fsynced before the reply).
    for _ in range(3):
      r.set("blob", "x" * (64 << 20))
      if "aof-write" in events(r) and "aof-fsync-always" in events(r):
        break
    ev = events(r)
    self.assertIn("aof-write", ev)
    self.assertIn("aof-write-alone", ev)
    self.assertIn("aof-fsync-always", ev)
    self.assertIn("Your fsync policy is set to 'always'", r.execute_command("LATENCY", "DOCTOR"))
    if is_vireo():
      # The snapshot's slices run on the loop: writing the 64 MB value is one.
      r.config_set("appendonly", "no")
      r.execute_command("BGSAVE")
      self.assertTrue(wait_for_event(r, "snapshot-step", 20), events(r))


if __name__ == "__main__":
  unittest.main()
