"""Replication group actions: create, describe, modify, resize, reboot, delete.

Each function takes the Manager and the validated parameters of one API call
and returns the ElastiCache-shaped response body, or raises ApiError.
Threading: safe from any HTTP thread; changes happen under the group lock.
"""

import os
import shutil
import signal
import time

from . import (engines, failover, nodeconfig, ops, paging, snapshots, tags,
               users)
from .errors import ApiError, combination, group_not_found, group_state, \
    internal, invalid
from .events import iso

ADDRESS = "127.0.0.1"


def address(m):
  """The host clients are told to connect to (--advertise-address)."""
  return getattr(m, "advertise_address", None) or ADDRESS


def _endpoint(m, port):
  return {"Address": address(m), "Port": port}


def render(m, group):
  gid = group["ReplicationGroupId"]
  nodes = m.group_nodes(gid)
  statuses = {n["id"]: m.node_status(n) for n in nodes}
  status = m.group_status(group, statuses)
  members = [{
      "CacheClusterId": n["id"], "CacheNodeId": "0001",
      "ReadEndpoint": _endpoint(m, n["port"]),
      "PreferredAvailabilityZone": "local",
      "CurrentRole": "primary" if n["id"] == group["primary"] else "replica",
      "CacheNodeStatus": statuses[n["id"]],
  } for n in nodes]
  out = {
      "ReplicationGroupId": gid,
      "Description": group.get("Description", ""),
      "Status": status,
      "Engine": group["Engine"],
      "MemberClusters": [n["id"] for n in nodes],
      "NodeGroups": [{
          "NodeGroupId": "0001", "Status": status,
          "PrimaryEndpoint": _endpoint(m, group["primary_port"]),
          "ReaderEndpoint": _endpoint(m, group["reader_port"]),
          "NodeGroupMembers": members,
      }],
      "AutomaticFailover": "enabled" if group.get("AutomaticFailoverEnabled")
                           else "disabled",
      "MultiAZ": "enabled" if group.get("MultiAZEnabled") else "disabled",
      "SnapshotRetentionLimit": group.get("SnapshotRetentionLimit", 0),
      "SnapshotWindow": group.get("SnapshotWindow", "05:00-06:00"),
      "ClusterEnabled": False,
      "CacheNodeType": group["CacheNodeType"],
      "CacheParameterGroupName": group.get("CacheParameterGroupName"),
      "AuthTokenEnabled": bool(group.get("auth_tokens")),
      "TransitEncryptionEnabled": False,
      "AtRestEncryptionEnabled": False,
      "UserGroupIds": group.get("UserGroupIds") or [],
      "ReplicationGroupCreateTime": iso(group["created"]),
      "ARN": tags.arn(m, "replicationgroup", gid),
  }
  if group.get("auth_modified"):
    out["AuthTokenLastModifiedDate"] = iso(group["auth_modified"])
  replicas = [n for n in nodes if n["id"] != group["primary"]]
  if replicas:
    out["SnapshottingClusterId"] = replicas[0]["id"]
  if m.sentinel_port:
    out["SentinelEndpoint"] = _endpoint(m, m.sentinel_port)
  return out


def get_group(m, gid):
  group = m.store.get("groups", gid.lower())
  if group is None:
    raise group_not_found(gid)
  return group


def _require_available(group):
  if group["Status"] != "available":
    raise group_state(group["ReplicationGroupId"], group["Status"])


def _check_pg(m, name):
  if name and not m.store.get("param_groups", name):
    raise ApiError("CacheParameterGroupNotFound",
                   f"CacheParameterGroup {name} not found.")


def create(m, p):
  gid = p["ReplicationGroupId"].lower()   # ElastiCache stores ids lowercase
  node_type = p.get("CacheNodeType", nodeconfig.DEFAULT_NODE_TYPE)
  nodeconfig.node_type_mib(node_type)
  _check_pg(m, p.get("CacheParameterGroupName"))
  new_tags = tags.check_new(p.get("Tags", []))
  users.validate_for_group(m, p["Engine"], p.get("UserGroupIds"),
                           p.get("AuthToken"))
  if engines.binary(p["Engine"]) is None:
    raise invalid(engines.describe_missing(p["Engine"]))
  if "SnapshotName" in p:
    snapshots.get_available(m, p["SnapshotName"])
  replicas = p["ReplicasPerNodeGroup"]
  ports = m.alloc_ports(replicas + 3)
  if ports is None:
    raise ApiError("InsufficientCacheClusterCapacity",
                   "No free ports left in the node port range.")
  group = {
      "ReplicationGroupId": gid,
      "Description": p.get("ReplicationGroupDescription", ""),
      "Engine": p["Engine"], "CacheNodeType": node_type,
      "CacheParameterGroupName": p.get("CacheParameterGroupName"),
      "AutomaticFailoverEnabled": p["AutomaticFailoverEnabled"],
      "MultiAZEnabled": p.get("MultiAZEnabled", False),
      "SnapshotRetentionLimit": p.get("SnapshotRetentionLimit", 0),
      "SnapshotWindow": p.get("SnapshotWindow", "05:00-06:00"),
      "Status": "creating", "created": time.time(),
      "primary": f"{gid}-001", "epoch": 0,
      "primary_port": ports[0], "reader_port": ports[1],
      "auth_tokens": [p["AuthToken"]] if "AuthToken" in p else [],
      "next_index": replicas + 2,
      "seed_snapshot": p.get("SnapshotName"),
      "tags": sorted(new_tags.items()),
  }
  if p.get("UserGroupIds"):
    group.update(UserGroupIds=p["UserGroupIds"],
                 manager_secret=users.new_secret())
    group["acl_config"] = users.config_lines(m, group)
  # Steps (faults.POINTS["create"]); a restarted manager finishes the
  # creation (_resume_create): the caller was told the group exists.
  with m.group_lock(gid):
    op = ops.begin(m, "create", gid, {"ports": ports},
                   [("insert", "groups", gid, group)])
    if op is None:
      m.release_ports(ports)
      raise ApiError("ReplicationGroupAlreadyExists",
                     f"Replication group {gid} already exists.")
    try:
      nodes = _write_nodes(m, group, ports)
      op.step("nodes-written")
      m.supervisor.start_node(nodes[0], None)
      op.step("primary-started")
      for node in nodes[1:]:
        m.supervisor.start_node(node, nodes[0]["port"])
      op.step("replicas-started")
      m.open_endpoints(group)
      op.step("running", [("update", "nodes", n["id"], {"desired": "running"})
                          for n in nodes])
      op.finish()
    except Exception as e:
      m.release_ports(ports)
      # Keep the nodes' directories and logs for the operator: the group
      # stays as create-failed (no process, no endpoint) until deleted.
      _stop_all(m, gid)
      op.finish([("update", "groups", gid, {"Status": "create-failed"})])
      m.events.add("replication-group", gid, f"Create failed: {e}")
      raise internal(f"Could not create replication group {gid}: {e}. "
                     "The node directories are kept; "
                     "DeleteReplicationGroup removes them.")
    m.release_ports(ports)
    if group["seed_snapshot"]:
      m.events.add("replication-group", gid,
                   f"Restored from snapshot {group['seed_snapshot']}")
  m.health.kick()
  return {"ReplicationGroup": render(m, m.store.get("groups", gid))}


def _write_nodes(m, group, ports, only_missing=False):
  """The node documents and directories of a new group (desired "creating":
  not supervised yet), with the snapshot it is restored from, if any, as
  the primary's dump.rdb."""
  gid = group["ReplicationGroupId"]
  have = {n["id"]: n for n in m.group_nodes(gid)}
  nodes = []
  for i in range(group["next_index"] - 1):
    node_id = f"{gid}-{i + 1:03d}"
    if only_missing and node_id in have:
      nodes.append(have[node_id])
      continue
    nodes.append(_new_node(m, gid, i + 1, ports[2 + i],
                           "primary" if i == 0 else "replica"))
  if group.get("seed_snapshot"):
    seed = snapshots.get_available(m, group["seed_snapshot"])
    shutil.copyfile(seed, os.path.join(nodes[0]["dir"], "dump.rdb"))
    # The one file a new node may load (start_node removes others).
    m.store.update("nodes", nodes[0]["id"], rdb_current=True)
  return nodes


def _resume_create(m, op):
  """Finishes an interrupted create. Replicas started before their primary
  (or a primary that died with the manager) are stopped and everything is
  started again in order by the supervisor: a creating group has no data
  yet but its seed snapshot, which is copied again."""
  gid = op.doc["group"]
  with m.group_lock(gid):
    group = m.store.get("groups", gid)
    if group is None or group["Status"] != "creating":
      op.finish()
      return
    primary_alive = m.supervisor.alive(group["primary"])
    if not primary_alive:
      for n in m.group_nodes(gid):
        m.supervisor.stop_node(n["id"])
    if primary_alive:
      nodes = _write_nodes(m, dict(group, seed_snapshot=None),
                           op.data["ports"], only_missing=True)
    else:
      nodes = _write_nodes(m, group, op.data["ports"])
    op.finish([("update", "nodes", n["id"], {"desired": "running"})
               for n in nodes])
  m.events.add("replication-group", gid,
               "Creation resumed after a manager restart")
  m.health.kick()


ops.register("create", _resume_create)


def _new_node(m, gid, index, port, role):
  node_id = f"{gid}-{index:03d}"
  node = {"id": node_id, "group": gid, "index": index, "port": port,
          "dir": os.path.join(m.data_dir, "nodes", node_id),
          "priority": 100, "role": role, "desired": "creating"}
  if os.path.exists(node["dir"]):
    shutil.rmtree(node["dir"])
  os.makedirs(node["dir"])
  m.store.put("nodes", node_id, node)
  return node


def _stop_all(m, gid):
  nodes = m.group_nodes(gid)
  for n in nodes:
    m.store.update("nodes", n["id"], desired="stopped")
  m.close_endpoints(gid)
  for n in nodes:
    m.supervisor.stop_node(n["id"])
    m.health.forget(n["id"])


def _destroy(m, gid, op=None):
  """Stops and removes every node, endpoint and file of a group.
  Idempotent: an interrupted delete runs it again."""
  nodes = m.group_nodes(gid)
  for n in nodes:
    m.store.update("nodes", n["id"], desired="stopped")
  m.close_endpoints(gid)
  for n in nodes:
    m.supervisor.stop_node(n["id"])
    m.health.forget(n["id"])
  if op:
    op.step("stopped")
  for n in nodes:
    shutil.rmtree(n["dir"], ignore_errors=True)
  changes = [("delete", "nodes", n["id"]) for n in nodes]
  changes.append(("delete", "groups", gid))
  if op:
    op.finish(changes)
  else:
    m.store.batch(changes)


def describe(m, p):
  if "ReplicationGroupId" in p:
    groups = [get_group(m, p["ReplicationGroupId"])]
  else:
    groups = m.store.list("groups")
  chunk, nxt = paging.page(groups, p)
  out = {"ReplicationGroups": [render(m, g) for g in chunk]}
  if nxt is not None:
    out["Marker"] = nxt
  return out


def delete(m, p):
  group = get_group(m, p["ReplicationGroupId"])
  gid = group["ReplicationGroupId"]
  if group["Status"] not in ("available", "create-failed"):
    raise group_state(gid, group["Status"])
  if p.get("RetainPrimaryCluster"):
    raise invalid("RetainPrimaryCluster is not supported.")
  # Steps (faults.POINTS["delete"]): until the final snapshot is taken an
  # interrupted delete is undone (the group stays); after it, finished.
  final = p.get("FinalSnapshotIdentifier")
  op = ops.begin(m, "delete", gid, {"final_snapshot": final})
  try:
    if final:
      snapshots.create_for_group(m, group, final, wait=True)
  except BaseException:
    op.finish()
    raise
  op.step("snapshot-taken")
  with m.group_lock(gid):
    op.step("deleting", [("update", "groups", gid, {"Status": "deleting"})])
    body = render(m, m.store.get("groups", gid))
    _destroy(m, gid, op)
  m.events.add("replication-group", gid, "Replication group deleted")
  return {"ReplicationGroup": body}


def _resume_delete(m, op):
  gid = op.doc["group"]
  if not op.done("snapshot-taken"):
    op.finish()
    m.events.add("replication-group", gid,
                 "Delete interrupted by a manager restart before its final "
                 "snapshot was taken: the group is kept")
    return
  with m.group_lock(gid):
    m.store.update("groups", gid, Status="deleting")
    _destroy(m, gid, op)
  m.events.add("replication-group", gid,
               "Replication group deleted (resumed after a manager restart)")


ops.register("delete", _resume_delete)


def test_failover(m, p):
  group = get_group(m, p["ReplicationGroupId"])
  _require_available(group)
  if not group.get("AutomaticFailoverEnabled"):
    raise combination("TestFailover requires AutomaticFailoverEnabled.")
  ok, why = failover.fail_over(m, group["ReplicationGroupId"],
                               "TestFailover", graceful=True)
  if not ok:
    raise ApiError("TestFailoverNotAvailableFault", f"Failover failed: {why}")
  return {"ReplicationGroup": render(m, get_group(m, group[
      "ReplicationGroupId"]))}


def modify(m, p):
  group = get_group(m, p["ReplicationGroupId"])
  gid = group["ReplicationGroupId"]
  _require_available(group)
  changes = {}
  if "ReplicationGroupDescription" in p:
    changes["Description"] = p["ReplicationGroupDescription"]
  if "AutomaticFailoverEnabled" in p:
    if p["AutomaticFailoverEnabled"] and len(m.group_nodes(gid)) < 2:
      raise combination("AutomaticFailoverEnabled requires at least one "
                        "replica.")
    changes["AutomaticFailoverEnabled"] = p["AutomaticFailoverEnabled"]
  for k in ("SnapshotRetentionLimit", "SnapshotWindow"):
    if k in p:
      changes[k] = p[k]
  if "CacheNodeType" in p:
    changes["CacheNodeType"] = p["CacheNodeType"]
    nodeconfig.node_type_mib(p["CacheNodeType"])
  if "CacheParameterGroupName" in p:
    _check_pg(m, p["CacheParameterGroupName"])
    changes["CacheParameterGroupName"] = p["CacheParameterGroupName"]
  ugids = None
  if {"UserGroupIdsToAdd", "UserGroupIdsToRemove", "RemoveUserGroups"} & \
      set(p):
    ugids = [u for u in group.get("UserGroupIds") or []
             if u not in (p.get("UserGroupIdsToRemove") or [])]
    for u in p.get("UserGroupIdsToAdd") or []:
      if u not in ugids:
        ugids.append(u)
    if p.get("RemoveUserGroups"):
      ugids = []
    users.validate_for_group(m, group["Engine"], ugids,
                             p.get("AuthToken") or
                             group.get("auth_tokens"))
  if ("AuthToken" in p or "AuthTokenUpdateStrategy" in p) and (
      ugids is not None or group.get("UserGroupIds")):
    raise combination("AuthToken and UserGroupIds exclude each other: "
                      "remove the user groups first (in a call of its own).")
  with m.group_lock(gid):
    old_tokens = group.get("auth_tokens") or []
    tokens = None
    if "AuthTokenUpdateStrategy" in p or "AuthToken" in p:
      strategy = p.get("AuthTokenUpdateStrategy", "ROTATE")
      if strategy != "DELETE" and "AuthToken" not in p:
        raise combination("AuthToken is required.")
      if strategy == "ROTATE":
        new_tokens = [p["AuthToken"]] + old_tokens[:1]
      elif strategy == "SET":
        new_tokens = [p["AuthToken"]]
      else:
        new_tokens = []
      tokens = [old_tokens, new_tokens]
      changes["auth_tokens"] = new_tokens
      changes["auth_modified"] = time.time()
    # Steps (faults.POINTS["modify"]): an interrupted modify is finished
    # (_resume_modify): every step can be applied again.
    op = ops.begin(m, "modify", gid, {
        "changes": changes, "tokens": tokens, "ugids": ugids,
        "node_type": "CacheNodeType" in p,
        "param_group": "CacheParameterGroupName" in p},
        [("update", "groups", gid, {"Status": "modifying"})])
    group = _apply_modify(m, op)
  m.events.add("replication-group", gid, "Replication group modified")
  return {"ReplicationGroup": render(m, group)}


def _apply_modify(m, op):
  gid = op.doc["group"]
  d = op.data
  if d["tokens"]:
    _apply_tokens(m, gid, *d["tokens"])
  op.step("recorded", [("update", "groups", gid, d["changes"])])
  group = m.store.get("groups", gid)
  if d.get("ugids") is not None:
    group = users.attach(m, group, d["ugids"])
  if d["node_type"]:
    mib = nodeconfig.node_type_mib(group["CacheNodeType"])
    _config_set_all(m, gid, [("maxmemory", f"{mib}mb")])
  if d["param_group"]:
    from . import paramgroups
    paramgroups.apply_to_group(m, group)
  op.step("applied")
  op.finish([("update", "groups", gid, {"Status": "available"})])
  return m.store.get("groups", gid)


def _resume_modify(m, op):
  gid = op.doc["group"]
  with m.group_lock(gid):
    if m.store.get("groups", gid) is None:
      op.finish()
      return
    _apply_modify(m, op)
  m.events.add("replication-group", gid,
               "Replication group modified (resumed after a manager "
               "restart)")


ops.register("modify", _resume_modify)


def _apply_tokens(m, gid, old_tokens, new_tokens):
  """Pushes AUTH tokens to every node: ACL passwords for the default user.

  ROTATE keeps the previous token valid next to the new one (clients can move
  over); SET leaves only the new one; DELETE turns AUTH off.
  """
  rules = ["default", "resetpass"]
  rules += [">" + t for t in new_tokens] or ["nopass"]
  for n in m.group_nodes(gid):
    _node_call(m, n, old_tokens, ["ACL", "SETUSER", *rules])
    _node_call(m, n, new_tokens or [None], ["CONFIG", "SET", "masterauth",
                                            (new_tokens or [""])[0]])


def _node_call(m, node, tokens, args):
  from . import resp
  for token in tokens or [None]:
    try:
      return resp.call1(node["port"], *args, password=token)
    except (ConnectionError, resp.RespError):
      continue
    except OSError:
      return None
  return None


def _config_set_all(m, gid, pairs):
  from . import resp
  password = m.password_for(gid)
  for n in m.group_nodes(gid):
    for name, value in pairs:
      try:
        resp.call1(n["port"], "CONFIG", "SET", name, value, password=password)
      except (OSError, ConnectionError, resp.RespError):
        pass


def increase_replicas(m, p):
  group = get_group(m, p["ReplicationGroupId"])
  gid = group["ReplicationGroupId"]
  _require_available(group)
  current = len(m.group_nodes(gid)) - 1
  if p["NewReplicaCount"] <= current:
    raise invalid(f"NewReplicaCount must be greater than the current "
                  f"replica count {current}.")
  add = p["NewReplicaCount"] - current
  ports = m.alloc_ports(add)
  if ports is None:
    raise ApiError("InsufficientCacheClusterCapacity",
                   "No free ports left in the node port range.")
  with m.group_lock(gid):
    group = m.store.get("groups", gid)
    first = group["next_index"]
    # Steps (faults.POINTS["increase"]): an interrupted increase is
    # finished (_resume_increase).
    op = ops.begin(m, "increase", gid, {"ports": ports, "first": first},
                   [("update", "groups", gid,
                     {"Status": "modifying", "next_index": first + add})])
    try:
      _add_replicas(m, op, start=True)
    finally:
      m.release_ports(ports)
    group = m.store.get("groups", gid)
  m.health.kick()
  return {"ReplicationGroup": render(m, group)}


def _add_replicas(m, op, start):
  gid = op.doc["group"]
  have = {n["id"] for n in m.group_nodes(gid)}
  nodes = []
  for i, port in enumerate(op.data["ports"]):
    index = op.data["first"] + i
    node_id = f"{gid}-{index:03d}"
    if node_id in have and op.done("nodes-written"):
      nodes.append(m.store.get("nodes", node_id))
    else:
      nodes.append(_new_node(m, gid, index, port, "replica"))
  op.step("nodes-written")
  if start:
    group = m.store.get("groups", gid)
    primary = m.store.get("nodes", group["primary"])
    try:
      for node in nodes:
        m.supervisor.start_node(node, primary["port"])
    except Exception as e:
      for node in nodes:
        m.supervisor.stop_node(node["id"])
        shutil.rmtree(node["dir"], ignore_errors=True)
      op.finish([("delete", "nodes", n["id"]) for n in nodes] +
                [("update", "groups", gid, {"Status": "available"})])
      m.events.add("replication-group", gid, f"Adding replicas failed: {e}")
      raise internal(f"Could not add replicas to {gid}: {e}")
    op.step("started")
  # The supervisor starts (or restarts) what is not running; the group
  # turns available when the new replicas are in sync (Manager._settle).
  op.finish([("update", "nodes", n["id"], {"desired": "running"})
             for n in nodes])
  for node in nodes:
    m.events.add("cache-cluster", node["id"], "Replica added")


def _resume_increase(m, op):
  gid = op.doc["group"]
  with m.group_lock(gid):
    if m.store.get("groups", gid) is None:
      op.finish()
      return
    _add_replicas(m, op, start=False)
  m.events.add("replication-group", gid,
               "Adding replicas resumed after a manager restart")


ops.register("increase", _resume_increase)


def decrease_replicas(m, p):
  group = get_group(m, p["ReplicationGroupId"])
  gid = group["ReplicationGroupId"]
  _require_available(group)
  replicas = [n for n in m.group_nodes(gid) if n["id"] != group["primary"]]
  if "ReplicasToRemove" in p:
    ids = set(replicas_id.lower() for replicas_id in p["ReplicasToRemove"])
    known = {n["id"] for n in replicas}
    if group["primary"] in ids:
      raise invalid("ReplicasToRemove cannot include the primary.")
    if not ids <= known:
      raise ApiError("CacheClusterNotFound",
                     f"Unknown replicas: {', '.join(sorted(ids - known))}.")
    remove = [n for n in replicas if n["id"] in ids]
  else:
    if p["NewReplicaCount"] >= len(replicas):
      raise invalid(f"NewReplicaCount must be less than the current "
                    f"replica count {len(replicas)}.")
    remove = replicas[p["NewReplicaCount"]:]
  left = len(replicas) - len(remove)
  if left == 0 and group.get("AutomaticFailoverEnabled"):
    raise combination("A group with AutomaticFailoverEnabled needs at least "
                      "one replica.")
  with m.group_lock(gid):
    # Steps (faults.POINTS["decrease"]): an interrupted decrease is
    # finished (_remove_replicas is idempotent).
    op = ops.begin(m, "decrease", gid, {"remove": [n["id"] for n in remove]},
                   [("update", "groups", gid, {"Status": "modifying"})] +
                   [("update", "nodes", n["id"], {"desired": "stopped"})
                    for n in remove])
    _remove_replicas(m, op)
    group = m.store.get("groups", gid)
  return {"ReplicationGroup": render(m, group)}


def _remove_replicas(m, op):
  gid = op.doc["group"]
  nodes = [n for n in (m.store.get("nodes", i) for i in op.data["remove"])
           if n]
  m.refresh_reader(gid)
  for n in nodes:
    m.store.update("nodes", n["id"], desired="stopped")
    m.supervisor.stop_node(n["id"])
    m.health.forget(n["id"])
  op.step("stopped")
  for n in nodes:
    shutil.rmtree(n["dir"], ignore_errors=True)
  op.step("removed", [("delete", "nodes", n["id"]) for n in nodes])
  op.finish([("update", "groups", gid, {"Status": "available"})])
  for n in nodes:
    m.events.add("cache-cluster", n["id"], "Replica removed")


def _resume_decrease(m, op):
  gid = op.doc["group"]
  with m.group_lock(gid):
    if m.store.get("groups", gid) is None:
      op.finish()
      return
    _remove_replicas(m, op)


ops.register("decrease", _resume_decrease)


def reboot(m, p):
  node = m.store.get("nodes", p["CacheClusterId"].lower())
  if node is None:
    raise ApiError("CacheClusterNotFound",
                   f"Cache cluster {p['CacheClusterId']} not found.")
  if p["CacheNodeIdsToReboot"] != ["0001"]:
    raise invalid("CacheNodeIdsToReboot must be [\"0001\"]: each cache "
                  "cluster has one node.")
  group = get_group(m, node["group"])
  _require_available(group)
  if group["primary"] == node["id"] and len(m.group_nodes(node["group"])) > 1:
    # Rebooting a primary in place would let replicas sync from an empty
    # node; hand the role over first, as a managed service does.
    failover.fail_over(m, node["group"], "RebootCacheCluster", graceful=True)
  m.supervisor.stop_node(node["id"], save=True)
  m.events.add("cache-cluster", node["id"], "Cache node rebooted")
  return {"CacheCluster": {"CacheClusterId": node["id"],
                           "CacheClusterStatus": "rebooting cache cluster nodes",
                           "ReplicationGroupId": node["group"]}}


def signal_node(m, node_id, sig=signal.SIGKILL):
  m.supervisor.kill_node(node_id, sig)
