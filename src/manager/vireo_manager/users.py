"""Users and user groups (ElastiCache RBAC), applied to nodes as ACL rules.

A user has a name, passwords (or none) and an access string in Redis ACL
syntax ("on ~app:* -@all +get"); a user group is a set of users that must
include one whose UserName is "default" (it replaces the engine's default
user). A replication group with a user group gets, on every node, one ACL
user per member (`user` lines in the node config, so a restarted node has
them, and ACL SETUSER/DELUSER when they change), plus the manager's own
user `vireo-manager` with a secret kept in the store: the manager's
connections authenticate as it (Manager.password_for) and replicas sync with
it (masteruser/masterauth). The built-in user "default" (UserName default,
no password, "on ~* +@all") exists as in ElastiCache and cannot be changed.
Both engines have ACL; AuthToken and user groups exclude each other, as in
ElastiCache.
Threading: changes are serialized by one lock; node updates happen under it.
"""

import re
import secrets
import threading

from . import resp, tags
from .errors import ApiError, combination, invalid

MANAGER_USER = "vireo-manager"
DEFAULT_USER = {"UserId": "default", "UserName": "default",
                "Engine": "redis", "AccessString": "on ~* +@all",
                "passwords": [], "NoPasswordRequired": True}
_ID = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$")
_RULE = re.compile(r"^(on|off|allkeys|allchannels|allcommands|nocommands|"
                   r"resetkeys|resetchannels|(%(R|W|RW))?~\S*|&\S*|"
                   r"[+-]@?[A-Za-z0-9|_.:-]+)$")
_lock = threading.Lock()


def check_access_string(text):
  tokens = text.split()
  if not tokens:
    raise invalid("AccessString must not be empty.")
  for t in tokens:
    if not _RULE.match(t) or t.lower().lstrip("+-") in ("@" + MANAGER_USER,):
      raise invalid(f"AccessString rule {t[:60]!r} is not allowed: use "
                    "on/off, ~key patterns, &channel patterns and "
                    "+/-commands or @categories (passwords go in "
                    "Passwords).")
  return tokens


def _check_id(kind, v):
  if not v or len(v) > 40 or not _ID.match(v) or v.endswith("-"):
    raise invalid(f"{kind} {v[:60]!r} is not valid: 1 to 40 letters, digits "
                  "and single hyphens, starting with a letter.")


def _check_passwords(pw):
  if not 1 <= len(pw) <= 2:
    raise invalid("Passwords takes one or two passwords.")
  for p in pw:
    if not 16 <= len(p) <= 128 or any(not 33 <= ord(c) <= 126 or c in
                                      " \"/@" for c in p):
      raise invalid("Each password must be 16 to 128 printable characters "
                    "other than space, '\"', '/' and '@'.")


def _engine(v):
  if v not in ("redis", "vireo"):
    raise invalid(f"Engine {v[:40]!r} is not valid for users: use redis or "
                  "vireo.")


def _get_user(m, uid):
  if uid == "default":
    return dict(DEFAULT_USER)
  u = m.store.get("users", uid)
  if u is None:
    raise ApiError("UserNotFound", f"User {uid} not found.")
  return u


def _get_ugroup(m, ugid):
  g = m.store.get("user_groups", ugid)
  if g is None:
    raise ApiError("UserGroupNotFound", f"User group {ugid} not found.")
  return g


def _user_groups_of(m, uid):
  return [g["UserGroupId"] for g in m.store.list("user_groups")
          if uid in g["UserIds"]]


def render_user(m, u):
  return {
      "UserId": u["UserId"], "UserName": u["UserName"], "Status": "active",
      "Engine": u["Engine"], "MinimumEngineVersion": "6.0",
      "AccessString": u["AccessString"],
      "UserGroupIds": _user_groups_of(m, u["UserId"]),
      "Authentication": {
          "Type": "no-password" if not u["passwords"] else "password",
          "PasswordCount": len(u["passwords"])},
      "ARN": tags.arn(m, "user", u["UserId"]),
  }


def _groups_using(m, ugid):
  return [g for g in m.store.list("groups") if ugid in
          (g.get("UserGroupIds") or [])]


def render_ugroup(m, g):
  return {
      "UserGroupId": g["UserGroupId"], "Status": "active",
      "Engine": g["Engine"], "UserIds": g["UserIds"],
      "MinimumEngineVersion": "6.0",
      "ReplicationGroups": [x["ReplicationGroupId"]
                            for x in _groups_using(m, g["UserGroupId"])],
      "ARN": tags.arn(m, "usergroup", g["UserGroupId"]),
  }


def _passwords_of(p):
  mode = p.get("AuthenticationMode") or {}
  if mode and not isinstance(mode, dict):
    raise invalid("AuthenticationMode must be a structure.")
  kind = mode.get("Type")
  pw = p.get("Passwords")
  if kind is not None and kind not in ("password", "no-password-required"):
    raise invalid("AuthenticationMode Type must be password or "
                  "no-password-required (iam is not available).")
  if mode.get("Passwords") is not None:
    from .validation import _coerce
    pw = _coerce("AuthenticationMode.Passwords", "strlist",
                 mode["Passwords"])
  nopass = p.get("NoPasswordRequired") or kind == "no-password-required"
  if nopass and pw:
    raise combination("Passwords cannot be given with NoPasswordRequired.")
  if pw is not None:
    _check_passwords(pw)
  return pw, nopass


def create_user(m, p):
  _check_id("UserId", p["UserId"])
  if p["UserId"] == "default":
    raise ApiError("UserAlreadyExists", "User default already exists.")
  _engine(p["Engine"])
  check_access_string(p["AccessString"])
  pw, nopass = _passwords_of(p)
  if not pw and not nopass:
    raise combination("Give Passwords, or NoPasswordRequired true.")
  if p["UserName"] == MANAGER_USER:
    raise invalid(f"UserName {MANAGER_USER} is reserved for the manager.")
  new_tags = tags.check_new(p.get("Tags", []))
  user = {"UserId": p["UserId"], "UserName": p["UserName"],
          "Engine": p["Engine"], "AccessString": p["AccessString"],
          "passwords": pw or [], "tags": sorted(new_tags.items())}
  if not m.store.insert("users", p["UserId"], user):
    raise ApiError("UserAlreadyExists", f"User {p['UserId']} already "
                   "exists.")
  return render_user(m, user)


def modify_user(m, p):
  if p["UserId"] == "default":
    raise ApiError("InvalidUserState", "The built-in user default cannot "
                   "be modified: create a user named default instead.")
  with _lock:
    user = _get_user(m, p["UserId"])
    changes = {}
    if "AccessString" in p:
      check_access_string(p["AccessString"])
      changes["AccessString"] = p["AccessString"]
    if "AppendAccessString" in p:
      base = changes.get("AccessString", user["AccessString"])
      check_access_string(p["AppendAccessString"])
      changes["AccessString"] = base + " " + p["AppendAccessString"]
    pw, nopass = _passwords_of(p)
    if pw is not None:
      changes["passwords"] = pw
    elif nopass:
      changes["passwords"] = []
    user = m.store.update("users", p["UserId"], **changes)
    _push_user_everywhere(m, user)
  return render_user(m, user)


def delete_user(m, p):
  if p["UserId"] == "default":
    raise ApiError("InvalidUserState", "The built-in user default cannot "
                   "be deleted.")
  with _lock:
    user = _get_user(m, p["UserId"])
    groups = _user_groups_of(m, user["UserId"])
    if groups:
      raise ApiError("InvalidUserState", f"User {user['UserId']} belongs "
                     f"to user group(s) {', '.join(groups)}: remove it "
                     "first.")
    m.store.delete("users", user["UserId"])
  out = render_user(m, user)
  out["Status"] = "deleting"
  return out


def _page(items, p):
  from .cacheinfo import page
  return page(items, p)


def describe_users(m, p):
  if "Filters" in p:
    raise invalid("Filters are not supported: use UserId or Engine.")
  users = [dict(DEFAULT_USER)] + m.store.list("users")
  if "UserId" in p:
    users = [_get_user(m, p["UserId"])]
  if "Engine" in p:
    users = [u for u in users if u["Engine"] == p["Engine"]]
  chunk, nxt = _page(users, p)
  out = {"Users": [render_user(m, u) for u in chunk]}
  if nxt is not None:
    out["Marker"] = nxt
  return out


def _check_members(m, ids):
  users = [_get_user(m, uid) for uid in ids]
  if len(set(ids)) != len(ids):
    raise invalid("UserIds lists a user twice.")
  names = [u["UserName"] for u in users]
  if "default" not in names:
    raise ApiError("DefaultUserRequired", "A user group must contain a "
                   "user whose UserName is default.")
  if len(set(names)) != len(names):
    raise ApiError("DuplicateUserName", "Two users of the group have the "
                   "same UserName.")
  return users


def create_group(m, p):
  _check_id("UserGroupId", p["UserGroupId"])
  _engine(p["Engine"])
  ids = p.get("UserIds") or []
  _check_members(m, ids)
  new_tags = tags.check_new(p.get("Tags", []))
  group = {"UserGroupId": p["UserGroupId"], "Engine": p["Engine"],
           "UserIds": ids, "tags": sorted(new_tags.items())}
  if not m.store.insert("user_groups", p["UserGroupId"], group):
    raise ApiError("UserGroupAlreadyExists", f"User group "
                   f"{p['UserGroupId']} already exists.")
  return render_ugroup(m, group)


def modify_group(m, p):
  with _lock:
    group = _get_ugroup(m, p["UserGroupId"])
    ids = [u for u in group["UserIds"]
           if u not in (p.get("UserIdsToRemove") or [])]
    for uid in p.get("UserIdsToAdd") or []:
      if uid not in ids:
        ids.append(uid)
    _check_members(m, ids)
    removed = [_get_user(m, u) for u in group["UserIds"] if u not in ids]
    group = m.store.update("user_groups", group["UserGroupId"], UserIds=ids)
    for rg in _groups_using(m, group["UserGroupId"]):
      apply_to_group(m, rg, removed=removed)
  return render_ugroup(m, group)


def delete_group(m, p):
  with _lock:
    group = _get_ugroup(m, p["UserGroupId"])
    users = _groups_using(m, group["UserGroupId"])
    if users:
      raise ApiError("InvalidUserGroupState", f"User group "
                     f"{group['UserGroupId']} is used by "
                     f"{', '.join(g['ReplicationGroupId'] for g in users)}.")
    m.store.delete("user_groups", group["UserGroupId"])
  out = render_ugroup(m, group)
  out["Status"] = "deleting"
  return out


def describe_groups(m, p):
  groups = m.store.list("user_groups")
  if "UserGroupId" in p:
    groups = [_get_ugroup(m, p["UserGroupId"])]
  chunk, nxt = _page(groups, p)
  out = {"UserGroups": [render_ugroup(m, g) for g in chunk]}
  if nxt is not None:
    out["Marker"] = nxt
  return out


# --- what the nodes get -------------------------------------------------------
def user_rules(u):
  """ACL rules of one user, from a clean slate."""
  rules = ["reset"]
  rules += [">" + pw for pw in u["passwords"]] or ["nopass"]
  rules += u["AccessString"].split()
  return rules


def members_of(m, group):
  """The users a replication group's nodes carry ([] without RBAC)."""
  out = {}
  for ugid in group.get("UserGroupIds") or []:
    ug = m.store.get("user_groups", ugid)
    for uid in (ug or {}).get("UserIds", []):
      u = _get_user(m, uid)
      out[u["UserName"]] = u
  return list(out.values())


def manager_rules(secret):
  return ["reset", "on", ">" + secret, "~*", "&*", "+@all"]


def config_lines(m, group, is_replica=False):
  """`user`/masteruser lines for a node config (empty without RBAC)."""
  if not group.get("UserGroupIds"):
    return []
  secret = group["manager_secret"]
  lines = [f"user {MANAGER_USER} " + " ".join(manager_rules(secret))]
  for u in members_of(m, group):
    lines.append(f"user {u['UserName']} " + " ".join(user_rules(u)))
  lines.append(f"masteruser {MANAGER_USER}")
  lines.append(f"masterauth {secret}")
  return lines


def validate_for_group(m, engine, ugids, auth_token):
  if not ugids:
    return
  if len(ugids) > 1:
    raise invalid("A replication group takes one user group.")
  _engine(engine)
  if auth_token:
    raise combination("AuthToken and UserGroupIds exclude each other.")
  for ugid in ugids:
    _get_ugroup(m, ugid)


def new_secret():
  return secrets.token_hex(24)


def _node_call(m, node, password, args):
  try:
    resp.call1(node["port"], *args, password=password)
  except (OSError, ConnectionError, resp.RespError) as e:
    m.events.add("cache-cluster", node["id"], f"Applying users failed: {e}")


def refresh_config(m, group):
  """Stores the config lines nodes of `group` start with (nodeconfig.py)."""
  return m.store.update("groups", group["ReplicationGroupId"],
                        acl_config=config_lines(m, group, False))


def apply_to_group(m, group, removed=()):
  """Pushes the group's users to every running node (ACL SETUSER/DELUSER);
  the node config has them from the store at the next start."""
  group = refresh_config(m, group)
  gid = group["ReplicationGroupId"]
  password = m.password_for(gid)
  users = members_of(m, group)
  names = {u["UserName"] for u in users}
  for node in m.group_nodes(gid):
    for u in users:
      _node_call(m, node, password, ["ACL", "SETUSER", u["UserName"],
                                     *user_rules(u)])
    for u in removed:
      if u["UserName"] not in names and u["UserName"] != "default":
        _node_call(m, node, password, ["ACL", "DELUSER", u["UserName"]])


def _push_user_everywhere(m, user):
  for g in m.store.list("groups"):
    if any(user["UserId"] in (m.store.get("user_groups", ug) or {}).get(
        "UserIds", []) for ug in g.get("UserGroupIds") or []):
      apply_to_group(m, g)


def attach(m, group, ugids):
  """ModifyReplicationGroup: sets the group's user groups on live nodes.
  The manager's user comes first (so it can still reach the nodes), then
  the members; detaching gives the default user back its open rules."""
  gid = group["ReplicationGroupId"]
  with _lock:
    old_users = members_of(m, group)
    if ugids:
      secret = group.get("manager_secret") or new_secret()
      password = m.password_for(gid)
      for node in m.group_nodes(gid):
        _node_call(m, node, password, ["ACL", "SETUSER", MANAGER_USER,
                                       *manager_rules(secret)])
      group = m.store.update("groups", gid, UserGroupIds=ugids,
                             manager_secret=secret)
      password = m.password_for(gid)
      for node in m.group_nodes(gid):
        if node["id"] != group["primary"]:
          _node_call(m, node, password, ["CONFIG", "SET", "masteruser",
                                         MANAGER_USER, "masterauth", secret])
      apply_to_group(m, group, removed=old_users)
    else:
      password = m.password_for(gid)
      for node in m.group_nodes(gid):
        _node_call(m, node, password, ["ACL", "SETUSER", "default", "reset",
                                       "on", "nopass", "~*", "&*", "+@all"])
        for u in old_users:
          if u["UserName"] != "default":
            _node_call(m, node, password, ["ACL", "DELUSER", u["UserName"]])
      group = m.store.update("groups", gid, UserGroupIds=[])
      group = refresh_config(m, group)
  return group
