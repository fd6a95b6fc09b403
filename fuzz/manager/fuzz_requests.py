#!/usr/bin/python3
"""Seeded random fuzzer for vireo-manager's request parsing and validation.

Feeds parse_request() + validate() with random methods, paths, query strings
and bodies: raw bytes, broken JSON, AWS Query form bodies (nested
.member.N / .Tag.N names, odd indexes, deep nesting, conflicting names) and
CloudWatch's JSON protocol (X-Amz-Target), valid-looking requests for every action whose fields are replaced by values
of the wrong type, extreme size or odd Unicode; every ApiError is rendered
as AWS's XML error and every decoded form as an XML result, and both must
parse back. SigV4 verification is fed random Authorization headers. Any
exception other than ApiError, an ApiError without a code or with an
unexpected HTTP status, or XML that does not parse, is a finding.

  fuzz_requests.py [ITERATIONS] [SEED]
"""

import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "src", "manager"))

import xml.etree.ElementTree as ET  # noqa: E402
from urllib.parse import quote  # noqa: E402

from vireo_manager import query_protocol  # noqa: E402
from vireo_manager.api import parse_request  # noqa: E402
from vireo_manager.auth import Authenticator  # noqa: E402
from vireo_manager.errors import ApiError  # noqa: E402
from vireo_manager.validation import ACTIONS, validate  # noqa: E402

JSON = [("Content-Type", "application/json")]
FORM = [("Content-Type", "application/x-www-form-urlencoded")]
AUTH = Authenticator({"AKIDEXAMPLE": "secret"}, "us-east-1",
                     ("elasticache",), clock=lambda: 1440938160.0)

NAMES = sorted(ACTIONS)
ODD_STRINGS = ["", "a", "g1", "A" * 5000, "\x00", "é", "\ud800", "0001",
               "--", "a-", "12:00-13:00", "2024-01-01T00:00:00Z", "-1",
               "99999999999999", "true", "ROTATE", "redis", "vireo",
               "allkeys-lru", "%00", "../../etc", "\u202e", "NaN"]


def random_value(rng, depth=0):
  kind = rng.randrange(9 if depth < 3 else 6)
  if kind == 0:
    return rng.choice(ODD_STRINGS)
  if kind == 1:
    return rng.choice([0, 1, -1, 5, 6, 60, 2**63, -2**63, 10**30])
  if kind == 2:
    return rng.choice([True, False, None])
  if kind == 3:
    return rng.random() * rng.choice([1, 1e300, -1])
  if kind == 4:
    return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(
        rng.randrange(20)))
  if kind == 5:
    return rng.choice([float("nan"), float("inf")])
  if kind == 6:
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
  if kind == 7:
    return {rng.choice(["ParameterName", "ParameterValue", "x"]):
            random_value(rng, depth + 1) for _ in range(rng.randrange(3))}
  return {"nested": random_value(rng, depth + 1)}


def _form_pairs(rng, prefix, value, depth=0):
  """Query-protocol encoding of a random value, with random damage."""
  if isinstance(value, dict) and depth < 6:
    out = []
    for k, v in value.items():
      out += _form_pairs(rng, f"{prefix}.{k}", v, depth + 1)
    return out
  if isinstance(value, list) and depth < 6:
    wrapper = rng.choice(["member", "Tag", "ParameterNameValue", ""])
    out = []
    for i, v in enumerate(value):
      index = rng.choice([str(i + 1), str(i + 1), "0", "01", "x", "99999"])
      name = f"{prefix}.{wrapper}.{index}" if wrapper else f"{prefix}.{index}"
      out += _form_pairs(rng, name, v, depth + 1)
    return out
  return [(prefix, "" if value is None else str(value))]


def form_body(rng, action, fields):
  pairs = [("Action", action),
           ("Version", rng.choice(["2015-02-02", "2010-08-01", "x"]))]
  for k, v in fields.items():
    pairs += _form_pairs(rng, k, v)
  if rng.random() < 0.2:
    pairs.append((rng.choice(["A.", ".A", "A..1", "A" * 300, "A.1.B.2.C.3."
                              "D.4.E.5.F.6.G"]), "x"))
  if rng.random() < 0.1 and pairs:
    pairs.append(rng.choice(pairs))
  rng.shuffle(pairs)
  text = "&".join(f"{quote(k, safe='', errors='surrogatepass')}="
                  f"{quote(v, safe='', errors='surrogatepass')}"
                  for k, v in pairs)
  if rng.random() < 0.1:
    text = text.replace("%", rng.choice(["%", "%Z", "%F"]), 1)
  return text.encode("utf-8", "surrogatepass")


def random_request(rng):
  action = rng.choice(NAMES + ["Bogus", ""])
  fields = dict((k, random_value(rng)) for k in rng.sample(
      sorted(ACTIONS.get(action, {})) or ["X"],
      rng.randrange(len(ACTIONS.get(action, {"X": 0})) + 1)))
  style = rng.randrange(9)
  method = rng.choice(["POST", "POST", "GET", "PUT"])
  if style == 8:
    return awsjson_request(rng, action, fields, method)
  if style >= 6:
    return method, "/", FORM, form_body(rng, action, fields)
  return random_json_request(rng, action, fields, style, method)


def awsjson_request(rng, action, fields, method):
  """CloudWatch's JSON protocol: the action in X-Amz-Target."""
  target = rng.choice(["GraniteServiceVersion20100801." + action,
                       "GraniteServiceVersion20100801.", action, "",
                       "GraniteServiceVersion20100801." +
                       rng.choice(ODD_STRINGS)])
  headers = [("Content-Type", "application/x-amz-json-1.0"),
             ("X-Amz-Target", target)]
  body = json.dumps(fields).encode()
  if rng.random() < 0.2:
    body = body[:rng.randrange(len(body) + 1)]
  return method, "/", headers, body


def random_json_request(rng, action, fields, style, method):
  headers = rng.choice([JSON, FORM, []])
  if style == 0:
    return method, "/", headers, bytes(rng.randrange(256) for _ in range(
        rng.randrange(64)))
  if style == 1:
    body = json.dumps(dict(fields, Action=action)).encode()
    cut = rng.randrange(len(body) + 1)
    return method, "/", JSON, body[:cut]
  if style == 2:
    return method, "/" + action, JSON, json.dumps(fields).encode()
  if style == 3:
    query = "&".join(f"{k}={rng.choice(ODD_STRINGS)}" for k in fields)
    return method, f"/?Action={action}&{query}", headers, b""
  if style == 4:
    return method, "/" + rng.choice(ODD_STRINGS), headers, \
        b"[" * rng.randrange(2000)
  return method, "/", JSON, json.dumps(dict(fields, Action=action)).encode()


def random_auth(rng):
  parts = [rng.choice(["AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256", "Basic",
                       ""])]
  fields = []
  if rng.random() < 0.8:
    fields.append("Credential=" + "/".join(rng.choice(
        ["AKIDEXAMPLE", "20150830", "us-east-1", "elasticache",
         "aws4_request", "", "x" * 50, "\u00e9"]) for _ in range(
             rng.randrange(7))))
  if rng.random() < 0.8:
    fields.append("SignedHeaders=" + ";".join(rng.sample(
        ["host", "x-amz-date", "Host", "content-type", "nope"],
        rng.randrange(5))))
  if rng.random() < 0.8:
    fields.append("Signature=" + rng.choice(["0" * 64, "zz", ""]))
  headers = [("Authorization", parts[0] + " " + ", ".join(fields)),
             ("Host", "h")]
  if rng.random() < 0.8:
    headers.append(("X-Amz-Date", rng.choice(
        ["20150830T123600Z", "20150830T1236", "garbage", "20991231T000000Z"])))
  else:
    headers.append(("Date", rng.choice(["Sun, 30 Aug 2015 12:36:00 GMT",
                                        "nonsense", ""])))
  if rng.random() < 0.2:
    headers.append(("X-Amz-Content-Sha256", "abc"))
  return headers


def check_xml(data, findings, req):
  try:
    ET.fromstring(data)
  except ET.ParseError as e:
    findings.append((req, f"XML does not parse: {e}"))


def run(iterations, seed):
  """Returns a list of (request, error text) findings."""
  rng = random.Random(seed)
  findings = []
  for i in range(iterations):
    req = random_request(rng)
    try:
      parsed = parse_request(*req)
      validate(parsed.action, parsed.params)
      if req[2] is FORM:
        check_xml(query_protocol.render_result(
            "elasticache", parsed.action, parsed.params, "r"), findings, req)
    except ApiError as e:
      if not e.code or e.status not in (400, 404, 405):
        findings.append((req, f"bad ApiError {e.code} {e.status}"))
      check_xml(query_protocol.render_error("elasticache", e.code,
                                            e.message, e.status, "r"),
                findings, req)
    except Exception as e:  # anything else is a parser bug
      findings.append((req, f"{type(e).__name__}: {e}"))
    if i % 4 == 0:
      headers = random_auth(rng)
      try:
        AUTH.verify("POST", "/", "", headers, b"")
        findings.append((headers, "random Authorization was accepted"))
      except ApiError as e:
        if e.status not in (400, 403):
          findings.append((headers, f"bad auth status {e.status}"))
      except Exception as e:
        findings.append((headers, f"{type(e).__name__}: {e}"))
  return findings


if __name__ == "__main__":
  n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
  seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
  found = run(n, seed)
  for req, err in found[:20]:
    print(repr(req)[:300], "->", err)
  print(f"fuzz_requests: {n} iterations, seed {seed}, {len(found)} findings")
  sys.exit(1 if found else 0)
