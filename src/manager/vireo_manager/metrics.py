"""Node metrics with the ElastiCache names, sampled every second.

Each second every running node's INFO is read and turned into the metric
values (counters become per-second deltas); the store keeps per-minute
count/sum/min/max for 24 hours, which is what GetMetricStatistics reads; the
latest values are kept in memory for the Prometheus /metrics page.
Threading: one sampler thread writes; query functions may run on any thread
(the latest-values map is replaced, never mutated, so readers need no lock).
"""

import os
import re
import threading
import time

from . import resp

UNITS = {
    "CPUUtilization": "Percent", "EngineCPUUtilization": "Percent",
    "DatabaseMemoryUsagePercentage": "Percent", "BytesUsedForCache": "Bytes",
    "CacheHits": "Count", "CacheMisses": "Count", "CacheHitRate": "Percent",
    "Evictions": "Count", "Reclaimed": "Count", "CurrConnections": "Count",
    "NewConnections": "Count", "CurrItems": "Count", "ReplicationLag":
    "Seconds", "ReplicationBytes": "Bytes", "IsMaster": "Count",
    "SaveInProgress": "Count", "NetworkBytesIn": "Bytes",
    "NetworkBytesOut": "Bytes",
}
RETENTION_MINUTES = 24 * 60
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_cpu_seconds(pid):
  try:
    with open(f"/proc/{pid}/stat") as f:
      fields = f.read().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK
  except (OSError, IndexError, ValueError):
    return None


class MetricsSampler:
  def __init__(self, manager, interval):
    self.m = manager
    self.interval = interval
    self.latest = {}     # node id -> (group id, {metric: value})
    self._prev = {}      # node id -> (time, info dict, process cpu seconds)
    self._stop = threading.Event()
    self._thread = threading.Thread(target=self._run, name="metrics",
                                    daemon=True)
    self._last_prune = 0

  def start(self):
    self._thread.start()

  def stop(self):
    self._stop.set()
    if self._thread.is_alive():
      self._thread.join(3)

  def _run(self):
    while not self._stop.wait(self.interval):
      try:
        self.sample()
      except Exception as e:  # metrics must never stop the manager
        self.m.log(f"metrics: {e!r}")

  def sample(self):
    now = time.time()
    minute = int(now // 60)
    rows = []
    latest = {}
    for node in self.m.store.list("nodes"):
      if node.get("desired") != "running" or \
          not self.m.supervisor.alive(node["id"]):
        continue
      try:
        info = resp.parse_info(resp.call1(
            node["port"], "INFO", "all",
            password=self.m.password_for(node["group"]), timeout=0.5))
      except (OSError, ConnectionError, resp.RespError):
        continue
      cpu = _proc_cpu_seconds(self.m.supervisor.pid(node["id"]))
      values = self._compute(node["id"], now, info, cpu)
      latest[node["id"]] = (node["group"], values)
      rows += [(node["id"], k, v) for k, v in values.items()]
    self.latest = latest
    if rows:
      self.m.store.add_samples(minute, rows)
    if minute - self._last_prune > 10:
      self._last_prune = minute
      self.m.store.prune_metrics(minute - RETENTION_MINUTES)

  def _compute(self, node_id, now, info, cpu):
    def num(key, default=0.0):
      try:
        return float(info.get(key, default))
      except ValueError:
        return default

    prev = self._prev.get(node_id)
    self._prev[node_id] = (now, info, cpu)
    maxmem = num("maxmemory")
    used = num("used_memory")
    items = sum(int(m.group(1)) for k, v in info.items()
                if k.startswith("db") for m in [re.match(r"keys=(\d+)", v)]
                if m)
    v = {
        "BytesUsedForCache": used,
        "DatabaseMemoryUsagePercentage": 100.0 * used / maxmem if maxmem
        else 0.0,
        "CurrConnections": num("connected_clients"),
        "CurrItems": float(items),
        "IsMaster": 1.0 if info.get("role") == "master" else 0.0,
        "SaveInProgress": num("rdb_bgsave_in_progress"),
    }
    if info.get("role") == "slave":
      v["ReplicationLag"] = max(0.0, num("master_last_io_seconds_ago"))
    if prev is None:
      if num("uptime_in_seconds", 99) > 10:
        return v
      # A node we just started: its counters began at zero, so count what
      # happened before our first sample instead of dropping it.
      prev = (now - max(1.0, num("uptime_in_seconds")), {}, None)
    dt = max(1e-3, now - prev[0])
    pinfo = prev[1]

    def delta(key):
      try:
        return max(0.0, num(key) - float(pinfo.get(key, 0)))
      except ValueError:
        return 0.0

    hits, misses = delta("keyspace_hits"), delta("keyspace_misses")
    v.update({
        "CacheHits": hits, "CacheMisses": misses,
        "CacheHitRate": 100.0 * hits / (hits + misses) if hits + misses
        else 0.0,
        "Evictions": delta("evicted_keys"), "Reclaimed": delta("expired_keys"),
        "NewConnections": delta("total_connections_received"),
        "NetworkBytesIn": delta("total_net_input_bytes"),
        "NetworkBytesOut": delta("total_net_output_bytes"),
        "EngineCPUUtilization": 100.0 * (
            delta("used_cpu_sys_main_thread") +
            delta("used_cpu_user_main_thread")) / dt,
    })
    if info.get("role") == "master":
      v["ReplicationBytes"] = delta("master_repl_offset")
    if cpu is not None and prev[2] is not None:
      v["CPUUtilization"] = 100.0 * max(0.0, cpu - prev[2]) / dt
    return v

  def prometheus(self):
    lines = []
    by_metric = {}
    for node_id, (gid, values) in self.latest.items():
      for k, val in values.items():
        by_metric.setdefault(k, []).append((gid, node_id, val))
    for k in sorted(by_metric):
      name = "vireo_" + re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower()
      lines.append(f"# HELP {name} ElastiCache metric {k} ({UNITS[k]}).")
      lines.append(f"# TYPE {name} gauge")
      for gid, node_id, val in sorted(by_metric[k]):
        lines.append(f'{name}{{replication_group="{gid}",'
                     f'cache_cluster="{node_id}"}} {val:g}')
    return "\n".join(lines) + "\n"
