"""Resource tags and ARNs: AddTagsToResource, RemoveTagsFromResource,
ListTagsForResource, and the Tags given at creation.

ARNs have Vireo's own shape,
arn:vireo:elasticache:<region>:<account>:<kind>:<id>, with kind
replicationgroup, cluster (one node), snapshot, user or usergroup. Tags
live in the resource's document in the store (as "tags"; "_tags" for
snapshots, whose document is rendered as is) and go away with it. ElastiCache's limit of 50
tags per resource applies. Threading: changes are serialized by one lock.
"""

import threading

from .errors import ApiError, invalid

MAX_TAGS = 50
_lock = threading.Lock()

# ARN kind -> (store table, tag field, not-found code, noun)
KINDS = {
    "replicationgroup": ("groups", "tags", "ReplicationGroupNotFoundFault",
                         "Replication group"),
    "cluster": ("nodes", "tags", "CacheClusterNotFound", "Cache cluster"),
    "snapshot": ("snapshots", "_tags", "SnapshotNotFoundFault", "Snapshot"),
    "user": ("users", "tags", "UserNotFound", "User"),
    "usergroup": ("user_groups", "tags", "UserGroupNotFound", "User group"),
}


def region(m):
  return getattr(m, "region", "us-east-1")


def account(m):
  return getattr(m, "account_id", "000000000000")


def arn(m, kind, ident):
  return f"arn:vireo:elasticache:{region(m)}:{account(m)}:{kind}:{ident}"


def _resolve(m, name):
  parts = name.split(":")
  if len(parts) != 7 or parts[:3] != ["arn", "vireo", "elasticache"] or \
      parts[5] not in KINDS or not parts[6]:
    raise ApiError("InvalidARN", f"The ARN {name[:200]!r} is not valid: "
                   "expected arn:vireo:elasticache:<region>:<account>:"
                   "replicationgroup|cluster|snapshot|user|usergroup:<id>.")
  if parts[3] != region(m) or parts[4] != account(m):
    raise ApiError("InvalidARN", f"The ARN {name[:200]!r} names region "
                   f"{parts[3]!r} and account {parts[4]!r}; this endpoint "
                   f"is region {region(m)!r}, account {account(m)!r}.")
  table, field, code, noun = KINDS[parts[5]]
  key = parts[6] if parts[5] in ("snapshot", "user", "usergroup") else \
      parts[6].lower()
  doc = m.store.get(table, key)
  if doc is None:
    raise ApiError(code, f"{noun} {parts[6]} not found.")
  return table, key, field, doc


def _render(pairs):
  return [{"Key": k, "Value": v} for k, v in pairs]


def check_new(pairs):
  """Validates tags given to Add or at creation; returns them as a dict."""
  out = {}
  for key, value in pairs:
    if key.lower().startswith("aws:"):
      raise invalid("Tag keys starting with 'aws:' are reserved.")
    out[key] = value
  if len(out) > MAX_TAGS:
    raise ApiError("TagQuotaPerResourceExceeded",
                   f"A resource may have at most {MAX_TAGS} tags.")
  return out


def add(m, p):
  new = check_new(p["Tags"])
  with _lock:
    table, key, field, doc = _resolve(m, p["ResourceName"])
    tags = dict(doc.get(field) or [])
    tags.update(new)
    if len(tags) > MAX_TAGS:
      raise ApiError("TagQuotaPerResourceExceeded",
                     f"A resource may have at most {MAX_TAGS} tags.")
    m.store.update(table, key, **{field: sorted(tags.items())})
  return {"TagList": _render(sorted(tags.items()))}


def remove(m, p):
  with _lock:
    table, key, field, doc = _resolve(m, p["ResourceName"])
    tags = dict(doc.get(field) or [])
    missing = [k for k in p["TagKeys"] if k not in tags]
    if missing:
      raise ApiError("TagNotFound", f"Tag {missing[0][:128]!r} not found on "
                     f"{p['ResourceName'][:200]}.")
    for k in p["TagKeys"]:
      tags.pop(k, None)
    m.store.update(table, key, **{field: sorted(tags.items())})
  return {"TagList": _render(sorted(tags.items()))}


def list_tags(m, p):
  _, _, field, doc = _resolve(m, p["ResourceName"])
  return {"TagList": _render(doc.get(field) or [])}
