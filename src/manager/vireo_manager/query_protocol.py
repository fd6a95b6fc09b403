"""The AWS Query protocol: form-encoded requests in, XML responses out.

decode_form() turns `Action=X&Version=Y&A.member.1=a&B.Tag.1.Key=k` into
nested Python values (dotted names become dicts, numeric parts become
lists), the shape validation.py checks for both this protocol and JSON.
render_result()/render_error() write ElastiCache's (or CloudWatch's) XML:
<XResponse xmlns=...><XResult>...</XResult><ResponseMetadata><RequestId>,
and <ErrorResponse><Error><Type><Code><Message></Error><RequestId>. List
members are named as the service model names them (LIST_MEMBERS).
Pure functions: thread-safe.
"""

import re
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from .errors import invalid

NAMESPACES = {
    "elasticache": "http://elasticache.amazonaws.com/doc/2015-02-02/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}
VERSIONS = {"elasticache": "2015-02-02", "monitoring": "2010-08-01"}

# Element name of one item of each list field, as ElastiCache's service
# model names it; lists not named here use <member> (all of CloudWatch's).
LIST_MEMBERS = {
    "CacheClusters": "CacheCluster", "CacheEngineVersions":
    "CacheEngineVersion", "CacheNodeIdsToReboot": "CacheNodeId",
    "CacheNodeIdsToRemove": "CacheNodeId", "CacheNodes": "CacheNode",
    "CacheParameterGroups": "CacheParameterGroup",
    "CacheNodeTypeSpecificParameters": "CacheNodeTypeSpecificParameter",
    "CacheSecurityGroups": "CacheSecurityGroup", "Events": "Event",
    "MemberClusters": "ClusterId", "NodeGroupMembers": "NodeGroupMember",
    "NodeGroups": "NodeGroup", "NodeSnapshots": "NodeSnapshot",
    "ParameterNameValues": "ParameterNameValue", "Parameters": "Parameter",
    "ReplicationGroups": "ReplicationGroup", "ServiceUpdates":
    "ServiceUpdate", "Snapshots": "Snapshot", "TagList": "Tag",
    "Tags": "Tag", "SecurityGroups": "member",
}

MAX_FIELDS = 1000
MAX_DEPTH = 12


def decode_form(text):
  """Returns a dict of nested values; raises ApiError on malformed input."""
  try:
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False,
                      max_num_fields=MAX_FIELDS, errors="strict")
  except (ValueError, UnicodeDecodeError):
    raise invalid("The request body is not valid form data.") from None
  root = {}
  for key, value in pairs:
    if len(key) > 256:
      raise invalid("A parameter name is longer than 256 characters.")
    parts = key.split(".")
    if len(parts) > MAX_DEPTH or any(p == "" for p in parts):
      raise invalid(f"Parameter name {key[:100]!r} is not valid.")
    node = root
    for i, part in enumerate(parts):
      last = i == len(parts) - 1
      if last:
        if part in node:
          raise invalid(f"Parameter {key[:100]!r} is given more than once "
                        "or conflicts with another.")
        node[part] = value
      else:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
          raise invalid(f"Parameter {key[:100]!r} conflicts with "
                        f"{'.'.join(parts[:i + 1])[:100]!r}.")
        node = child
  return _listify(root)


def _listify(node):
  if not isinstance(node, dict):
    return node
  out = {k: _listify(v) for k, v in node.items()}
  if out and all(k.isdigit() and len(k) <= 4 for k in out):
    by_index = {int(k): v for k, v in out.items()}
    if len(by_index) != len(out) or min(by_index) < 1:
      raise invalid("List indexes must be distinct and start at 1.")
    return [by_index[i] for i in sorted(by_index)]
  return out


def _value(v):
  if isinstance(v, bool):
    return "true" if v else "false"
  if isinstance(v, float):
    return repr(v)
  return _xml_text(str(v))


_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")


def _element(name, v, out):
  # Results are built from our own field names; a name that is not a valid
  # XML element name (it could only come from echoed input) is left out.
  if v is None or not _XML_NAME.match(name):
    return
  if isinstance(v, dict):
    out.append(f"<{name}>")
    for k, x in v.items():
      _element(k, x, out)
    out.append(f"</{name}>")
  elif isinstance(v, (list, tuple)):
    member = LIST_MEMBERS.get(name, "member")
    out.append(f"<{name}>")
    for x in v:
      _element(member, x, out)
    out.append(f"</{name}>")
  else:
    out.append(f"<{name}>{_value(v)}</{name}>")


def render_result(service, action, result, request_id):
  ns = NAMESPACES[service]
  out = [f'<?xml version="1.0" encoding="UTF-8"?>\n'
         f'<{action}Response xmlns="{ns}">']
  if result:
    _element(f"{action}Result", result, out)
  out.append(f"<ResponseMetadata><RequestId>{escape(request_id)}"
             f"</RequestId></ResponseMetadata></{action}Response>\n")
  return "".join(out).encode("utf-8")


def render_error(service, code, message, status, request_id):
  ns = NAMESPACES.get(service, NAMESPACES["elasticache"])
  kind = "Receiver" if status >= 500 else "Sender"
  return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
          f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type>'
          f"<Code>{escape(code)}</Code><Message>{_xml_text(message)}"
          f"</Message></Error><RequestId>{escape(request_id)}</RequestId>"
          f"</ErrorResponse>\n").encode("utf-8")


def _xml_text(text):
  # Messages may quote user input: keep only characters XML 1.0 allows.
  clean = "".join(ch if ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or
                  0xE000 <= ord(ch) <= 0xFFFD or ord(ch) > 0xFFFF else "?"
                  for ch in text)
  return escape(clean)
