"""AWS Signature Version 4: the signing algorithm, for servers and clients.

Pure functions, written from AWS's published description of SigV4 (canonical
request -> string to sign -> HMAC chain of date/region/service): the manager
uses canonical_request()/signature() to check a request, vireoctl and the
tests use sign() to make one. auth.py holds the policy (keys, clock skew,
replay) around it. No state: thread-safe.
"""

import hashlib
import hmac
import re
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
_SPACES = re.compile(r"\s+")


def _uri_encode(text, safe):
  return quote(text, safe=safe)


def normalize_path(path):
  """Removes '.', '..' and empty segments as the SigV4 rules for every
  service but S3 ask; keeps a trailing slash."""
  if not path:
    return "/"
  out = []
  for seg in path.split("/"):
    if seg in ("", "."):
      continue
    if seg == "..":
      if out:
        out.pop()
      continue
    out.append(seg)
  norm = "/" + "/".join(out)
  if path.endswith("/") and out:
    norm += "/"
  return norm


def canonical_uri(path):
  # Each segment is URI-encoded once more on top of the encoding it had on
  # the wire (AWS encodes twice for every service but S3).
  return _uri_encode(normalize_path(path), safe="/~")


def canonical_query(query):
  """Sorted name=value pairs, each decoded then re-encoded with RFC 3986
  unreserved characters kept (spaces become %20, never '+')."""
  if not query:
    return ""
  pairs = []
  for part in query.split("&"):
    if not part:
      continue
    name, _, value = part.partition("=")
    pairs.append((_uri_encode(unquote(name), safe="-_.~"),
                  _uri_encode(unquote(value), safe="-_.~")))
  pairs.sort()
  return "&".join(f"{n}={v}" for n, v in pairs)


def canonical_headers(headers, signed):
  """headers: list of (name, value) as received (repeats allowed); signed:
  the lowercase names to include, in order. Returns the block with one
  'name:value\\n' line per signed header (values trimmed, inner runs of
  spaces collapsed, repeats joined with commas)."""
  values = {}
  for name, value in headers:
    lname = name.lower()
    if lname in signed:
      values.setdefault(lname, []).append(_SPACES.sub(" ", value.strip()))
  return "".join(f"{n}:{','.join(values.get(n, []))}\n" for n in signed)


def canonical_request(method, path, query, headers, signed, payload_hash):
  return "\n".join([method, canonical_uri(path), canonical_query(query),
                    canonical_headers(headers, signed), ";".join(signed),
                    payload_hash])


def payload_hash(body):
  return hashlib.sha256(body).hexdigest()


def string_to_sign(amz_date, scope, creq):
  return "\n".join([ALGORITHM, amz_date, scope,
                    hashlib.sha256(creq.encode("utf-8")).hexdigest()])


def signing_key(secret, date, region, service):
  key = ("AWS4" + secret).encode("utf-8")
  for part in (date, region, service, "aws4_request"):
    key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
  return key


def signature(secret, date, region, service, sts):
  return hmac.new(signing_key(secret, date, region, service),
                  sts.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value):
  """Splits 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..'
  into a dict; returns None when the algorithm is not SigV4's."""
  algo, _, rest = value.strip().partition(" ")
  if algo != ALGORITHM:
    return None
  fields = {}
  for part in rest.split(","):
    k, sep, v = part.strip().partition("=")
    if sep:
      fields[k.strip()] = v.strip()
  return fields


def sign(method, url_path, query, headers, body, access_key, secret, region,
         service, amz_date):
  """Client side: returns the headers to add (Authorization, X-Amz-Date and
  X-Amz-Content-Sha256) for a request whose own headers (at least Host) are
  `headers` (a dict). amz_date is 'YYYYMMDDTHHMMSSZ'."""
  extra = {"X-Amz-Date": amz_date,
           "X-Amz-Content-Sha256": payload_hash(body)}
  all_headers = list(headers.items()) + list(extra.items())
  signed = sorted({n.lower() for n, _ in all_headers})
  creq = canonical_request(method, url_path, query, all_headers, signed,
                           extra["X-Amz-Content-Sha256"])
  scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
  sig = signature(secret, amz_date[:8], region, service,
                  string_to_sign(amz_date, scope, creq))
  extra["Authorization"] = (f"{ALGORITHM} Credential={access_key}/{scope}, "
                            f"SignedHeaders={';'.join(signed)}, "
                            f"Signature={sig}")
  return extra
