"""Cache parameter group actions and pushing parameters to running nodes.

A parameter group stores only overrides; params.py knows every parameter's
type, default and whether a running node can take it (CONFIG SET, applied to
every member of every group using the parameter group at once) or needs a
reboot (written to the config file the node gets at its next start).
Threading: safe from any thread.
"""

from . import params, resp
from .errors import ApiError, invalid

DEFAULT_NAME = params.DEFAULT_GROUP


def ensure_default(m):
  if not m.store.get("param_groups", DEFAULT_NAME):
    m.store.put("param_groups", DEFAULT_NAME, {
        "CacheParameterGroupName": DEFAULT_NAME,
        "CacheParameterGroupFamily": "redis7",
        "Description": "Default parameter group for redis7",
        "IsGlobal": False, "overrides": {}})


def _render(pg):
  return {k: v for k, v in pg.items() if k != "overrides"}


def _get(m, name):
  pg = m.store.get("param_groups", name)
  if pg is None:
    raise ApiError("CacheParameterGroupNotFound",
                   f"CacheParameterGroup {name} not found.")
  return pg


def _not_default(name, verb):
  if name.startswith("default."):
    raise ApiError("InvalidCacheParameterGroupState",
                   f"Default parameter groups cannot be {verb}.")


def create(m, p):
  pg = {"CacheParameterGroupName": p["CacheParameterGroupName"],
        "CacheParameterGroupFamily": p["CacheParameterGroupFamily"],
        "Description": p["Description"], "IsGlobal": False,
        "overrides": {}}
  if not m.store.insert("param_groups", pg["CacheParameterGroupName"], pg):
    raise ApiError("CacheParameterGroupAlreadyExists",
                   f"CacheParameterGroup {pg['CacheParameterGroupName']} "
                   "already exists.")
  m.events.add("cache-parameter-group", pg["CacheParameterGroupName"],
               "Cache parameter group created")
  return {"CacheParameterGroup": _render(pg)}


def modify(m, p):
  name = p["CacheParameterGroupName"]
  pg = _get(m, name)
  _not_default(name, "modified")
  changes = {}
  for pname, value in p["ParameterNameValues"]:
    params.check_value(pname, value)
    changes[pname] = value
  overrides = dict(pg["overrides"], **changes)
  m.store.update("param_groups", name, overrides=overrides)
  pending = _push(m, name, changes)
  m.events.add("cache-parameter-group", name,
               "Parameters changed: " + ", ".join(sorted(changes)) +
               (f" (applied at next reboot: {', '.join(pending)})"
                if pending else ""))
  return {"CacheParameterGroupName": name}


def reset(m, p):
  name = p["CacheParameterGroupName"]
  pg = _get(m, name)
  _not_default(name, "reset")
  if p.get("ResetAllParameters"):
    names = list(pg["overrides"])
  else:
    names = [n for n, _ in p["ParameterNameValues"]]
    for n in names:
      if n not in params.PARAMETERS:
        raise invalid(f"Unknown parameter {n!r}.")
  overrides = {k: v for k, v in pg["overrides"].items() if k not in names}
  m.store.update("param_groups", name, overrides=overrides)
  _push(m, name, {n: params.PARAMETERS[n][2] for n in names})
  m.events.add("cache-parameter-group", name, "Parameters reset")
  return {"CacheParameterGroupName": name}


def delete(m, p):
  name = p["CacheParameterGroupName"]
  _get(m, name)
  _not_default(name, "deleted")
  users = [g["ReplicationGroupId"] for g in m.store.list("groups")
           if g.get("CacheParameterGroupName") == name]
  if users:
    raise ApiError("InvalidCacheParameterGroupState",
                   f"CacheParameterGroup {name} is used by "
                   f"{', '.join(users)}.")
  m.store.delete("param_groups", name)
  return {}


def _paged(key, items, p):
  from .cacheinfo import page
  chunk, nxt = page(items, p)
  out = {key: chunk}
  if nxt is not None:
    out["Marker"] = nxt
  return out


def describe_groups(m, p):
  if "CacheParameterGroupName" in p:
    pgs = [_get(m, p["CacheParameterGroupName"])]
  else:
    pgs = m.store.list("param_groups")
  return _paged("CacheParameterGroups", [_render(pg) for pg in pgs], p)


def describe_parameters(m, p):
  pg = _get(m, p["CacheParameterGroupName"])
  items = params.describe(pg["overrides"])
  if "Source" in p:
    items = [i for i in items if i["Source"] == p["Source"]]
  return _paged("Parameters", items, p)


def apply_to_group(m, group):
  """Pushes a (new) parameter group's immediate values to a group's nodes."""
  values = params.effective(m.param_overrides(group))
  if group["Engine"] == "vireo":
    # vireo nodes get only overrides (see nodeconfig.write_config).
    values = dict(m.param_overrides(group))
  _config_set(m, group, {k: v for k, v in values.items()
                         if params.PARAMETERS[k][3] == "immediate"})


def _push(m, pg_name, changes):
  """CONFIG SETs immediate changes; returns the names that need a reboot."""
  immediate = {k: v for k, v in changes.items()
               if params.PARAMETERS[k][3] == "immediate"}
  pending = sorted(set(changes) - set(immediate))
  for group in m.store.list("groups"):
    name = group.get("CacheParameterGroupName") or DEFAULT_NAME
    if name == pg_name:
      _config_set(m, group, immediate)
  return pending


def _config_set(m, group, values):
  if not values:
    return
  password = m.password_for(group["ReplicationGroupId"])
  args = ["CONFIG", "SET"]
  for k, v in values.items():
    args += [k, v]
  for n in m.group_nodes(group["ReplicationGroupId"]):
    try:
      resp.call1(n["port"], *args, password=password)
    except (OSError, ConnectionError, resp.RespError) as e:
      m.events.add("cache-cluster", n["id"],
                   f"Applying parameters failed: {e}")
