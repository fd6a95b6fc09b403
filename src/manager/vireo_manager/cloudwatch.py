"""CloudWatch's metric actions (service monitoring, API 2010-08-01) over the
manager's per-minute metrics: GetMetricStatistics and GetMetricData.

Namespace AWS/ElastiCache; dimensions CacheClusterId (one node),
CacheNodeId (always 0001: one node per cache cluster) and ReplicationGroupId
(every node of the group, aggregated). As in CloudWatch, a query that names
another namespace, an unknown dimension or a resource that does not exist
matches no data and returns no datapoints; an unknown MetricName in
AWS/ElastiCache is an error here (CloudWatch would answer with nothing),
because it is almost always a typo. The store keeps count, sum, minimum
and maximum per minute (metrics.py), so Period is a multiple of 60 and
percentiles (ExtendedStatistics) are refused.
Threading: read-only over the store; safe from any thread.
"""

import re
import time

from .errors import ApiError, invalid
from .events import iso
from .metrics import UNITS
from .validation import DIMS, _coerce, _unwrap_list

NAMESPACE = "AWS/ElastiCache"
DIMENSIONS = ("CacheClusterId", "CacheNodeId", "ReplicationGroupId")
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
_QUERY_ID = re.compile(r"^[a-z][A-Za-z0-9_]{0,254}$")


def _nodes_for(m, dims):
  """Node ids a dimension set selects (empty when it matches nothing)."""
  d = {}
  for name, value in dims:
    if name in d:
      raise invalid(f"Dimension {name} is given twice.")
    d[name] = value
  if set(d) - set(DIMENSIONS):
    return []
  if "CacheNodeId" in d and d["CacheNodeId"] != "0001":
    return []
  if "CacheClusterId" in d:
    node = m.store.get("nodes", d["CacheClusterId"].lower())
    if node is None:
      return []
    if "ReplicationGroupId" in d and \
        node["group"] != d["ReplicationGroupId"].lower():
      return []
    return [node["id"]]
  if "ReplicationGroupId" in d:
    return [n["id"] for n in m.group_nodes(d["ReplicationGroupId"].lower())]
  return []


def _check_metric(namespace, name):
  if namespace == NAMESPACE and name not in UNITS:
    raise invalid(f"MetricName {name[:100]!r} is not known in {NAMESPACE}: "
                  f"use one of {', '.join(sorted(UNITS))}.")


def _buckets(m, node_ids, name, start, end, period):
  """{bucket index: [count, sum, min, max]} over [start, end)."""
  if not node_ids:
    return {}
  rows = m.store.metric_minutes(node_ids, name, int(start // 60),
                                int(end // 60) + 1)
  buckets = {}
  for _, minute, count, total, lo, hi in rows:
    ts = minute * 60
    if ts < start - 59 or ts >= end:
      continue
    key = max(0, int(ts - start)) // period
    b = buckets.setdefault(key, [0, 0.0, float("inf"), float("-inf")])
    b[0] += count
    b[1] += total
    b[2] = min(b[2], lo)
    b[3] = max(b[3], hi)
  return buckets


def _stat(bucket, stat):
  count, total, lo, hi = bucket
  return {"Average": total / count if count else 0.0, "Sum": total,
          "Minimum": lo, "Maximum": hi, "SampleCount": float(count)}[stat]


def _window(start, end, period):
  if start >= end:
    raise invalid("The parameter StartTime must be less than the parameter "
                  "EndTime.")
  if period % 60:
    raise invalid("The parameter Period must be a multiple of 60.")


def get_metric_statistics(m, p):
  namespace = p.get("Namespace", NAMESPACE)
  name = p["MetricName"]
  _check_metric(namespace, name)
  now = time.time()
  end = p.get("EndTime", now)
  start = p.get("StartTime", end - 3600)
  period = p.get("Period", 60)
  _window(start, end, period)
  stats = p.get("Statistics") or ["Average"]
  if "Dimensions" in p:
    dims = p["Dimensions"]
  elif "CacheClusterId" in p:
    dims = [("CacheClusterId", p["CacheClusterId"])]
  else:
    dims = [("ReplicationGroupId", p["ReplicationGroupId"])]
  unit = UNITS.get(name, "None")
  if namespace != NAMESPACE or p.get("Unit", unit) != unit:
    return {"Label": name, "Datapoints": []}
  buckets = _buckets(m, _nodes_for(m, dims), name, start, end, period)
  points = []
  for key in sorted(buckets):
    point = {"Timestamp": iso(start + key * period)}
    for s in stats:
      point[s] = _stat(buckets[key], s)
    point["Unit"] = unit
    points.append(point)
  return {"Label": name, "Datapoints": points}


def _bool(v, default):
  if v is None:
    return default
  if isinstance(v, bool):
    return v
  if isinstance(v, str) and v.lower() in ("true", "false"):
    return v.lower() == "true"
  raise invalid("ReturnData must be a boolean.")


def _int(v, name):
  if isinstance(v, str) and v.isdigit() and len(v) <= 9:
    v = int(v)
  if isinstance(v, bool) or not isinstance(v, int):
    raise invalid(f"{name} must be an integer.")
  return v


def _parse_queries(raw):
  queries = _unwrap_list(raw)
  if not isinstance(queries, list) or not 1 <= len(queries) <= 500:
    raise invalid("MetricDataQueries must be a list of 1 to 500 queries.")
  out = []
  seen = set()
  for q in queries:
    if not isinstance(q, dict):
      raise invalid("Each MetricDataQuery must be a structure.")
    qid = q.get("Id")
    if not isinstance(qid, str) or not _QUERY_ID.match(qid):
      raise invalid("The Id of each MetricDataQuery must start with a "
                    "lowercase letter and hold only letters, digits and "
                    "underscores.")
    if qid in seen:
      raise invalid(f"The Id {qid} is used by more than one query.")
    seen.add(qid)
    if "Expression" in q:
      raise invalid(f"Query {qid}: metric math Expressions are not "
                    "supported; use MetricStat.")
    stat = q.get("MetricStat")
    if not isinstance(stat, dict) or not isinstance(stat.get("Metric"),
                                                    dict):
      raise ApiError("MissingParameter",
                     f"Query {qid} must contain MetricStat with a Metric.")
    metric = stat["Metric"]
    name = metric.get("MetricName")
    namespace = metric.get("Namespace", NAMESPACE)
    if not isinstance(name, str) or not isinstance(namespace, str):
      raise invalid(f"Query {qid}: Metric needs MetricName and Namespace "
                    "strings.")
    _check_metric(namespace, name)
    dims = _coerce("Dimensions", DIMS, metric.get("Dimensions", []))
    period = _int(stat.get("Period"), "Period")
    if not 60 <= period <= 86400 or period % 60:
      raise invalid(f"Query {qid}: Period must be a multiple of 60 "
                    "(at most 86400).")
    s = stat.get("Stat")
    if s not in STATISTICS:
      raise invalid(f"Query {qid}: Stat must be one of "
                    f"{', '.join(STATISTICS)}.")
    label = q.get("Label", name)
    if not isinstance(label, str):
      raise invalid(f"Query {qid}: Label must be a string.")
    out.append({"Id": qid, "Name": name, "Namespace": namespace,
                "Dims": dims, "Period": period, "Stat": s,
                "Unit": stat.get("Unit"), "Label": label,
                "ReturnData": _bool(q.get("ReturnData"), True)})
  return out


def get_metric_data(m, p):
  # MaxDatapoints bounds the whole reply, as in CloudWatch: the datapoints of
  # every query, in query order, are one sequence; NextToken is the index in
  # it where the next page starts (digits only, so a forged token can only
  # point elsewhere in the same caller's answer). Datapoints that arrive
  # between two pages may shift the sequence, as CloudWatch also warns.
  token = p.get("NextToken")
  if token is not None and (not token.isdigit() or len(token) > 9):
    raise ApiError("InvalidNextToken", "The NextToken is not valid: pass "
                   "the NextToken of the previous page.")
  offset = int(token) if token else 0
  scan = p.get("ScanBy", "TimestampDescending")
  if scan not in ("TimestampDescending", "TimestampAscending"):
    raise invalid("ScanBy must be TimestampDescending or "
                  "TimestampAscending.")
  start, end = p["StartTime"], p["EndTime"]
  queries = _parse_queries(p["MetricDataQueries"])
  _window(start, end, 60)
  limit = p.get("MaxDatapoints", 100800)
  results = []
  seen = 0            # datapoints of the earlier queries, this page or not
  more = False
  for q in queries:
    if not q["ReturnData"]:
      continue
    unit = UNITS.get(q["Name"], "None")
    if q["Namespace"] != NAMESPACE or (q["Unit"] or unit) != unit:
      buckets = {}
    else:
      buckets = _buckets(m, _nodes_for(m, q["Dims"]), q["Name"], start, end,
                         q["Period"])
    keys = sorted(buckets, reverse=scan == "TimestampDescending")
    lo = min(max(offset - seen, 0), len(keys))
    hi = min(max(offset + limit - seen, 0), len(keys))
    seen += len(keys)
    status = "Complete"
    if hi < len(keys):
      status, more = "PartialData", True
    keys = keys[lo:hi]
    results.append({
        "Id": q["Id"], "Label": q["Label"],
        "Timestamps": [iso(start + k * q["Period"]) for k in keys],
        "Values": [_stat(buckets[k], q["Stat"]) for k in keys],
        "StatusCode": status})
  if offset > seen:
    raise ApiError("InvalidNextToken", "The NextToken is not valid: pass "
                   "the NextToken of the previous page.")
  out = {"MetricDataResults": results, "Messages": []}
  if more:
    out["NextToken"] = str(offset + limit)
  return out


