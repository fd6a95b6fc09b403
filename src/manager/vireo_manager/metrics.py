"""Node metrics with the ElastiCache names, sampled every second, and the
manager's own metrics.

Each second every running node's INFO is read (a group's primary first, then
its replicas, so a synced replica never looks behind) and turned into metric
values. Gauges are stored as read; counters as per-second deltas, so that
GetMetricStatistics' Sum over a period is the number of events in it. The
store keeps per-minute count/sum/min/max for 24 hours. The Prometheus page
(/metrics) shows the latest gauges and, for counters, the node's running
totals (`_total`, monotonic while the node runs; a restarted node starts
again from zero, which Prometheus' rate() treats as a counter reset).

Where the numbers come from:
- ReplicationLag: seconds since the primary first had data the replica still
  lacks, from the primary's replication offset over time and the replica's
  offset (0 when the replica has everything the primary had at the moment
  it was sampled, so an idle synced group reads 0, not a saw-tooth).
- GetTypeCmds / SetTypeCmds / KeyBasedCmds: INFO commandstats calls, split
  by the engine's own command flags (COMMAND: readonly, write, has keys).
- SuccessfulRead/WriteRequestLatency: from INFO latencystats (both engines,
  Redis 7.0 has it): the median (p50, or the lowest percentile the node
  lists) of each read / write command, weighted by that command's
  successful calls in the last interval (commandstats calls minus
  failed_calls). The percentiles are cumulative since the node started, so
  the metric follows the interval's mix of commands at once and a change in
  one command's own latency as its history accumulates. Only when no
  command that ran has latencystats (latency-tracking no) is it the mean
  from commandstats (usec over successful calls). INFO latencystats is also
  exported to Prometheus as is, as
  vireo_command_latency_microseconds{command, quantile}.
- FreeableMemory: the host's MemAvailable (nodes share the host).

Threading: one sampler thread writes; query functions may run on any thread
(the latest-values maps are replaced, never mutated, so readers need no
lock). ManagerStats is guarded by its own lock.
"""

import collections
import os
import re
import threading
import time

from . import resp

# ElastiCache name -> (unit, kind, help). kind "counter": the node reports a
# running total (INFO field or computed), stored as a per-second delta.
METRICS = {
    "CPUUtilization": ("Percent", "gauge",
                       "CPU used by the node process, percent of one core"),
    "EngineCPUUtilization": ("Percent", "gauge",
                             "CPU used by the engine's main thread, percent"),
    "DatabaseMemoryUsagePercentage": ("Percent", "gauge",
                                      "used_memory as a percent of maxmemory"),
    "BytesUsedForCache": ("Bytes", "gauge", "Memory used by the data set"),
    "FreeableMemory": ("Bytes", "gauge", "Memory available on the host"),
    "CurrConnections": ("Count", "gauge", "Client connections"),
    "CurrItems": ("Count", "gauge", "Keys in all databases"),
    "CurrVolatileItems": ("Count", "gauge", "Keys with a time to live"),
    "IsMaster": ("Count", "gauge", "1 on the primary, 0 on a replica"),
    "SaveInProgress": ("Count", "gauge", "1 while a background save runs"),
    "ReplicationLag": ("Seconds", "gauge",
                       "How far a replica is behind its primary"),
    "CacheHitRate": ("Percent", "gauge",
                     "Hits over hits plus misses in the last interval"),
    "SuccessfulReadRequestLatency": (
        "Microseconds", "gauge",
        "Mean time of successful read commands in the last interval"),
    "SuccessfulWriteRequestLatency": (
        "Microseconds", "gauge",
        "Mean time of successful write commands in the last interval"),
    "CacheHits": ("Count", "counter", "Successful key lookups"),
    "CacheMisses": ("Count", "counter", "Unsuccessful key lookups"),
    "Evictions": ("Count", "counter", "Keys evicted by maxmemory"),
    "Reclaimed": ("Count", "counter", "Keys expired"),
    "NewConnections": ("Count", "counter", "Connections accepted"),
    "NetworkBytesIn": ("Bytes", "counter", "Bytes read from clients"),
    "NetworkBytesOut": ("Bytes", "counter", "Bytes written to clients"),
    "ReplicationBytes": ("Bytes", "counter",
                         "Bytes a primary sent to its replication stream"),
    "GetTypeCmds": ("Count", "counter", "Read-only commands run"),
    "SetTypeCmds": ("Count", "counter", "Write commands run"),
    "KeyBasedCmds": ("Count", "counter", "Commands that name keys run"),
}
UNITS = {k: v[0] for k, v in METRICS.items()}
COUNTER_FIELDS = {
    "CacheHits": "keyspace_hits", "CacheMisses": "keyspace_misses",
    "Evictions": "evicted_keys", "Reclaimed": "expired_keys",
    "NewConnections": "total_connections_received",
    "NetworkBytesIn": "total_net_input_bytes",
    "NetworkBytesOut": "total_net_output_bytes",
}
RETENTION_MINUTES = 24 * 60
LAG_HISTORY_SECONDS = 600
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def prom_name(name):
  """ElastiCache CamelCase -> Prometheus snake_case (CPUUtilization ->
  cpu_utilization, GetTypeCmds -> get_type_cmds)."""
  return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_",
                name).lower()


def _proc_cpu_seconds(pid):
  try:
    with open(f"/proc/{pid}/stat") as f:
      fields = f.read().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK
  except (OSError, IndexError, ValueError, TypeError):
    return None


def _mem_available():
  try:
    with open("/proc/meminfo") as f:
      for line in f:
        if line.startswith("MemAvailable:"):
          return float(line.split()[1]) * 1024
  except (OSError, IndexError, ValueError):
    pass
  return None


def command_kinds(reply):
  """COMMAND's reply -> {name: (readonly, write, keyed)}, subcommands too
  (as "parent|sub", the names commandstats uses)."""
  out = {}

  def walk(entries):
    for e in entries or ():
      if not isinstance(e, list) or len(e) < 6:
        continue
      flags = {str(f).lower() for f in (e[2] or ())}
      keyed = (isinstance(e[3], int) and e[3] > 0) or bool(
          len(e) > 8 and e[8])
      out[str(e[0]).lower()] = ("readonly" in flags, "write" in flags, keyed)
      if len(e) > 9:
        walk(e[9])

  walk(reply)
  return out


class ManagerStats:
  """The manager's own counters and health-check timings (thread-safe)."""

  def __init__(self):
    self._lock = threading.Lock()
    self.counters = collections.Counter()   # (name, label tuple) -> value
    self.check_sum = 0.0
    self.check_count = 0
    self.check_max = 0.0

  def inc(self, name, n=1, **labels):
    with self._lock:
      self.counters[(name, tuple(sorted(labels.items())))] += n

  def health_check(self, seconds):
    with self._lock:
      self.check_sum += seconds
      self.check_count += 1
      self.check_max = max(self.check_max, seconds)

  def snapshot(self):
    with self._lock:
      return (dict(self.counters), self.check_sum, self.check_count,
              self.check_max)


# name -> help; every one is a counter, listed even at zero.
SELF_COUNTERS = {
    "vireo_manager_failovers_total": "Failovers completed",
    "vireo_manager_failover_attempts_total": "Failovers started",
    "vireo_manager_node_restarts_total": "Node processes restarted",
    "vireo_manager_node_exits_total": "Node processes seen exiting",
    "vireo_manager_api_requests_total": "API requests, by action and status",
    "vireo_manager_api_errors_total": "API requests answered with an error",
    "vireo_manager_operations_resumed_total":
        "Interrupted operations resumed after a manager restart",
}


class MetricsSampler:
  def __init__(self, manager, interval):
    self.m = manager
    self.interval = interval
    self.latest = {}     # node id -> (group id, {metric: value})
    self.totals = {}     # node id -> (group id, {counter: running total})
    self.latency = {}    # node id -> (group id, {(command, q): usec})
    self._prev = {}      # node id -> (time, totals, usec sums, cpu seconds)
    self._kinds = {}     # engine binary -> command_kinds()
    self._offsets = {}   # group id -> deque of (time, primary offset)
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

  def _info(self, node):
    return resp.parse_info(resp.call1(
        node["port"], "INFO", "all",
        password=self.m.password_for(node["group"]), timeout=0.5))

  def _command_kinds(self, group, node):
    from . import engines
    binary = engines.binary(group["Engine"])
    if binary not in self._kinds:
      try:
        self._kinds[binary] = command_kinds(resp.call1(
            node["port"], "COMMAND",
            password=self.m.password_for(node["group"]), timeout=2))
      except (OSError, ConnectionError, resp.RespError, ValueError):
        return {}
    return self._kinds[binary]

  def sample(self):
    now = time.time()
    minute = int(now // 60)
    rows = []
    latest, totals, latency = {}, {}, {}
    free = _mem_available()
    for group in self.m.store.list("groups"):
      gid = group["ReplicationGroupId"]
      nodes = sorted(self.m.group_nodes(gid),
                     key=lambda n: n["id"] != group["primary"])
      primary_offset = None
      history = self._offsets.setdefault(gid, collections.deque())
      for node in nodes:
        if node.get("desired") != "running" or \
            not self.m.supervisor.alive(node["id"]):
          continue
        try:
          t = time.time()
          info = self._info(node)
        except (OSError, ConnectionError, resp.RespError):
          continue
        if info.get("role") == "master" and node["id"] == group["primary"]:
          primary_offset = _int(info.get("master_repl_offset"))
          history.append((t, primary_offset))
          while history and history[0][0] < t - LAG_HISTORY_SECONDS:
            history.popleft()
        cpu = _proc_cpu_seconds(self.m.supervisor.pid(node["id"]))
        values, tot = self._compute(node["id"], t, info, cpu,
                                    self._command_kinds(group, node))
        if info.get("role") == "slave":
          values["ReplicationLag"] = _lag(
              t, _int(info.get("slave_repl_offset")), primary_offset, history,
              info)
        if free is not None:
          values["FreeableMemory"] = free
        latest[node["id"]] = (gid, values)
        totals[node["id"]] = (gid, tot)
        latency[node["id"]] = (gid, _latencystats(info))
        rows += [(node["id"], k, v) for k, v in values.items()]
    for gid in list(self._offsets):
      if gid not in {g["ReplicationGroupId"] for g in
                     self.m.store.list("groups")}:
        del self._offsets[gid]
    self.latest, self.totals, self.latency = latest, totals, latency
    if rows:
      self.m.store.add_samples(minute, rows)
    if minute - self._last_prune > 10:
      self._last_prune = minute
      self.m.store.prune_metrics(minute - RETENTION_MINUTES)

  def _compute(self, node_id, now, info, cpu, kinds):
    def num(key, default=0.0):
      try:
        return float(info.get(key, default))
      except ValueError:
        return default

    maxmem = num("maxmemory")
    used = num("used_memory")
    items = volatile = 0
    for k, v in info.items():
      if re.fullmatch(r"db\d+", k):
        fields = dict(p.split("=", 1) for p in v.split(",") if "=" in p)
        items += _int(fields.get("keys"))
        volatile += _int(fields.get("expires"))
    v = {
        "BytesUsedForCache": used,
        "DatabaseMemoryUsagePercentage": 100.0 * used / maxmem if maxmem
        else 0.0,
        "CurrConnections": num("connected_clients"),
        "CurrItems": float(items),
        "CurrVolatileItems": float(volatile),
        "IsMaster": 1.0 if info.get("role") == "master" else 0.0,
        "SaveInProgress": num("rdb_bgsave_in_progress"),
    }
    # Running totals of the counters, and command time per kind.
    tot = {k: num(f) for k, f in COUNTER_FIELDS.items()}
    if info.get("role") == "master":
      tot["ReplicationBytes"] = num("master_repl_offset")
    cmds = {"GetTypeCmds": 0.0, "SetTypeCmds": 0.0, "KeyBasedCmds": 0.0}
    usec = {"read": [0.0, 0.0], "write": [0.0, 0.0]}   # [usec, ok calls]
    ok_calls = {}  # command -> (kind, successful calls)
    for k, val in info.items():
      if not k.startswith("cmdstat_"):
        continue
      stat = dict(p.split("=", 1) for p in val.split(",") if "=" in p)
      calls = _int(stat.get("calls"))
      ok = calls - _int(stat.get("failed_calls"))
      readonly, write, keyed = kinds.get(k[8:].lower(), (False, False, False))
      if readonly or write:
        ok_calls[k[8:].lower()] = ("read" if readonly else "write", ok)
      if readonly:
        cmds["GetTypeCmds"] += calls
        usec["read"][0] += _float(stat.get("usec"))
        usec["read"][1] += ok
      if write:
        cmds["SetTypeCmds"] += calls
        usec["write"][0] += _float(stat.get("usec"))
        usec["write"][1] += ok
      if keyed:
        cmds["KeyBasedCmds"] += calls
    if kinds:
      tot.update(cmds)

    engine = num("used_cpu_sys_main_thread") + num(
        "used_cpu_user_main_thread")
    prev = self._prev.get(node_id)
    self._prev[node_id] = (now, tot, usec, cpu, engine, ok_calls)
    if prev is None:
      if num("uptime_in_seconds", 99) > 10:
        return v, tot
      # A node we just started: its counters began at zero, so count what
      # happened before our first sample instead of dropping it.
      prev = (now - max(1.0, num("uptime_in_seconds")), {},
              {"read": [0.0, 0.0], "write": [0.0, 0.0]}, None, 0.0, {})
    dt = max(1e-3, now - prev[0])
    for k, total in tot.items():
      v[k] = max(0.0, total - prev[1].get(k, 0.0))
    hits, misses = v["CacheHits"], v["CacheMisses"]
    v["CacheHitRate"] = 100.0 * hits / (hits + misses) if hits + misses \
        else 0.0
    if prev[4] is not None:
      v["EngineCPUUtilization"] = 100.0 * max(0.0, engine - prev[4]) / dt
    medians = request_latency(info, ok_calls, prev[5])
    for kind, name in (("read", "SuccessfulReadRequestLatency"),
                       ("write", "SuccessfulWriteRequestLatency")):
      if kind in medians:
        v[name] = medians[kind]
        continue
      d_usec = usec[kind][0] - prev[2][kind][0]
      d_ok = usec[kind][1] - prev[2][kind][1]
      if d_ok > 0 and d_usec >= 0:
        v[name] = d_usec / d_ok
    if cpu is not None and prev[3] is not None:
      v["CPUUtilization"] = 100.0 * max(0.0, cpu - prev[3]) / dt
    return v, tot

  def prometheus(self):
    lines = []

    def family(name, kind, help_text, samples):
      lines.append(f"# HELP {name} {help_text}")
      lines.append(f"# TYPE {name} {kind}")
      for labels, val in samples:
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
        lines.append(f"{name}{{{text}}} {val:g}" if text else
                     f"{name} {val:g}")

    for k in sorted(METRICS):
      unit, kind, help_text = METRICS[k]
      if kind == "counter":
        source = self.totals
        name = f"vireo_{prom_name(k)}_total"
      else:
        source = self.latest
        name = f"vireo_{prom_name(k)}"
      samples = sorted(((("replication_group", gid), ("cache_cluster", nid)),
                        vals[k]) for nid, (gid, vals) in source.items()
                       if k in vals)
      if samples:
        family(name, kind, f"{help_text} ({unit}; ElastiCache {k}).",
               samples)
    lat = sorted(((("replication_group", gid), ("cache_cluster", nid),
                   ("command", cmd), ("quantile", q)), val)
                 for nid, (gid, vals) in self.latency.items()
                 for (cmd, q), val in vals.items())
    if lat:
      family("vireo_command_latency_microseconds", "gauge",
             "Per-command latency percentiles since the node started "
             "(INFO latencystats).", lat)

    counters, csum, ccount, cmax = self.m.stats.snapshot()
    for name, help_text in SELF_COUNTERS.items():
      samples = sorted((labels, val) for (n, labels), val in counters.items()
                       if n == name) or [((), 0)]
      family(name, "counter", help_text + ".", samples)
    family("vireo_manager_health_check_duration_seconds", "summary",
           "Time one node health check took (PING + INFO replication).",
           [])
    lines.append(f"vireo_manager_health_check_duration_seconds_sum {csum:g}")
    lines.append(f"vireo_manager_health_check_duration_seconds_count "
                 f"{ccount:g}")
    family("vireo_manager_health_check_duration_seconds_max", "gauge",
           "Longest health check so far.", [((), cmax)])
    return "\n".join(lines) + "\n"


def _lag(now, offset, primary_offset, history, info):
  """Seconds since the primary first had data that this replica lacks."""
  if info.get("master_link_status") != "up" and primary_offset is None:
    return max(0.0, _float(info.get("master_last_io_seconds_ago")))
  if primary_offset is None or offset >= primary_offset:
    return 0.0
  for t, p in history:
    if p > offset:
      return max(0.0, now - t)
  return 0.0


def request_latency(info, ok_calls, prev_ok_calls):
  """{"read"|"write": usec}: each command's median from INFO latencystats
  (p50, or its lowest percentile when p50 is not listed), weighted by the
  command's successful calls since the previous sample. A kind is missing
  when none of its commands that ran has latencystats."""
  sums = {}
  for cmd, (kind, ok) in ok_calls.items():
    delta = ok - prev_ok_calls.get(cmd, (kind, 0))[1]
    line = info.get("latency_percentiles_usec_" + cmd)
    if delta <= 0 or not line:
      continue
    percentiles = {}
    for part in line.split(","):
      q, _, val = part.partition("=")
      try:
        percentiles[float(q[1:])] = float(val)
      except ValueError:
        pass
    if not percentiles:
      continue
    median = percentiles.get(50.0, percentiles[min(percentiles)])
    s = sums.setdefault(kind, [0.0, 0])
    s[0] += median * delta
    s[1] += delta
  return {kind: total / n for kind, (total, n) in sums.items()}


def _latencystats(info):
  out = {}
  for k, v in info.items():
    if k.startswith("latency_percentiles_usec_"):
      cmd = k[len("latency_percentiles_usec_"):]
      for part in v.split(","):
        q, _, val = part.partition("=")
        if q.startswith("p"):
          try:
            # "%g": p99.9 is quantile 0.999, not 0.9990000000000001.
            out[(cmd, "%g" % (float(q[1:]) / 100))] = float(val)
          except ValueError:
            pass
  return out


def _escape(text):
  return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _int(text):
  try:
    return int(float(text or 0))
  except (TypeError, ValueError):
    return 0


def _float(text):
  try:
    return float(text or 0)
  except (TypeError, ValueError):
    return 0.0
