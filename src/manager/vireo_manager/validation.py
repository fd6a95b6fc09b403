"""Request parameter schemas for every API action, and their validation.

Each action lists its fields with a type, whether it is required and an
optional checker. validate() turns a raw JSON object into a clean dict or
raises ApiError with the ElastiCache code (MissingParameter,
InvalidParameterValue, InvalidParameterCombination). Cross-field rules that
need the store (does the group exist?) live with the actions, not here.
Pure functions over immutable tables: thread-safe.
"""

import re
from datetime import datetime, timezone

from .errors import ApiError, combination, invalid, missing

_GROUP_ID = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def check_identifier(kind, value, limit):
  # ElastiCache identifier rules: starts with a letter, letters, digits and
  # single hyphens, no trailing hyphen.
  if not value or len(value) > limit:
    raise invalid(f"{kind} must be 1 to {limit} characters long.")
  if not _GROUP_ID.match(value) or value.endswith("-"):
    raise invalid(f"{kind} {value!r} is not valid: it must begin with a "
                  "letter, contain only ASCII letters, digits and hyphens, "
                  "and must not end with a hyphen or contain two consecutive "
                  "hyphens.")


def _group_id(v):
  check_identifier("ReplicationGroupId", v, 40)


def _cluster_id(v):
  check_identifier("CacheClusterId", v, 50)


def _snapshot_name(v):
  check_identifier("SnapshotName", v, 255)


def _pg_name(v):
  # Parameter group names may carry a dotted family, as in default.redis7.
  for part in v.split("."):
    check_identifier("CacheParameterGroupName", part, 255)
  if len(v) > 255:
    raise invalid("CacheParameterGroupName must be at most 255 characters.")


def _engine(v):
  if v not in ("vireo", "redis"):
    raise invalid(f"Engine {v!r} is not supported: use 'vireo' or 'redis'.")


def _auth_token(v):
  if not 16 <= len(v) <= 128:
    raise invalid("AuthToken must be between 16 and 128 characters.")
  for ch in v:
    if not (33 <= ord(ch) <= 126) or ch in "\"/@":
      raise invalid("AuthToken may contain only printable ASCII characters "
                    "other than space, '\"', '/' and '@'.")


def _auth_strategy(v):
  if v not in ("SET", "ROTATE", "DELETE"):
    raise invalid("AuthTokenUpdateStrategy must be SET, ROTATE or DELETE.")


def window_minutes(v):
  """Returns (start, end) minutes of day for an 'hh24:mi-hh24:mi' window."""
  m = _WINDOW.match(v)
  if not m:
    raise invalid(f"SnapshotWindow {v!r} must have the format hh24:mi-hh24:mi "
                  "(UTC).")
  start = int(m.group(1)) * 60 + int(m.group(2))
  end = int(m.group(3)) * 60 + int(m.group(4))
  return start, end


def _window(v):
  start, end = window_minutes(v)
  if (end - start) % 1440 < 60:
    raise invalid("SnapshotWindow must be at least 60 minutes long.")


def _range(lo, hi, name):
  def check(v):
    if not lo <= v <= hi:
      raise invalid(f"{name} must be between {lo} and {hi}, got {v}.")
  return check


def _source_type(v):
  if v not in ("replication-group", "cache-cluster", "cache-parameter-group",
               "snapshot"):
    raise invalid(f"SourceType {v!r} is not valid.")


def _statistic(v):
  if v not in ("Average", "Sum", "Minimum", "Maximum", "SampleCount"):
    raise invalid(f"Statistic {v!r} is not valid.")


def _family(v):
  if v not in ("redis7", "vireo1"):
    raise invalid(f"CacheParameterGroupFamily {v!r} is not valid: use redis7 "
                  "or vireo1.")


S, I, B, L, T, P = "str", "int", "bool", "strlist", "time", "paramlist"
TAGS, DIMS, RAW = "taglist", "dimlist", "raw"
_TAG_KEY_LIMIT, _TAG_VALUE_LIMIT = 128, 256

# name -> (type, required, checker)
ACTIONS = {
    "CreateReplicationGroup": {
        "ReplicationGroupId": (S, True, _group_id),
        "ReplicationGroupDescription": (S, False, None),
        "Engine": (S, False, _engine),
        "EngineVersion": (S, False, None),
        "NumNodeGroups": (I, False, _range(1, 1, "NumNodeGroups")),
        "ReplicasPerNodeGroup": (I, False, _range(0, 5, "ReplicasPerNodeGroup")),
        "NumCacheClusters": (I, False, _range(1, 6, "NumCacheClusters")),
        "CacheNodeType": (S, False, None),
        "CacheParameterGroupName": (S, False, _pg_name),
        "AuthToken": (S, False, _auth_token),
        "TransitEncryptionEnabled": (B, False, None),
        "AutomaticFailoverEnabled": (B, False, None),
        "MultiAZEnabled": (B, False, None),
        "SnapshotName": (S, False, _snapshot_name),
        "SnapshotRetentionLimit": (I, False, _range(0, 35, "SnapshotRetentionLimit")),
        "SnapshotWindow": (S, False, _window),
        "Tags": (TAGS, False, None),
        "UserGroupIds": (L, False, None),
    },
    "DescribeReplicationGroups": {
        "ReplicationGroupId": (S, False, _group_id),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "ModifyReplicationGroup": {
        "ReplicationGroupId": (S, True, _group_id),
        "ReplicationGroupDescription": (S, False, None),
        "CacheParameterGroupName": (S, False, _pg_name),
        "CacheNodeType": (S, False, None),
        "AuthToken": (S, False, _auth_token),
        "AuthTokenUpdateStrategy": (S, False, _auth_strategy),
        "AutomaticFailoverEnabled": (B, False, None),
        "SnapshotRetentionLimit": (I, False, _range(0, 35, "SnapshotRetentionLimit")),
        "SnapshotWindow": (S, False, _window),
        "ApplyImmediately": (B, False, None),
        "UserGroupIdsToAdd": (L, False, None),
        "UserGroupIdsToRemove": (L, False, None),
        "RemoveUserGroups": (B, False, None),
    },
    "IncreaseReplicaCount": {
        "ReplicationGroupId": (S, True, _group_id),
        "NewReplicaCount": (I, True, _range(1, 5, "NewReplicaCount")),
        "ApplyImmediately": (B, True, None),
    },
    "DecreaseReplicaCount": {
        "ReplicationGroupId": (S, True, _group_id),
        "NewReplicaCount": (I, False, _range(0, 4, "NewReplicaCount")),
        "ReplicasToRemove": (L, False, None),
        "ApplyImmediately": (B, True, None),
    },
    "DeleteReplicationGroup": {
        "ReplicationGroupId": (S, True, _group_id),
        "FinalSnapshotIdentifier": (S, False, _snapshot_name),
        "RetainPrimaryCluster": (B, False, None),
    },
    "TestFailover": {
        "ReplicationGroupId": (S, True, _group_id),
        "NodeGroupId": (S, True, None),
    },
    "RebootCacheCluster": {
        "CacheClusterId": (S, True, _cluster_id),
        "CacheNodeIdsToReboot": (L, True, None),
    },
    "CreateSnapshot": {
        "SnapshotName": (S, True, _snapshot_name),
        "ReplicationGroupId": (S, False, _group_id),
        "CacheClusterId": (S, False, _cluster_id),
    },
    "DescribeSnapshots": {
        "SnapshotName": (S, False, _snapshot_name),
        "ReplicationGroupId": (S, False, _group_id),
        "SnapshotSource": (S, False, None),
        "MaxRecords": (I, False, _range(20, 50, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "CopySnapshot": {
        "SourceSnapshotName": (S, True, _snapshot_name),
        "TargetSnapshotName": (S, True, _snapshot_name),
        "TargetBucket": (S, False, None),
    },
    "DeleteSnapshot": {
        "SnapshotName": (S, True, _snapshot_name),
    },
    "DescribeEvents": {
        "SourceIdentifier": (S, False, None),
        "SourceType": (S, False, _source_type),
        "StartTime": (T, False, None),
        "EndTime": (T, False, None),
        "Duration": (I, False, _range(0, 20160, "Duration")),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "CreateCacheParameterGroup": {
        "CacheParameterGroupName": (S, True, _pg_name),
        "CacheParameterGroupFamily": (S, True, _family),
        "Description": (S, True, None),
    },
    "ModifyCacheParameterGroup": {
        "CacheParameterGroupName": (S, True, _pg_name),
        "ParameterNameValues": (P, True, None),
    },
    "ResetCacheParameterGroup": {
        "CacheParameterGroupName": (S, True, _pg_name),
        "ResetAllParameters": (B, False, None),
        "ParameterNameValues": (P, False, None),
    },
    "DeleteCacheParameterGroup": {
        "CacheParameterGroupName": (S, True, _pg_name),
    },
    "DescribeCacheParameterGroups": {
        "CacheParameterGroupName": (S, False, _pg_name),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "DescribeCacheParameters": {
        "CacheParameterGroupName": (S, True, _pg_name),
        "Source": (S, False, None),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "DescribeCacheClusters": {
        "CacheClusterId": (S, False, _cluster_id),
        "ShowCacheNodeInfo": (B, False, None),
        "ShowCacheClustersNotInReplicationGroups": (B, False, None),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "DescribeCacheEngineVersions": {
        "Engine": (S, False, None),
        "EngineVersion": (S, False, None),
        "CacheParameterGroupFamily": (S, False, None),
        "DefaultOnly": (B, False, None),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "DescribeEngineDefaultParameters": {
        "CacheParameterGroupFamily": (S, True, _family),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "DescribeServiceUpdates": {
        "ServiceUpdateName": (S, False, None),
        "ServiceUpdateStatus": (L, False, None),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "CreateUser": {
        "UserId": (S, True, None),
        "UserName": (S, True, None),
        "Engine": (S, True, None),
        "Passwords": (L, False, None),
        "AccessString": (S, True, None),
        "NoPasswordRequired": (B, False, None),
        "Tags": (TAGS, False, None),
        "AuthenticationMode": (RAW, False, None),
    },
    "ModifyUser": {
        "UserId": (S, True, None),
        "AccessString": (S, False, None),
        "AppendAccessString": (S, False, None),
        "Passwords": (L, False, None),
        "NoPasswordRequired": (B, False, None),
        "AuthenticationMode": (RAW, False, None),
    },
    "DeleteUser": {
        "UserId": (S, True, None),
    },
    "DescribeUsers": {
        "Engine": (S, False, None),
        "UserId": (S, False, None),
        "Filters": (RAW, False, None),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "CreateUserGroup": {
        "UserGroupId": (S, True, None),
        "Engine": (S, True, None),
        "UserIds": (L, False, None),
        "Tags": (TAGS, False, None),
    },
    "ModifyUserGroup": {
        "UserGroupId": (S, True, None),
        "UserIdsToAdd": (L, False, None),
        "UserIdsToRemove": (L, False, None),
    },
    "DeleteUserGroup": {
        "UserGroupId": (S, True, None),
    },
    "DescribeUserGroups": {
        "UserGroupId": (S, False, None),
        "MaxRecords": (I, False, _range(20, 100, "MaxRecords")),
        "Marker": (S, False, None),
    },
    "AddTagsToResource": {
        "ResourceName": (S, True, None),
        "Tags": (TAGS, True, None),
    },
    "RemoveTagsFromResource": {
        "ResourceName": (S, True, None),
        "TagKeys": (L, True, None),
    },
    "ListTagsForResource": {
        "ResourceName": (S, True, None),
    },
    # CloudWatch (service monitoring, API 2010-08-01). ReplicationGroupId and
    # CacheClusterId are vireoctl's shorthand for the matching Dimensions.
    "GetMetricStatistics": {
        "Namespace": (S, False, None),
        "MetricName": (S, True, None),
        "Dimensions": (DIMS, False, None),
        "ReplicationGroupId": (S, False, _group_id),
        "CacheClusterId": (S, False, _cluster_id),
        "StartTime": (T, False, None),
        "EndTime": (T, False, None),
        "Period": (I, False, _range(60, 86400, "Period")),
        "Statistics": (L, False, None),
        "ExtendedStatistics": (L, False, None),
        "Unit": (S, False, None),
    },
    "GetMetricData": {
        "MetricDataQueries": (RAW, True, None),
        "StartTime": (T, True, None),
        "EndTime": (T, True, None),
        "NextToken": (S, False, None),
        "ScanBy": (S, False, None),
        "MaxDatapoints": (I, False, _range(1, 100800, "MaxDatapoints")),
        "LabelOptions": (RAW, False, None),
    },
}


def parse_time(name, v):
  """Accepts ISO 8601 (with or without zone; UTC assumed) or epoch seconds."""
  if isinstance(v, bool):
    raise invalid(f"{name} must be a timestamp.")
  if isinstance(v, (int, float)):
    if not 0 <= v < 1e11:
      raise invalid(f"{name} {v} is out of range.")
    return float(v)
  if not isinstance(v, str) or len(v) > 40:
    raise invalid(f"{name} must be an ISO 8601 timestamp.")
  try:
    dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
  except ValueError:
    raise invalid(f"{name} {v!r} is not an ISO 8601 timestamp.") from None
  if dt.tzinfo is None:
    dt = dt.replace(tzinfo=timezone.utc)
  return dt.timestamp()


def _unwrap_list(v):
  """The Query protocol sends lists as Name.member.N or Name.Item.N: after
  decoding that is a one-key dict around the list. An empty list arrives
  as an empty string."""
  if isinstance(v, dict) and len(v) == 1:
    inner = next(iter(v.values()))
    if isinstance(inner, list):
      return inner
  if v == "":
    return []
  return v


def _pairs(name, v, key_field, value_field, key_limit, value_limit,
           value_required):
  v = _unwrap_list(v)
  if not isinstance(v, list) or len(v) > 50:
    raise invalid(f"{name} must be a list of at most 50 {{{key_field}, "
                  f"{value_field}}} objects.")
  out = []
  for item in v:
    if not isinstance(item, dict) or set(item) - {key_field, value_field}:
      raise invalid(f"{name} entries must be {{{key_field}, {value_field}}} "
                    "objects.")
    key, value = item.get(key_field), item.get(value_field)
    if not isinstance(key, str) or not 1 <= len(key) <= key_limit:
      raise invalid(f"{name}: {key_field} must be a string of 1 to "
                    f"{key_limit} characters.")
    if value is None and not value_required:
      value = ""
    if not isinstance(value, str) or len(value) > value_limit or (
        value_required and not value):
      raise invalid(f"{name}: {value_field} must be a string of at most "
                    f"{value_limit} characters.")
    if "\x00" in key or "\x00" in value:
      raise invalid(f"{name} must not contain NUL.")
    out.append((key, value))
  return out


def _coerce(name, kind, v):
  if kind in (L, P, TAGS, DIMS):
    v = _unwrap_list(v)
  if kind == TAGS:
    return _pairs(name, v, "Key", "Value", _TAG_KEY_LIMIT, _TAG_VALUE_LIMIT,
                  False)
  if kind == DIMS:
    if isinstance(v, list) and len(v) > 30:
      raise invalid(f"{name} may hold at most 30 dimensions.")
    return _pairs(name, v, "Name", "Value", 255, 1024, True)
  if kind == RAW:
    return v
  if kind == S:
    if not isinstance(v, str):
      raise invalid(f"{name} must be a string.")
    if len(v) > 4096 or "\x00" in v:
      raise invalid(f"{name} is too long or contains NUL.")
    return v
  if kind == I:
    # Strings of digits are accepted because query-string requests and
    # shell users send them; booleans are not numbers here.
    if isinstance(v, str) and re.fullmatch(r"-?\d{1,12}", v):
      v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
      raise invalid(f"{name} must be an integer.")
    return v
  if kind == B:
    if isinstance(v, str) and v.lower() in ("true", "false"):
      return v.lower() == "true"
    if not isinstance(v, bool):
      raise invalid(f"{name} must be a boolean.")
    return v
  if kind == L:
    if isinstance(v, str):
      v = [v]
    if not isinstance(v, list) or len(v) > 100 or not all(
        isinstance(x, str) and 0 < len(x) <= 256 for x in v):
      raise invalid(f"{name} must be a list of strings.")
    return v
  if kind == T:
    return parse_time(name, v)
  if kind == P:
    if not isinstance(v, list) or not 1 <= len(v) <= 100:
      raise invalid(f"{name} must be a list of 1 to 100 "
                    "{ParameterName, ParameterValue} objects.")
    out = []
    for item in v:
      if (not isinstance(item, dict) or
          not isinstance(item.get("ParameterName"), str) or
          not isinstance(item.get("ParameterValue", ""), str) or
          set(item) - {"ParameterName", "ParameterValue"}):
        raise invalid(f"{name} entries must be {{ParameterName, "
                      "ParameterValue}} objects with string values.")
      out.append((item["ParameterName"], item.get("ParameterValue")))
    return out
  raise AssertionError(kind)


def validate(action, raw):
  """Returns the cleaned parameters of `action` or raises ApiError."""
  spec = ACTIONS.get(action)
  if spec is None:
    raise ApiError("InvalidAction",
                   f"The action {action!r} is not valid for this endpoint.")
  if not isinstance(raw, dict):
    raise invalid("The request body must be a JSON object.")
  unknown = sorted(k for k in raw if k != "Action" and k not in spec)
  if unknown:
    raise invalid(f"Unrecognized parameter(s) for {action}: "
                  f"{', '.join(str(k) for k in unknown)[:200]}.")
  out = {}
  for name, (kind, required, check) in spec.items():
    if name not in raw or raw[name] is None:
      if required:
        raise missing(name)
      continue
    value = _coerce(name, kind, raw[name])
    if check is not None:
      check(value)
    out[name] = value
  _cross_checks(action, out)
  return out


def _cross_checks(action, p):
  if action == "CreateReplicationGroup":
    if "ReplicasPerNodeGroup" in p and "NumCacheClusters" in p:
      if p["NumCacheClusters"] != p["ReplicasPerNodeGroup"] + 1:
        raise combination("NumCacheClusters and ReplicasPerNodeGroup "
                          "disagree: give only one of them.")
    replicas = p.get("ReplicasPerNodeGroup",
                     p.get("NumCacheClusters", 1) - 1)
    p["ReplicasPerNodeGroup"] = replicas
    p.pop("NumCacheClusters", None)
    p.setdefault("Engine", "vireo")
    auto = p.get("AutomaticFailoverEnabled")
    if auto and replicas == 0:
      raise combination("AutomaticFailoverEnabled requires at least one "
                        "replica.")
    if p.get("MultiAZEnabled") and not p.get("AutomaticFailoverEnabled",
                                             replicas > 0):
      raise combination("MultiAZEnabled requires AutomaticFailoverEnabled.")
    if auto is None:
      p["AutomaticFailoverEnabled"] = replicas > 0
  elif action == "ModifyReplicationGroup":
    if "AuthTokenUpdateStrategy" in p and "AuthToken" not in p and \
        p["AuthTokenUpdateStrategy"] != "DELETE":
      raise combination("AuthTokenUpdateStrategy SET or ROTATE requires "
                        "AuthToken.")
    if "AuthToken" in p and p.get("AuthTokenUpdateStrategy") == "DELETE":
      raise combination("AuthToken cannot be given with "
                        "AuthTokenUpdateStrategy DELETE.")
  elif action == "DecreaseReplicaCount":
    if ("NewReplicaCount" in p) == ("ReplicasToRemove" in p):
      raise combination("Give exactly one of NewReplicaCount and "
                        "ReplicasToRemove.")
  elif action == "CreateSnapshot":
    if ("ReplicationGroupId" in p) == ("CacheClusterId" in p):
      raise combination("Give exactly one of ReplicationGroupId and "
                        "CacheClusterId.")
  elif action == "DescribeEvents":
    if "Duration" in p and ("StartTime" in p or "EndTime" in p):
      raise combination("Duration cannot be combined with StartTime or "
                        "EndTime.")
    if "StartTime" in p and "EndTime" in p and p["StartTime"] > p["EndTime"]:
      raise invalid("StartTime must not be after EndTime.")
  elif action == "GetMetricStatistics":
    shorthand = ("ReplicationGroupId" in p) + ("CacheClusterId" in p)
    if shorthand > 1 or (shorthand == 0 and "Dimensions" not in p):
      raise combination("Give Dimensions, or exactly one of "
                        "ReplicationGroupId and CacheClusterId.")
    if shorthand and "Dimensions" in p:
      raise combination("Dimensions cannot be combined with "
                        "ReplicationGroupId or CacheClusterId.")
    if "ExtendedStatistics" in p:
      raise invalid("ExtendedStatistics (percentiles) are not available: "
                    "the manager keeps count, sum, minimum and maximum "
                    "per minute.")
    for s in p.get("Statistics", []):
      _statistic(s)
  elif action == "ResetCacheParameterGroup":
    if not p.get("ResetAllParameters") and "ParameterNameValues" not in p:
      raise combination("Give ParameterNameValues or ResetAllParameters "
                        "true.")
  elif action == "TestFailover":
    if p["NodeGroupId"] != "0001":
      raise ApiError("NodeGroupNotFoundFault",
                     f"Node group {p['NodeGroupId']} not found.")
