"""Read-only ElastiCache actions about nodes and engines:
DescribeCacheClusters, DescribeCacheEngineVersions,
DescribeEngineDefaultParameters and DescribeServiceUpdates.

A cache cluster is one node of a replication group (ElastiCache's model for
cluster-mode-disabled groups: each member is a cluster of one cache node,
0001). Engine versions are read from the binaries the manager would run.
Pagination: Marker is the index of the next record, MaxRecords the page.
Threading: safe from any thread (reads only).
"""

import re
import subprocess
import threading

from . import engines, params
from .errors import ApiError
from .events import iso
from .paging import page

_version_lock = threading.Lock()
_versions = {}   # binary path -> version text




def _with_marker(out, nxt):
  if nxt is not None:
    out["Marker"] = nxt
  return out


def engine_version(engine):
  """The Redis version an engine's binary reports, e.g. 7.0.15, or None."""
  path = engines.binary(engine)
  if path is None:
    return None
  with _version_lock:
    if path not in _versions:
      try:
        out = subprocess.run([path, "--version"], capture_output=True,
                             text=True, timeout=10).stdout
      except (OSError, subprocess.SubprocessError):
        out = ""
      m = re.search(r"v=(\d+\.\d+\.\d+)", out)
      _versions[path] = m.group(1) if m else None
    return _versions[path]


def _node_status(m, node, group):
  if group["Status"] == "deleting":
    return "deleting"
  if group["Status"] == "creating" or node.get("desired") == "creating":
    return "creating"
  if group["Status"] == "create-failed":
    return "create-failed"
  if not m.supervisor.alive(node["id"]):
    return "rebooting cache cluster nodes"
  return "available"


def render_cluster(m, node, group, show_nodes):
  from .groups import address
  from .tags import arn
  status = _node_status(m, node, group)
  out = {
      "CacheClusterId": node["id"],
      "ClientDownloadLandingPage": "",
      "CacheNodeType": group["CacheNodeType"],
      "Engine": group["Engine"],
      "EngineVersion": engine_version(group["Engine"]) or "",
      "CacheClusterStatus": status,
      "NumCacheNodes": 1,
      "PreferredAvailabilityZone": "local",
      "CacheClusterCreateTime": iso(group["created"]),
      "PreferredMaintenanceWindow": "sun:23:00-mon:01:30",
      "CacheSecurityGroups": [],
      "CacheParameterGroup": {
          "CacheParameterGroupName": group.get("CacheParameterGroupName")
          or params.DEFAULT_GROUP,
          "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []},
      "AutoMinorVersionUpgrade": False,
      "ReplicationGroupId": group["ReplicationGroupId"],
      "SnapshotRetentionLimit": group.get("SnapshotRetentionLimit", 0),
      "SnapshotWindow": group.get("SnapshotWindow", "05:00-06:00"),
      "AuthTokenEnabled": bool(group.get("auth_tokens")),
      "TransitEncryptionEnabled": False,
      "AtRestEncryptionEnabled": False,
      "ARN": arn(m, "cluster", node["id"]),
      "ReplicationGroupLogDeliveryEnabled": False,
  }
  if show_nodes:
    out["CacheNodes"] = [{
        "CacheNodeId": "0001",
        "CacheNodeStatus": status,
        "CacheNodeCreateTime": iso(group["created"]),
        "Endpoint": {"Address": address(m), "Port": node["port"]},
        "ParameterGroupStatus": "in-sync",
        "CustomerAvailabilityZone": "local",
    }]
  return out


def describe_clusters(m, p):
  if p.get("ShowCacheClustersNotInReplicationGroups"):
    nodes = []        # every node here belongs to a replication group
  elif "CacheClusterId" in p:
    node = m.store.get("nodes", p["CacheClusterId"].lower())
    if node is None:
      raise ApiError("CacheClusterNotFound",
                     f"CacheCluster not found: {p['CacheClusterId']}")
    nodes = [node]
  else:
    nodes = sorted(m.store.list("nodes"), key=lambda n: n["id"])
  items = []
  for node in nodes:
    group = m.store.get("groups", node["group"])
    if group is not None:
      items.append((node, group))
  chunk, nxt = page(items, p)
  return _with_marker({"CacheClusters": [
      render_cluster(m, n, g, p.get("ShowCacheNodeInfo", False))
      for n, g in chunk]}, nxt)


FAMILIES = {"redis": "redis7", "vireo": "vireo1"}


def _engine_versions():
  out = []
  for engine in ("redis", "vireo"):
    version = engine_version(engine)
    if version is None:
      continue
    out.append({
        "Engine": engine, "EngineVersion": version,
        "CacheParameterGroupFamily": FAMILIES[engine],
        "CacheEngineDescription": "Redis" if engine == "redis" else
        "Vireo (Redis-compatible)",
        "CacheEngineVersionDescription": f"{engine} {version} (the binary "
        "this manager runs)",
    })
  return out


def describe_engine_versions(m, p):
  items = _engine_versions()
  if "Engine" in p:
    items = [v for v in items if v["Engine"] == p["Engine"]]
  if "EngineVersion" in p:
    items = [v for v in items if v["EngineVersion"] == p["EngineVersion"]]
  if "CacheParameterGroupFamily" in p:
    items = [v for v in items
             if v["CacheParameterGroupFamily"] ==
             p["CacheParameterGroupFamily"]]
  chunk, nxt = page(items, p)
  return _with_marker({"CacheEngineVersions": chunk}, nxt)


def describe_engine_defaults(m, p):
  items = [dict(x, Source="engine-default") for x in params.describe({})]
  chunk, nxt = page(items, p)
  defaults = {"CacheParameterGroupFamily": p["CacheParameterGroupFamily"],
              "Parameters": chunk}
  if nxt is not None:
    defaults["Marker"] = nxt
  return {"EngineDefaults": defaults}


def describe_updates(m, p):
  # A self-hosted service has no vendor-scheduled updates: always empty,
  # which is what tools that check for pending updates expect to see.
  page([], p)
  return {"ServiceUpdates": []}
