#!/usr/bin/python3
"""Seeded random fuzzer for vireo-manager's request parsing and validation.

Feeds parse_request() + validate() with random methods, paths, query strings
and bodies: raw bytes, broken JSON, and valid-looking requests for every
action whose fields are replaced by values of the wrong type, extreme size
or odd Unicode. Any exception other than ApiError, or an ApiError without a
code or with an unexpected HTTP status, is a finding.

  fuzz_requests.py [ITERATIONS] [SEED]
"""

import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "src", "manager"))

from vireo_manager.api import parse_request  # noqa: E402
from vireo_manager.errors import ApiError  # noqa: E402
from vireo_manager.validation import ACTIONS, validate  # noqa: E402

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


def random_request(rng):
  action = rng.choice(NAMES + ["Bogus", ""])
  fields = dict((k, random_value(rng)) for k in rng.sample(
      sorted(ACTIONS.get(action, {})) or ["X"],
      rng.randrange(len(ACTIONS.get(action, {"X": 0})) + 1)))
  style = rng.randrange(6)
  method = rng.choice(["POST", "POST", "GET", "PUT"])
  if style == 0:
    return method, "/", bytes(rng.randrange(256) for _ in range(
        rng.randrange(64)))
  if style == 1:
    body = json.dumps(dict(fields, Action=action)).encode()
    cut = rng.randrange(len(body) + 1)
    return method, "/", body[:cut]
  if style == 2:
    return method, "/" + action, json.dumps(fields).encode()
  if style == 3:
    query = "&".join(f"{k}={rng.choice(ODD_STRINGS)}" for k in fields)
    return method, f"/?Action={action}&{query}", b""
  if style == 4:
    return method, "/" + rng.choice(ODD_STRINGS), b"[" * rng.randrange(2000)
  return method, "/", json.dumps(dict(fields, Action=action)).encode()


def run(iterations, seed):
  """Returns a list of (request, error text) findings."""
  rng = random.Random(seed)
  findings = []
  for _ in range(iterations):
    req = random_request(rng)
    try:
      action, raw = parse_request(*req)
      validate(action, raw)
    except ApiError as e:
      if not e.code or e.status not in (400, 404, 405):
        findings.append((req, f"bad ApiError {e.code} {e.status}"))
    except Exception as e:  # anything else is a parser bug
      findings.append((req, f"{type(e).__name__}: {e}"))
  return findings


if __name__ == "__main__":
  n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
  seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
  found = run(n, seed)
  for req, err in found[:20]:
    print(repr(req)[:300], "->", err)
  print(f"fuzz_requests: {n} iterations, seed {seed}, {len(found)} findings")
  sys.exit(1 if found else 0)
