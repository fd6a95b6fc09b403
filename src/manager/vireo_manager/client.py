"""A small signed-HTTP client for the manager's API (vireoctl, vireo-run,
tests): JSON or form bodies, signed with SigV4 (sigv4.sign) for a key from
an aws-cli credentials file or the environment, as aws-cli finds them.
Threading: Client objects are immutable; call() is thread-safe.
"""

import json
import os
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from . import credentials, sigv4

MONITORING_ACTIONS = ("GetMetricStatistics", "GetMetricData")


def service_of(action):
  return "monitoring" if action in MONITORING_ACTIONS else "elasticache"


def find_key(cred_file=None, profile=None):
  """(access key, secret) the way aws-cli looks for them: an explicit file,
  else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else
  AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials. Raises
  credentials.CredentialsError when none is found."""
  profile = profile or os.environ.get("AWS_PROFILE") or "default"
  if not cred_file:
    access = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if access and secret:
      return access, secret
    cred_file = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or \
        os.path.expanduser("~/.aws/credentials")
  return credentials.profile_key(cred_file, profile)


class Client:
  def __init__(self, endpoint, access_key, secret, region="us-east-1",
               timeout=120, cafile=None):
    self.endpoint = endpoint.rstrip("/") + "/"
    self.access_key, self.secret, self.region = access_key, secret, region
    self.timeout = timeout
    self.context = ssl.create_default_context(cafile=cafile) \
        if endpoint.startswith("https:") else None

  def request(self, body, content_type, service, method="POST", path="/",
              query="", extra_headers=None, sign=True):
    """Returns (status, response bytes, headers)."""
    url = urlsplit(self.endpoint)
    headers = {"Host": url.netloc, "Content-Type": content_type}
    headers.update(extra_headers or {})
    if sign:
      amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
      headers.update(sigv4.sign(method, path, query, headers, body,
                                self.access_key, self.secret, self.region,
                                service, amz_date))
    target = f"{url.scheme}://{url.netloc}{path}" + (f"?{query}" if query
                                                     else "")
    req = urllib.request.Request(target, data=body if method != "GET" else
                                 None, method=method, headers=headers)
    try:
      with urllib.request.urlopen(req, timeout=self.timeout,
                                  context=self.context) as r:
        return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
      return e.code, e.read(), dict(e.headers)

  def call(self, action, params):
    """JSON call of one action: returns (status, parsed body)."""
    body = json.dumps(dict(params, Action=action)).encode()
    status, data, _ = self.request(body, "application/json",
                                   service_of(action))
    try:
      return status, json.loads(data or b"{}")
    except ValueError:
      return status, {"Error": {"Code": "HttpError",
                                "Message": data[:200].decode(
                                    errors="replace")}}
