"""Metrics as a Prometheus server and GetMetricStatistics users see them.

/metrics: snake_case names (vireo_cpu_utilization), a HELP and a TYPE line
for every family, counters as monotonic `_total` running totals, gauges as
gauges, the manager's own metrics (API requests and errors, health-check
timings, failovers). GetMetricStatistics: CurrVolatileItems, Get/Set-type and
key-based command counts, read/write latency, FreeableMemory, and a
ReplicationLag of 0 on an idle, synced group (computed from offsets: the
primary's replication pings do not make it saw-tooth).
"""

import os
import re
import sys
import threading
import time
import unittest

import redis

from harness import ROOT, ManagerProcess, for_engines

sys.path.insert(0, os.path.join(ROOT, "src", "manager"))
from vireo_manager import metrics  # noqa: E402

LINE = re.compile(r'^([a-z_][a-z0-9_]*)(\{[^}]*\})? (\S+)$')


def scrape(mgr):
  """{name: {labels text: value}}, {name: type}, and the HELP'd names."""
  text = mgr.metrics_text()
  values, types, helps = {}, {}, set()
  for line in text.splitlines():
    if line.startswith("# HELP "):
      helps.add(line.split()[2])
    elif line.startswith("# TYPE "):
      _, _, name, kind = line.split()
      types[name] = kind
    elif line:
      m = LINE.match(line)
      assert m, f"not a Prometheus sample line: {line!r}"
      values.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
  return values, types, helps


def one(values, name, node):
  return [v for labels, v in values.get(name, {}).items()
          if f'cache_cluster="{node}"' in labels][0]


@for_engines
class Metrics:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess().start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def stat(self, name, node, stat="Maximum"):
    p = self.mgr.call("GetMetricStatistics", MetricName=name,
                      CacheClusterId=node, Period=60, Statistics=[stat])
    return [d[stat] for d in p["Datapoints"]]

  def test_prometheus_and_statistics(self):
    m = self.mgr
    gid = f"pm{self.ENGINE}"
    m.call("CreateReplicationGroup", ReplicationGroupId=gid,
           Engine=self.ENGINE)
    g = m.wait_status(gid)
    node = f"{gid}-001"
    c = redis.Redis(port=g["NodeGroups"][0]["PrimaryEndpoint"]["Port"])
    for i in range(30):
      c.set(f"k{i}", i)
    for i in range(10):
      c.expire(f"k{i}", 1000)
    for i in range(40):
      c.get(f"k{i % 30}")
    time.sleep(2.5)
    v1, types, helps = scrape(m)
    # Names: snake_case, one HELP and TYPE each, counters end in _total.
    for name in v1:
      base = re.sub(r"_(sum|count)$", "", name)
      self.assertIn(base, types, name)
      self.assertIn(base, helps, name)
      self.assertNotRegex(name, r"(^|_)[a-z]_[a-z]_", name)
      if types[base] == "counter":
        self.assertTrue(name.endswith("_total"), name)
    self.assertIn("vireo_cpu_utilization", v1)
    self.assertEqual(types["vireo_cpu_utilization"], "gauge")
    # INFO latencystats, per command and percentile (the node's defaults:
    # p50, p99, p99.9), for the GETs and SETs above; percentiles ordered.
    self.assertEqual(types["vireo_command_latency_microseconds"], "gauge")
    lat = {labels: v for labels, v in
           v1["vireo_command_latency_microseconds"].items()
           if f'cache_cluster="{node}"' in labels}
    for cmd in ("get", "set"):
      qs = [lat.get(f'{{replication_group="{gid}",cache_cluster="{node}",'
                    f'command="{cmd}",quantile="{q}"}}') for q in
            ("0.5", "0.99", "0.999")]
      self.assertTrue(all(v is not None and v > 0 for v in qs), (cmd, lat))
      self.assertLessEqual(qs[0], qs[1])
      self.assertLessEqual(qs[1], qs[2])
    self.assertEqual(types["vireo_cache_hits_total"], "counter")
    self.assertEqual(one(v1, "vireo_curr_items", node), 30)
    self.assertEqual(one(v1, "vireo_curr_volatile_items", node), 10)
    self.assertGreater(one(v1, "vireo_freeable_memory", node), 0)
    self.assertGreaterEqual(one(v1, "vireo_cache_hits_total", node), 40)
    self.assertGreaterEqual(one(v1, "vireo_get_type_cmds_total", node), 40)
    self.assertGreaterEqual(one(v1, "vireo_set_type_cmds_total", node), 40)
    self.assertGreaterEqual(one(v1, "vireo_key_based_cmds_total", node), 80)
    # Counters are running totals: a scrape later holds everything since.
    for i in range(25):
      c.get(f"k{i}")
    time.sleep(2.5)
    v2, _, _ = scrape(m)
    self.assertGreaterEqual(one(v2, "vireo_cache_hits_total", node) -
                            one(v1, "vireo_cache_hits_total", node), 25)
    for name, kind in types.items():
      if kind == "counter":
        for labels, val in v1.get(name, {}).items():
          if labels in v2.get(name, {}):
            self.assertGreaterEqual(v2[name][labels], val, name)
    # The same numbers through GetMetricStatistics.
    self.assertEqual(max(self.stat("CurrVolatileItems", node)), 10)
    self.assertGreaterEqual(sum(self.stat("GetTypeCmds", node, "Sum")), 65)
    self.assertGreaterEqual(sum(self.stat("SetTypeCmds", node, "Sum")), 40)
    self.assertGreaterEqual(sum(self.stat("KeyBasedCmds", node, "Sum")), 105)
    self.assertTrue(self.stat("SuccessfulReadRequestLatency", node))
    self.assertTrue(self.stat("SuccessfulWriteRequestLatency", node))
    self.assertTrue(self.stat("FreeableMemory", node))
    # Self-metrics: API requests by action, errors, health-check timings.
    before = v2["vireo_manager_api_errors_total"].get(
        '{code="ReplicationGroupNotFoundFault"}', 0)
    m.raw({"Action": "DescribeReplicationGroups",
           "ReplicationGroupId": "nope"})
    v3, _, _ = scrape(m)
    self.assertEqual(v3["vireo_manager_api_errors_total"][
        '{code="ReplicationGroupNotFoundFault"}'], before + 1)
    self.assertTrue(any('action="GetMetricStatistics"' in k and
                        'status="200"' in k for k in
                        v3["vireo_manager_api_requests_total"]))
    self.assertGreater(
        v3["vireo_manager_health_check_duration_seconds_count"][""], 0)
    m.call("DeleteReplicationGroup", ReplicationGroupId=gid)

  def test_request_latency_follows_load(self):
    """SuccessfulRead/WriteRequestLatency come from INFO latencystats: under a
    load of fast commands they are small; when the load turns to slow ones
    (LRANGE of a long list, SUNIONSTORE of big sets) they rise to those
    commands' p50 as latencystats reports it, and fall back with the load."""
    m = self.mgr
    gid = f"rl{self.ENGINE}"
    m.call("CreateReplicationGroup", ReplicationGroupId=gid,
           Engine=self.ENGINE)
    g = m.wait_status(gid)
    node = f"{gid}-001"
    port = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    c = redis.Redis(port=port)
    for i in range(0, 20000, 1000):
      c.rpush("big", *range(i, i + 1000))
      c.sadd("s1", *range(i, i + 1000))
      c.sadd("s2", *range(i + 500, i + 1500))
    c.set("small", "x")

    def latencies():
      v, _, _ = scrape(m)
      return (v.get("vireo_successful_read_request_latency", {}),
              v.get("vireo_successful_write_request_latency", {}))

    def metric(which):
      vals = latencies()[which]
      return [x for labels, x in vals.items()
              if f'cache_cluster="{node}"' in labels]

    def p50(cmd):
      line = c.info("latencystats").get(f"latency_percentiles_usec_{cmd}")
      return float(line["p50"]) if line else None

    def under_load(read, write, check, timeout=15):
      """Runs `read` and `write` in a loop until check(read_metric,
      write_metric) holds (returns them) or the timeout fails the test."""
      stop = threading.Event()

      def loop():
        lc = redis.Redis(port=port)
        while not stop.is_set():
          read(lc)
          write(lc)
      th = threading.Thread(target=loop)
      th.start()
      try:
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
          time.sleep(0.3)
          r, w = metric(0), metric(1)
          seen.append((r, w))
          if r and w and check(r[0], w[0]):
            if os.environ.get("METRICS_VERBOSE"):
              print(self.ENGINE, "read", r[0], "write", w[0], file=sys.stderr)
            return r[0], w[0]
        self.fail(f"metric never matched: {seen[-8:]}")
      finally:
        stop.set()
        th.join()

    # Fast commands only (once the intervals of the RPUSH/SADD set-up
    # above have passed): a few microseconds.
    fast_r, fast_w = under_load(lambda lc: lc.get("small"),
                                lambda lc: lc.set("small", "y"),
                                lambda r, w: r < 50 and w < 50)

    def slow_matches(r, w):
      lr, su = p50("lrange"), p50("sunionstore")
      return (lr and su and 0.5 * lr <= r <= 2 * lr and
              0.5 * su <= w <= 2 * su and r > 5 * fast_r and w > 5 * fast_w)
    slow_r, slow_w = under_load(lambda lc: lc.lrange("big", 0, -1),
                                lambda lc: lc.sunionstore("d", "s1", "s2"),
                                slow_matches)
    # Back to fast commands: the interval's mix, so the metric drops.
    under_load(lambda lc: lc.get("small"), lambda lc: lc.set("small", "y"),
               lambda r, w: r < slow_r / 5 and w < slow_w / 5)
    m.call("DeleteReplicationGroup", ReplicationGroupId=gid)

  def test_replication_lag_and_failovers(self):
    m = self.mgr
    gid = f"lag{self.ENGINE}"
    m.call("CreateReplicationGroup", ReplicationGroupId=gid,
           Engine=self.ENGINE, ReplicasPerNodeGroup=1,
           AutomaticFailoverEnabled=True)
    g = m.wait_status(gid)
    primary_port = [x["ReadEndpoint"]["Port"] for x in
                    g["NodeGroups"][0]["NodeGroupMembers"]
                    if x["CurrentRole"] == "primary"][0]
    # Replication pings every second: each moves the primary's offset,
    # which is what made the old lag (last I/O age) saw-tooth.
    m.admin(primary_port, "CONFIG", "SET", "repl-ping-replica-period", "1")
    c = redis.Redis(port=primary_port)
    for i in range(100):
      c.set(f"k{i}", i)
    c.wait(1, 2000)
    time.sleep(2)
    lags = []
    for _ in range(15):
      values, _, _ = scrape(m)
      lags.append(one(values, "vireo_replication_lag", f"{gid}-002"))
      time.sleep(0.3)
    # Synced and idle: 0 (a few ms at most when a sample falls between a
    # ping reaching the primary's offset and the replica's).
    self.assertLess(max(lags), 0.1, lags)
    failovers = scrape(m)[0]["vireo_manager_failovers_total"][""]
    m.call("TestFailover", ReplicationGroupId=gid, NodeGroupId="0001")
    self.assertEqual(scrape(m)[0]["vireo_manager_failovers_total"][""],
                     failovers + 1)
    m.call("DeleteReplicationGroup", ReplicationGroupId=gid)


class Names(unittest.TestCase):
  def test_prometheus_names(self):
    self.assertEqual(metrics.prom_name("CPUUtilization"), "cpu_utilization")
    self.assertEqual(metrics.prom_name("EngineCPUUtilization"),
                     "engine_cpu_utilization")
    self.assertEqual(metrics.prom_name("GetTypeCmds"), "get_type_cmds")
    self.assertEqual(metrics.prom_name("CurrVolatileItems"),
                     "curr_volatile_items")

  def test_request_latency_from_latencystats(self):
    info = {"latency_percentiles_usec_get": "p50=2.003,p99=5.001,p99.9=9.002",
            "latency_percentiles_usec_lrange": "p50=100.0,p99=300.0",
            "latency_percentiles_usec_set": "p90=40.0,p99=80.0",
            "latency_percentiles_usec_config|get": "p50=7.0"}
    prev = {"get": ("read", 100), "lrange": ("read", 10), "set": ("write", 5)}
    now = {"get": ("read", 190), "lrange": ("read", 20), "set": ("write", 9),
           "config|get": ("read", 0), "hget": ("read", 50)}
    # 90 GETs at 2.003 and 10 LRANGEs at 100 (HGET: no latencystats line);
    # SET lists no p50: its lowest percentile stands in.
    got = metrics.request_latency(info, now, prev)
    self.assertAlmostEqual(got["read"], (90 * 2.003 + 10 * 100.0) / 100)
    self.assertAlmostEqual(got["write"], 40.0)
    # Nothing ran: no value (the sampler then falls back to commandstats).
    self.assertEqual(metrics.request_latency(info, prev, prev), {})

  def test_lag_from_offsets(self):
    history = [(100.0, 1000), (101.0, 1000), (102.0, 1500), (103.0, 2000)]
    up = {"master_link_status": "up"}
    self.assertEqual(metrics._lag(103.5, 2000, 2000, history, up), 0)
    # The replica lacks what the primary had from t=102 on.
    self.assertAlmostEqual(metrics._lag(103.5, 1200, 2000, history, up), 1.5)
    self.assertAlmostEqual(metrics._lag(103.5, 1000, 2000, history, up), 1.5)


if __name__ == "__main__":
  unittest.main()
