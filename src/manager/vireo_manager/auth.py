"""Who may call the API: Signature Version 4 checks with AWS's error codes.

An Authenticator holds the access keys (credentials.py), the region and the
service names this endpoint answers for, the allowed clock skew and the
signatures already seen. verify() accepts a request or raises ApiError with
the code AWS gives for the same fault: MissingAuthenticationToken (unsigned),
IncompleteSignature (malformed Authorization or date), InvalidClientTokenId
(unknown key, or a session token, which this endpoint never issues),
RequestExpired (timestamp more than the skew away from our clock),
SignatureDoesNotMatch (wrong secret, region, service, body or headers).

Replays: AWS bounds them by the skew window only. Here, in addition, the
signature of each request that changes state is remembered until it could
no longer pass the skew check, and a copy arriving more than REPEAT_GRACE
seconds after the first is refused (check_replay).

Threading: verify() may run on many HTTP threads at once; the replay table
is guarded by a lock, everything else is read-only after construction.
"""

import calendar
import hmac
import re
import threading
import time
from email.utils import parsedate_to_datetime

from . import sigv4
from .errors import ApiError

_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_REPLAY_LIMIT = 100000
REPEAT_GRACE = 2.0


def _incomplete(msg):
  return ApiError("IncompleteSignature", msg, status=400)


def _mismatch(msg):
  return ApiError("SignatureDoesNotMatch", msg, status=403)


SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.")


class Authenticator:
  def __init__(self, keys, region, services, max_skew=300.0,
               clock=time.time):
    self.keys = dict(keys)
    self.region = region
    self.services = tuple(services)
    self.max_skew = max_skew
    self.clock = clock
    self._seen = {}            # signature -> time after which it is stale
    self._lock = threading.Lock()

  def verify(self, method, path, query, headers, body, replay=True):
    """headers: list of (name, value). Returns (access key id, service,
    replay token). With replay=False the caller checks later
    (check_replay(token)): the API does so for actions that change state
    only, since a replayed read changes nothing."""
    lower = {}
    for name, value in headers:
      lower.setdefault(name.lower(), value)
    auth = lower.get("authorization")
    if auth is None:
      raise ApiError("MissingAuthenticationToken",
                     "Request is missing Authentication Token", status=403)
    fields = sigv4.parse_authorization(auth)
    if fields is None:
      raise _incomplete("Unsupported AWS 'algorithm': only "
                        f"'{sigv4.ALGORITHM}' is accepted.")
    missing = [k for k in ("Credential", "SignedHeaders", "Signature")
               if not fields.get(k)]
    if missing:
      raise _incomplete(" ".join(
          f"Authorization header requires '{k}' parameter." for k in missing)
          + f" Authorization={auth[:200]}")
    parts = fields["Credential"].split("/")
    if len(parts) != 5:
      raise _incomplete("Credential must have the form "
                        "<key>/<date>/<region>/<service>/aws4_request.")
    access, scope_date, region, service, terminator = parts
    secret = self.keys.get(access)
    if secret is None or "x-amz-security-token" in lower:
      raise ApiError("InvalidClientTokenId",
                     "The security token included in the request is "
                     "invalid.", status=403)
    amz_date = lower.get("x-amz-date")
    if amz_date is not None:
      if not _AMZ_DATE.match(amz_date.strip()):
        raise _incomplete("Date must be in ISO-8601 'basic format'. Got "
                          f"'{amz_date[:40]}'.")
      amz_date = amz_date.strip()
      stamp = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    elif "date" in lower:
      try:
        dt = parsedate_to_datetime(lower["date"])
        stamp = dt.timestamp()
      except (TypeError, ValueError, IndexError):
        raise _incomplete("The Date header is not an HTTP date.") from None
      amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(stamp))
    else:
      raise _incomplete("Authorization header requires existence of either "
                        "a 'X-Amz-Date' or a 'Date' header.")
    now = self.clock()
    if abs(now - stamp) > self.max_skew:
      raise ApiError(
          "RequestExpired",
          f"Request has expired: its timestamp {amz_date} is more than "
          f"{int(self.max_skew)} seconds away from the server time "
          f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))}.",
          status=400)
    if scope_date != amz_date[:8]:
      raise _mismatch("Date in Credential scope does not match YYYYMMDD "
                      f"from ISO-8601 version of date from HTTP: "
                      f"'{scope_date}' != '{amz_date[:8]}'.")
    if region != self.region:
      raise _mismatch(f"Credential should be scoped to a valid region, not "
                      f"'{region}'. This endpoint's region is "
                      f"'{self.region}'.")
    if service not in self.services:
      raise _mismatch("Credential should be scoped to correct service: "
                      f"'{self.services[0]}'.")
    if terminator != "aws4_request":
      raise _mismatch("Credential should be scoped with a valid terminator: "
                      f"'aws4_request', not '{terminator}'.")
    signed = fields["SignedHeaders"].split(";")
    if signed != sorted(set(signed)) or any(h != h.lower() for h in signed):
      raise _incomplete("SignedHeaders must be lowercase, sorted and "
                        "unique.")
    if "host" not in signed:
      raise _mismatch("'Host' must be a 'SignedHeader' in the AWS "
                      "Authorization.")
    if "x-amz-date" in lower and "x-amz-date" not in signed:
      raise _mismatch("'X-Amz-Date' must be a 'SignedHeader' in the AWS "
                      "Authorization.")
    missing_headers = [h for h in signed if h not in lower]
    if missing_headers:
      raise _mismatch("SignedHeaders names headers the request does not "
                      f"carry: {', '.join(missing_headers)[:200]}.")
    body_hash = sigv4.payload_hash(body)
    claimed = lower.get("x-amz-content-sha256")
    if claimed is not None and claimed.strip() != body_hash:
      raise _mismatch("The provided 'x-amz-content-sha256' header does not "
                      "match what was computed.")
    creq = sigv4.canonical_request(method, path, query, headers, signed,
                                   body_hash)
    scope = f"{scope_date}/{region}/{service}/aws4_request"
    expected = sigv4.signature(secret, scope_date, region, service,
                               sigv4.string_to_sign(amz_date, scope, creq))
    if not hmac.compare_digest(expected, fields["Signature"].lower()):
      raise _mismatch(SIGNATURE_MISMATCH)
    token = (expected, stamp + self.max_skew)
    if replay:
      self.check_replay(token)
    return access, service, token

  def check_replay(self, token):
    """Refuses a signature first seen more than REPEAT_GRACE seconds ago
    and still inside its skew window. X-Amz-Date has one-second steps, so a
    client can only sign the same bytes twice within about a second (two
    identical calls in a row): those run normally; a copy arriving later
    can only be a replay."""
    sig, stale_after = token
    now = self.clock()
    with self._lock:
      seen = self._seen.get(sig)
      if seen is not None and seen[1] >= now:
        if now - seen[0] > REPEAT_GRACE:
          raise _mismatch("This request signature was already used: each "
                          "request must be signed anew (replay refused).")
        return
      if len(self._seen) >= _REPLAY_LIMIT // 2:
        self._seen = {s: v for s, v in self._seen.items() if v[1] >= now}
        if len(self._seen) >= _REPLAY_LIMIT:
          raise ApiError("Throttling", "Rate exceeded", status=400)
      self._seen[sig] = (now, stale_after)
