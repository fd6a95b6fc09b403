"""The API surface: request parsing and the action -> handler table.

parse_request() turns an HTTP request (path, query, body) into (action,
raw params) and is the part exposed to outside bytes, so it is what the fuzz
target drives; handle() validates and runs one action and always returns
(status, JSON body). Stateless apart from the Manager: thread-safe.
"""

import json
import traceback
from urllib.parse import parse_qs, urlsplit

from . import groups, metrics, paramgroups, snapshots
from .errors import ApiError, internal, invalid
from .validation import validate

MAX_BODY = 1 << 20

HANDLERS = {
    "CreateReplicationGroup": groups.create,
    "DescribeReplicationGroups": groups.describe,
    "ModifyReplicationGroup": groups.modify,
    "IncreaseReplicaCount": groups.increase_replicas,
    "DecreaseReplicaCount": groups.decrease_replicas,
    "DeleteReplicationGroup": groups.delete,
    "TestFailover": groups.test_failover,
    "RebootCacheCluster": groups.reboot,
    "CreateSnapshot": snapshots.create,
    "DescribeSnapshots": snapshots.describe,
    "CopySnapshot": snapshots.copy,
    "DeleteSnapshot": snapshots.delete,
    "DescribeEvents": lambda m, p: m.events.describe(p),
    "CreateCacheParameterGroup": paramgroups.create,
    "ModifyCacheParameterGroup": paramgroups.modify,
    "ResetCacheParameterGroup": paramgroups.reset,
    "DeleteCacheParameterGroup": paramgroups.delete,
    "DescribeCacheParameterGroups": paramgroups.describe_groups,
    "DescribeCacheParameters": paramgroups.describe_parameters,
    "GetMetricStatistics": metrics.get_metric_statistics,
}


def parse_request(method, target, body):
  """Returns (action, params dict) or raises ApiError.

  The action may come from the JSON body ("Action"), the path
  (/CreateReplicationGroup) or the query (?Action=...); query fields other
  than Action are parameters too (repeated ones become lists).
  """
  if method not in ("GET", "POST"):
    raise ApiError("InvalidAction", f"Method {method} is not supported.",
                   status=405)
  if len(body) > MAX_BODY:
    raise invalid("The request body is larger than 1 MiB.")
  try:
    url = urlsplit(target)
    query = parse_qs(url.query, keep_blank_values=True, max_num_fields=200)
  except ValueError:
    raise invalid("The request URL is not valid.") from None
  params = {}
  for k, vals in query.items():
    params[k] = vals[0] if len(vals) == 1 else vals
  if body.strip():
    try:
      doc = json.loads(body)
    except (ValueError, RecursionError):
      raise invalid("The request body is not valid JSON.") from None
    if not isinstance(doc, dict):
      raise invalid("The request body must be a JSON object.")
    params.update(doc)
  candidates = set()
  path = url.path.strip("/")
  if path:
    candidates.add(path)
  if "Action" in params:
    if not isinstance(params["Action"], str):
      raise invalid("Action must be a string.")
    candidates.add(params.pop("Action"))
  if not candidates:
    raise ApiError("MissingAction", "The request must name an Action.")
  if len(candidates) > 1:
    raise invalid("The request names more than one Action.")
  action = candidates.pop()
  if action not in HANDLERS:
    raise ApiError("InvalidAction",
                   f"The action {action[:100]!r} is not valid for this "
                   "endpoint.")
  return action, params


def handle(manager, method, target, body):
  """Returns (HTTP status, JSON-able body)."""
  status, out, action = _handle(manager, method, target, body)
  manager.stats.inc("vireo_manager_api_requests_total", action=action,
                    status=str(status))
  if status >= 400:
    manager.stats.inc("vireo_manager_api_errors_total")
  return status, out


def _handle(manager, method, target, body):
  action = "unknown"   # a label for metrics: only known action names
  try:
    action, raw = parse_request(method, target, body)
    params = validate(action, raw)
    return 200, HANDLERS[action](manager, params), action
  except ApiError as e:
    return e.status, e.to_json(), action
  except Exception as e:  # our bug: report it, keep serving
    manager.log("internal error: " + traceback.format_exc())
    err = internal(f"Internal error: {type(e).__name__}")
    return err.status, err.to_json(), action
