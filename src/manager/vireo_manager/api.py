"""The API surface: one dispatcher for the AWS Query protocol and JSON.

A request is checked in this order: browser cross-origin requests are
refused; the caller is authenticated (auth.py, Signature Version 4); the
parameters are decoded (form-encoded AWS Query, answered in XML, or a JSON
object for vireoctl, answered in JSON); the action must belong to the service
the request was signed for (elasticache, or monitoring for CloudWatch's
metric actions); actions that change state must come as POST; then
validation.py checks the fields and the action's one implementation runs.
parse_request() is the part exposed to outside bytes and is what the fuzz
target drives. Stateless apart from the Manager and the Authenticator:
thread-safe.
"""

import json
import traceback
import uuid
from urllib.parse import parse_qs, urlsplit

from . import (cacheinfo, cloudwatch, groups, paramgroups, query_protocol,
               snapshots, tags, users)
from .errors import ApiError, internal, invalid
from .validation import validate

MAX_BODY = 1 << 20

ELASTICACHE, MONITORING = "elasticache", "monitoring"

# action -> (service, implementation)
HANDLERS = {
    "CreateReplicationGroup": (ELASTICACHE, groups.create),
    "DescribeReplicationGroups": (ELASTICACHE, groups.describe),
    "ModifyReplicationGroup": (ELASTICACHE, groups.modify),
    "IncreaseReplicaCount": (ELASTICACHE, groups.increase_replicas),
    "DecreaseReplicaCount": (ELASTICACHE, groups.decrease_replicas),
    "DeleteReplicationGroup": (ELASTICACHE, groups.delete),
    "TestFailover": (ELASTICACHE, groups.test_failover),
    "RebootCacheCluster": (ELASTICACHE, groups.reboot),
    "DescribeCacheClusters": (ELASTICACHE, cacheinfo.describe_clusters),
    "DescribeCacheEngineVersions": (ELASTICACHE,
                                    cacheinfo.describe_engine_versions),
    "DescribeEngineDefaultParameters": (ELASTICACHE,
                                        cacheinfo.describe_engine_defaults),
    "DescribeServiceUpdates": (ELASTICACHE, cacheinfo.describe_updates),
    "AddTagsToResource": (ELASTICACHE, tags.add),
    "RemoveTagsFromResource": (ELASTICACHE, tags.remove),
    "ListTagsForResource": (ELASTICACHE, tags.list_tags),
    "CreateSnapshot": (ELASTICACHE, snapshots.create),
    "DescribeSnapshots": (ELASTICACHE, snapshots.describe),
    "CopySnapshot": (ELASTICACHE, snapshots.copy),
    "DeleteSnapshot": (ELASTICACHE, snapshots.delete),
    "DescribeEvents": (ELASTICACHE, lambda m, p: m.events.describe(p)),
    "CreateCacheParameterGroup": (ELASTICACHE, paramgroups.create),
    "ModifyCacheParameterGroup": (ELASTICACHE, paramgroups.modify),
    "ResetCacheParameterGroup": (ELASTICACHE, paramgroups.reset),
    "DeleteCacheParameterGroup": (ELASTICACHE, paramgroups.delete),
    "DescribeCacheParameterGroups": (ELASTICACHE, paramgroups.describe_groups),
    "DescribeCacheParameters": (ELASTICACHE, paramgroups.describe_parameters),
    "CreateUser": (ELASTICACHE, users.create_user),
    "ModifyUser": (ELASTICACHE, users.modify_user),
    "DeleteUser": (ELASTICACHE, users.delete_user),
    "DescribeUsers": (ELASTICACHE, users.describe_users),
    "CreateUserGroup": (ELASTICACHE, users.create_group),
    "ModifyUserGroup": (ELASTICACHE, users.modify_group),
    "DeleteUserGroup": (ELASTICACHE, users.delete_group),
    "DescribeUserGroups": (ELASTICACHE, users.describe_groups),
    "GetMetricStatistics": (MONITORING, cloudwatch.get_metric_statistics),
    "GetMetricData": (MONITORING, cloudwatch.get_metric_data),
}


def read_only(action):
  """Actions that change nothing; the only ones a GET may carry."""
  return action.startswith(("Describe", "List", "Get"))


class Parsed:
  __slots__ = ("protocol", "action", "params", "path", "query")

  def __init__(self, protocol, action, params, path, query):
    self.protocol, self.action, self.params = protocol, action, params
    self.path, self.query = path, query


# CloudWatch's JSON protocol (awsJson1_0): current SDKs (botocore since
# 2025, aws-cli v1 from pip) send GetMetricStatistics/GetMetricData as a
# JSON body with the action in X-Amz-Target; older ones (Debian's) use the
# Query protocol. Both reach the same handlers.
JSON_TARGET_PREFIX = "GraniteServiceVersion20100801."


def _header(headers, wanted):
  for name, value in headers:
    if name.lower() == wanted:
      return value
  return None


def protocol_of(headers):
  """'awsjson' for CloudWatch's JSON protocol (X-Amz-Target), 'json' for
  vireoctl's JSON, else 'query' (AWS's own)."""
  ctype = _header(headers, "content-type")
  if ctype is None or "json" not in ctype.lower():
    return "query"
  if _header(headers, "x-amz-target") is not None:
    return "awsjson"
  return "json"


def parse_request(method, target, headers, body):
  """Returns a Parsed request or raises ApiError (a client fault)."""
  if method not in ("GET", "POST"):
    raise ApiError("InvalidAction", f"Method {method[:20]} is not supported.",
                   status=405)
  if len(body) > MAX_BODY:
    raise invalid("The request body is larger than 1 MiB.")
  try:
    url = urlsplit(target)
  except ValueError:
    raise invalid("The request URL is not valid.") from None
  protocol = protocol_of(headers)
  if protocol != "query":
    params = _query_params(url.query)
    if body.strip():
      try:
        doc = json.loads(body)
      except (ValueError, RecursionError):
        raise invalid("The request body is not valid JSON.") from None
      if not isinstance(doc, dict):
        raise invalid("The request body must be a JSON object.")
      params.update(doc)
  else:
    try:
      text = body.decode("utf-8")
    except UnicodeDecodeError:
      raise invalid("The request body is not UTF-8 form data.") from None
    if url.query and text:
      raise invalid("Give the parameters in the query string or in the "
                    "body, not both.")
    params = query_protocol.decode_form(url.query or text)
  candidates = set()
  path = url.path.strip("/")
  if path and protocol == "json":
    candidates.add(path)       # vireoctl's older /ActionName form
  elif path:
    raise ApiError("InvalidAction", "The request path must be /.",
                   status=404)
  if protocol == "awsjson":
    target = _header(headers, "x-amz-target")
    if not target.startswith(JSON_TARGET_PREFIX) or "Action" in params:
      raise ApiError("UnknownOperationException",
                     f"X-Amz-Target {target[:60]!r} is not an operation of "
                     "this endpoint.")
    params["Action"] = target[len(JSON_TARGET_PREFIX):]
  if "Action" in params:
    if not isinstance(params["Action"], str):
      raise invalid("Action must be a string.")
    candidates.add(params.pop("Action"))
  if not candidates:
    raise ApiError("MissingAction", "The request must name an Action.")
  if len(candidates) > 1:
    raise invalid("The request names more than one Action.")
  action = candidates.pop()
  if action not in HANDLERS and protocol == "awsjson":
    # The JSON protocol's own code for an operation it does not have.
    raise ApiError("UnknownOperationException",
                   f"{action[:100]} is not a CloudWatch operation.")
  if action not in HANDLERS:
    raise ApiError("InvalidAction",
                   f"The action {action[:100]!r} is not valid for this "
                   "endpoint.")
  service = HANDLERS[action][0]
  if protocol == "awsjson" and service != MONITORING:
    raise ApiError("UnknownOperationException",
                   f"{action[:100]} is not a CloudWatch operation.")
  version = params.pop("Version", None)
  if protocol == "query":
    if version is None:
      raise ApiError("MissingParameter",
                     "The request must contain the parameter Version.")
    if version != query_protocol.VERSIONS[service]:
      raise invalid(f"Version {str(version)[:40]!r} is not supported for "
                    f"{action}: use {query_protocol.VERSIONS[service]}.")
  if method == "GET" and not read_only(action):
    raise ApiError("MethodNotAllowed",
                   f"{action} changes state and must be sent with POST.",
                   status=405)
  return Parsed(protocol, action, params, url.path or "/", url.query)


def _query_params(query):
  try:
    parsed = parse_qs(query, keep_blank_values=True, max_num_fields=200)
  except ValueError:
    raise invalid("The request URL is not valid.") from None
  return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def cross_origin(headers):
  """True for requests a web browser sends on behalf of a page: they carry
  Origin (or Sec-Fetch-Site other than none). No API client sends these."""
  for name, value in headers:
    lname = name.lower()
    if lname == "origin":
      return True
    if lname == "sec-fetch-site" and value.strip().lower() != "none":
      return True
  return False


def handle(manager, auth, method, target, headers, body):
  """Returns (HTTP status, content type, body bytes, request id)."""
  request_id = str(uuid.uuid4())
  ctx = {"protocol": protocol_of(headers), "service": ELASTICACHE,
         "action": "unknown"}   # a metrics label: only known action names
  try:
    if cross_origin(headers):
      raise ApiError("AccessDenied", "Cross-origin requests from web "
                     "browsers are refused.", status=403)
    token = None
    if auth is not None:
      url = urlsplit(target)
      _, ctx["service"], token = auth.verify(
          method, url.path or "/", url.query, headers, body, replay=False)
    req = parse_request(method, target, headers, body)
    ctx["protocol"] = req.protocol
    ctx["action"] = req.action
    action_service, impl = HANDLERS[req.action]
    if auth is not None and action_service != ctx["service"]:
      raise ApiError("InvalidAction",
                     f"The action {req.action} is not valid for this web "
                     f"service ({ctx['service']}).")
    ctx["service"] = action_service
    if token is not None and not read_only(req.action):
      auth.check_replay(token)
    params = validate(req.action, req.params)
    result = impl(manager, params)
    if req.protocol == "json":
      out = 200, "application/json", _json(result)
    elif req.protocol == "awsjson":
      out = 200, "application/x-amz-json-1.0", _json(result)
    else:
      out = 200, "text/xml", query_protocol.render_result(
          action_service, req.action, result, request_id)
  except ApiError as e:
    out = _error(manager, ctx, e, request_id)
  except Exception as e:  # our bug: report it, keep serving
    manager.log("internal error: " + traceback.format_exc())
    out = _error(manager, ctx, internal(f"Internal error: "
                                        f"{type(e).__name__}"), request_id)
  stats = getattr(manager, "stats", None)
  if stats is not None:
    stats.inc("vireo_manager_api_requests_total", action=ctx["action"],
              status=str(out[0]))
  return out + (request_id,)


def _error(manager, ctx, err, request_id):
  if getattr(manager, "api_errors", None) is not None:
    manager.api_errors(err.code)
  if ctx["protocol"] == "json":
    return err.status, "application/json", _json(err.to_json())
  if ctx["protocol"] == "awsjson":
    return err.status, "application/x-amz-json-1.0", _json(
        {"__type": err.code, "message": err.message})
  return err.status, "text/xml", query_protocol.render_error(
      ctx["service"], err.code, err.message, err.status, request_id)


def _json(payload):
  return (json.dumps(payload, indent=1) + "\n").encode()
