"""Snapshots: RDB files under DIR/snapshots, taken from a replica if possible.

A snapshot is a BGSAVE on one node (a replica in sync with the primary when
the group has one, so the primary never forks) followed by a copy of its
dump.rdb. Manual snapshots run on a background thread (the group shows
"snapshotting", the snapshot "creating"); automatic ones are taken daily in
the group's SnapshotWindow and kept SnapshotRetentionLimit days.
Threading: safe from any thread; each snapshot's document is updated by the
one thread taking it.
"""

import os
import shutil
import threading
import time
from datetime import datetime, timezone

from . import ops, paging, resp
from .errors import ApiError, invalid
from .events import iso
from .validation import window_minutes


def _arn(m, name):
  from .tags import arn
  return arn(m, "snapshot", name)


def _path(m, name):
  return os.path.join(m.data_dir, "snapshots", name + ".rdb")


def render(snap):
  out = {k: v for k, v in snap.items() if not k.startswith("_")}
  return out


def get_available(m, name):
  snap = m.store.get("snapshots", name)
  if snap is None:
    raise ApiError("SnapshotNotFoundFault", f"Snapshot {name} not found.")
  if snap["SnapshotStatus"] != "available":
    raise ApiError("InvalidSnapshotState",
                   f"Snapshot {name} is {snap['SnapshotStatus']}.")
  return _path(m, name)


def create(m, p):
  from .groups import get_group
  if "CacheClusterId" in p:
    node = m.store.get("nodes", p["CacheClusterId"].lower())
    if node is None:
      raise ApiError("CacheClusterNotFound",
                     f"Cache cluster {p['CacheClusterId']} not found.")
    group = get_group(m, node["group"])
  else:
    group = get_group(m, p["ReplicationGroupId"])
    node = None
  snap = create_for_group(m, group, p["SnapshotName"], node=node)
  return {"Snapshot": render(snap)}


def create_for_group(m, group, name, node=None, wait=False,
                     source="manual"):
  gid = group["ReplicationGroupId"]
  if group["Status"] != "available":
    raise ApiError("InvalidReplicationGroupState",
                   f"Replication group {gid} is not available (it is "
                   f"{group['Status']}).")
  if node is None:
    node = _pick_node(m, group)
  snap = {
      "SnapshotName": name, "ReplicationGroupId": gid,
      "ReplicationGroupDescription": group.get("Description", ""),
      "SnapshotStatus": "creating", "SnapshotSource": source,
      "CacheNodeType": group["CacheNodeType"], "Engine": group["Engine"],
      "SnapshotRetentionLimit": group.get("SnapshotRetentionLimit", 0),
      "SnapshotWindow": group.get("SnapshotWindow"),
      "CacheParameterGroupName": group.get("CacheParameterGroupName"),
      "NumNodeGroups": 1, "AutomaticFailover":
      "enabled" if group.get("AutomaticFailoverEnabled") else "disabled",
      "ARN": _arn(m, name),
      "NodeSnapshots": [{"CacheClusterId": node["id"], "NodeGroupId": "0001",
                         "CacheNodeId": "0001",
                         "CacheNodeCreateTime": iso(group["created"])}],
      "_created": time.time(),
  }
  # Steps (faults.POINTS["snapshot"]): an interrupted snapshot is taken
  # again from the start by a restarted manager (_resume).
  op = ops.begin(m, "snapshot", gid, {"name": name, "node": node["id"]},
                 [("insert", "snapshots", name, snap),
                  ("update", "groups", gid, {"Status": "snapshotting"})])
  if op is None:
    raise ApiError("SnapshotAlreadyExistsFault",
                   f"Snapshot {name} already exists.")
  m.events.add("snapshot", name,
               f"Snapshot of {gid} started (node {node['id']})")
  if wait:
    _take(m, group, node, name, op)
    snap = m.store.get("snapshots", name)
    if snap["SnapshotStatus"] != "available":
      raise ApiError("SnapshotCreationFailed",
                     f"Snapshot {name} failed; see DescribeEvents.")
  else:
    threading.Thread(target=_take, args=(m, group, node, name, op),
                     name=f"snapshot-{name}", daemon=True).start()
  return snap


def _resume(m, op):
  gid = op.doc["group"]
  group = m.store.get("groups", gid)
  node = m.store.get("nodes", op.data["node"])
  if group is None or node is None:
    m.store.update("snapshots", op.data["name"], SnapshotStatus="failed")
    op.finish()
    _end_snapshotting(m, gid)
    return
  m.events.add("snapshot", op.data["name"],
               "Snapshot restarted after a manager restart")
  threading.Thread(target=_take, args=(m, group, node, op.data["name"], op),
                   name=f"snapshot-{op.data['name']}", daemon=True).start()


ops.register("snapshot", _resume)


def _end_snapshotting(m, gid):
  g = m.store.get("groups", gid)
  if g and g["Status"] == "snapshotting":
    m.store.update("groups", gid, Status="available")


def _pick_node(m, group):
  replicas = [n for n in m.group_nodes(group["ReplicationGroupId"])
              if n["id"] != group["primary"] and m.health.healthy(n["id"])
              and m.health.view(n["id"]).link_up]
  if replicas:
    return replicas[0]
  return m.store.get("nodes", group["primary"])


def _take(m, group, node, name, op):
  gid = group["ReplicationGroupId"]
  password = m.password_for(gid)
  try:
    if node["id"] != group["primary"]:
      _wait_caught_up(m, group, node, password)
    op.step("caught-up")
    _bgsave(node["port"], password)
    op.step("saved")
    src = os.path.join(node["dir"], "dump.rdb")
    tmp = _path(m, name) + ".tmp"
    shutil.copyfile(src, tmp)
    os.replace(tmp, _path(m, name))
    op.step("copied")
    size = os.path.getsize(_path(m, name))
    snap = m.store.get("snapshots", name)
    snap["SnapshotStatus"] = "available"
    snap["NodeSnapshots"][0]["CacheSize"] = f"{size} bytes"
    snap["NodeSnapshots"][0]["SnapshotCreateTime"] = iso(time.time())
    op.finish([("put", "snapshots", name, snap)])
    m.events.add("snapshot", name, f"Snapshot of {gid} completed")
  except Exception as e:
    op.finish([("update", "snapshots", name, {"SnapshotStatus": "failed"})])
    m.events.add("snapshot", name, f"Snapshot of {gid} failed: {e}")
  finally:
    _end_snapshotting(m, gid)


def _wait_caught_up(m, group, node, password, timeout=5.0):
  """A replica's snapshot must hold what the primary had when it began."""
  primary = m.store.get("nodes", group["primary"])
  info = resp.parse_info(resp.call1(primary["port"], "INFO", "replication",
                                    password=password))
  target = int(info.get("master_repl_offset", 0))
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    info = resp.parse_info(resp.call1(node["port"], "INFO", "replication",
                                      password=password))
    if int(info.get("slave_repl_offset", 0)) >= target:
      return
    time.sleep(0.02)
  raise RuntimeError(f"replica {node['id']} did not catch up in time")


def _bgsave(port, password, timeout=120.0):
  deadline = time.monotonic() + timeout
  while True:
    try:
      resp.call1(port, "BGSAVE", password=password, timeout=5)
      break
    except resp.RespError as e:
      # Another save (e.g. a replica full sync) or an AOF rewrite is
      # running (one background job at a time, Redis's and Vireo's): wait.
      busy = "in progress" in str(e) or "Another child process is active" in str(e)
      if not busy or time.monotonic() > deadline:
        raise
      time.sleep(0.05)
  while time.monotonic() < deadline:
    info = resp.parse_info(resp.call1(port, "INFO", "persistence",
                                      password=password))
    if info.get("rdb_bgsave_in_progress") == "0":
      if info.get("rdb_last_bgsave_status") != "ok":
        raise RuntimeError("BGSAVE failed on the node")
      return
    time.sleep(0.02)
  raise RuntimeError("BGSAVE timed out")


def describe(m, p):
  snaps = m.store.list("snapshots")
  if "SnapshotName" in p:
    snaps = [s for s in snaps if s["SnapshotName"] == p["SnapshotName"]]
    if not snaps:
      raise ApiError("SnapshotNotFoundFault",
                     f"Snapshot {p['SnapshotName']} not found.")
  if "ReplicationGroupId" in p:
    snaps = [s for s in snaps
             if s["ReplicationGroupId"] == p["ReplicationGroupId"].lower()]
  if "SnapshotSource" in p:
    if p["SnapshotSource"] not in ("manual", "automated", "system"):
      raise invalid("SnapshotSource must be manual, automated or system.")
    snaps = [s for s in snaps if s["SnapshotSource"] == p["SnapshotSource"]]
  chunk, nxt = paging.page(snaps, p, default=50)
  out = {"Snapshots": [render(s) for s in chunk]}
  if nxt is not None:
    out["Marker"] = nxt
  return out


def copy(m, p):
  if "TargetBucket" in p:
    raise invalid("TargetBucket is not supported: snapshots stay under the "
                  "manager's data directory.")
  src = get_available(m, p["SourceSnapshotName"])
  snap = m.store.get("snapshots", p["SourceSnapshotName"])
  snap.pop("_tags", None)    # a copy starts untagged, as in ElastiCache
  snap.update(SnapshotName=p["TargetSnapshotName"], SnapshotSource="manual",
              ARN=_arn(m, p["TargetSnapshotName"]),
              _created=time.time(), SnapshotStatus="copying")
  if not m.store.insert("snapshots", p["TargetSnapshotName"], snap):
    raise ApiError("SnapshotAlreadyExistsFault",
                   f"Snapshot {p['TargetSnapshotName']} already exists.")
  shutil.copyfile(src, _path(m, p["TargetSnapshotName"]))
  snap = m.store.update("snapshots", p["TargetSnapshotName"],
                        SnapshotStatus="available")
  m.events.add("snapshot", p["TargetSnapshotName"],
               f"Copied from snapshot {p['SourceSnapshotName']}")
  return {"Snapshot": render(snap)}


def delete(m, p):
  snap = m.store.get("snapshots", p["SnapshotName"])
  if snap is None:
    raise ApiError("SnapshotNotFoundFault",
                   f"Snapshot {p['SnapshotName']} not found.")
  if snap["SnapshotStatus"] in ("creating", "copying"):
    raise ApiError("InvalidSnapshotState",
                   f"Snapshot {p['SnapshotName']} is "
                   f"{snap['SnapshotStatus']}.")
  _remove(m, snap["SnapshotName"])
  snap["SnapshotStatus"] = "deleting"
  return {"Snapshot": render(snap)}


def discard_partial(m, name):
  """Marks a snapshot cut short as failed and removes its file."""
  for path in (_path(m, name), _path(m, name) + ".tmp"):
    try:
      os.remove(path)
    except FileNotFoundError:
      pass
  m.store.update("snapshots", name, SnapshotStatus="failed")


def _remove(m, name):
  try:
    os.remove(_path(m, name))
  except FileNotFoundError:
    pass
  m.store.delete("snapshots", name)
  m.events.add("snapshot", name, "Snapshot deleted")


def auto_tick(m, now=None):
  """Takes due daily snapshots and expires old automatic ones."""
  now = now or time.time()
  utc = datetime.fromtimestamp(now, timezone.utc)
  minute = utc.hour * 60 + utc.minute
  for group in m.store.list("groups"):
    limit = group.get("SnapshotRetentionLimit", 0)
    if limit <= 0 or group["Status"] != "available":
      continue
    gid = group["ReplicationGroupId"]
    start, end = window_minutes(group.get("SnapshotWindow", "05:00-06:00"))
    in_window = (start <= minute < end) if start < end else \
        (minute >= start or minute < end)
    today = utc.strftime("%Y-%m-%d")
    if in_window and group.get("last_auto_snapshot") != today:
      m.store.update("groups", gid, last_auto_snapshot=today)
      name = f"automatic-{gid}-{utc.strftime('%Y-%m-%d-%H-%M')}"
      try:
        create_for_group(m, group, name, source="automated")
      except ApiError as e:
        m.events.add("replication-group", gid,
                     f"Automatic snapshot failed: {e.message}")
    for snap in m.store.list("snapshots"):
      if (snap["ReplicationGroupId"] == gid and
          snap["SnapshotSource"] == "automated" and
          snap["SnapshotStatus"] == "available" and
          now - snap.get("_created", now) > limit * 86400):
        _remove(m, snap["SnapshotName"])
