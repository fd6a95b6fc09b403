"""Signature Version 4: AWS's published test vectors (data/sigv4_vectors.json)
through both the signing functions and the manager's verifier, and the
verifier's policy (keys, region, service, clock skew, replay, body hash), in
process: no servers."""

import json
import os
import stat
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "manager"))

from vireo_manager import credentials, sigv4  # noqa: E402
from vireo_manager.auth import Authenticator  # noqa: E402
from vireo_manager.errors import ApiError  # noqa: E402
from vireo_manager.main import is_loopback  # noqa: E402

with open(os.path.join(HERE, "data", "sigv4_vectors.json"),
          encoding="utf-8") as _f:
  SUITE = json.load(_f)
SCOPE = "20150830/us-east-1/service/aws4_request"
T0 = 1440938160.0     # 2015-08-30T12:36:00Z, the suite's date


def authorization(v, signature=None):
  return (f"AWS4-HMAC-SHA256 Credential={SUITE['access_key']}/{SCOPE}, "
          f"SignedHeaders={v['signed_headers']}, "
          f"Signature={signature or v['signature']}")


class Vectors(unittest.TestCase):
  def test_signing_key(self):
    self.assertEqual(sigv4.signing_key(SUITE["secret"], "20150830",
                                       "us-east-1", "service").hex(),
                     SUITE["signing_key_hex"])

  def test_signatures(self):
    for v in SUITE["vectors"]:
      with self.subTest(v["name"]):
        signed = v["signed_headers"].split(";")
        body = v["body"].encode()
        if "payload_sha256" in v:
          self.assertEqual(sigv4.payload_hash(body), v["payload_sha256"])
        creq = sigv4.canonical_request(v["method"], v["path"], v["query"],
                                       v["headers"], signed,
                                       sigv4.payload_hash(body))
        if "canonical_request_sha256" in v:
          import hashlib
          self.assertEqual(hashlib.sha256(creq.encode()).hexdigest(),
                           v["canonical_request_sha256"])
        sts = sigv4.string_to_sign(SUITE["amz_date"], SCOPE, creq)
        self.assertEqual(sigv4.signature(SUITE["secret"], "20150830",
                                         "us-east-1", "service", sts),
                         v["signature"])

  def test_verifier_accepts_each_vector_and_refuses_a_changed_one(self):
    for v in SUITE["vectors"]:
      with self.subTest(v["name"]):
        auth = Authenticator({SUITE["access_key"]: SUITE["secret"]},
                             "us-east-1", ("service",), clock=lambda: T0)
        headers = v["headers"] + [("Authorization", authorization(v))]
        self.assertEqual(auth.verify(v["method"], v["path"], v["query"],
                                     headers, v["body"].encode())[:2],
                         (SUITE["access_key"], "service"))
        auth = Authenticator({SUITE["access_key"]: SUITE["secret"]},
                             "us-east-1", ("service",), clock=lambda: T0)
        with self.assertRaises(ApiError) as e:
          auth.verify(v["method"], v["path"] + "x", v["query"], headers,
                      v["body"].encode())
        self.assertEqual(e.exception.code, "SignatureDoesNotMatch")

  def test_sign_round_trip(self):
    headers = {"Host": "127.0.0.1:8080", "Content-Type": "application/json"}
    extra = sigv4.sign("POST", "/", "", headers, b"{}", "AKID", "s3cr3t",
                       "us-east-1", "elasticache", "20150830T123600Z")
    auth = Authenticator({"AKID": "s3cr3t"}, "us-east-1", ("elasticache",),
                         clock=lambda: T0 + 30)
    merged = list(headers.items()) + list(extra.items())
    self.assertEqual(auth.verify("POST", "/", "", merged, b"{}")[:2],
                     ("AKID", "elasticache"))


class Policy(unittest.TestCase):
  def setUp(self):
    self.now = T0
    self.auth = Authenticator({"AKID": "secret", "AKID2": "other"},
                              "us-east-1", ("elasticache", "monitoring"),
                              max_skew=300, clock=lambda: self.now)

  def signed(self, access="AKID", secret="secret", region="us-east-1",
             service="elasticache", date="20150830T123600Z", body=b"x=1"):
    headers = {"Host": "h:1", "Content-Type": "application/x-www-form-"
               "urlencoded"}
    headers.update(sigv4.sign("POST", "/", "", headers, body, access, secret,
                              region, service, date))
    return list(headers.items())

  def code(self, headers, body=b"x=1"):
    try:
      self.auth.verify("POST", "/", "", headers, body)
    except ApiError as e:
      return e.code, e.status
    return None

  def test_good_keys_and_services(self):
    self.assertIsNone(self.code(self.signed()))
    self.assertIsNone(self.code(self.signed("AKID2", "other",
                                            service="monitoring")))

  def test_faults_have_aws_codes(self):
    cases = {
        "MissingAuthenticationToken": ([("Host", "h:1")], 403),
        "InvalidClientTokenId": (self.signed("NOPE"), 403),
        "SignatureDoesNotMatch": (self.signed(secret="wrong"), 403),
    }
    for code, (headers, status) in cases.items():
      with self.subTest(code):
        self.assertEqual(self.code(headers), (code, status))
    self.assertEqual(self.code(self.signed(region="eu-west-1"))[0],
                     "SignatureDoesNotMatch")
    self.assertEqual(self.code(self.signed(service="ec2"))[0],
                     "SignatureDoesNotMatch")
    # Too old and too far in the future.
    self.assertEqual(self.code(self.signed(date="20150830T122000Z")),
                     ("RequestExpired", 400))
    self.assertEqual(self.code(self.signed(date="20150830T125000Z")),
                     ("RequestExpired", 400))
    # Within the skew: fine.
    self.assertIsNone(self.code(self.signed(date="20150830T123300Z")))
    # A changed body no longer matches its signature.
    self.assertEqual(self.code(self.signed(), body=b"x=2")[0],
                     "SignatureDoesNotMatch")
    # A session token: this endpoint never issues one.
    self.assertEqual(self.code(self.signed() + [("X-Amz-Security-Token",
                                                 "t")])[0],
                     "InvalidClientTokenId")
    bad = [(k, v) for k, v in self.signed() if k != "Authorization"]
    for value in ("Basic abc", "AWS4-HMAC-SHA256 Credential=AKID",
                  "AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, "
                  "Signature=00"):
      with self.subTest(value):
        self.assertEqual(self.code(bad + [("Authorization", value)]),
                         ("IncompleteSignature", 400))

  def test_replay_is_refused(self):
    headers = self.signed()
    self.assertIsNone(self.code(headers))
    # The same bytes at once: two identical calls in a row, both run.
    self.assertIsNone(self.code(headers))
    # The same bytes later can only be a copy.
    self.now += 3
    self.assertEqual(self.code(headers)[0], "SignatureDoesNotMatch")
    # A new signature (another second) is a new request.
    self.assertIsNone(self.code(self.signed(date="20150830T123603Z")))
    # The API checks only actions that change state: verify(replay=False)
    # then check_replay(token).
    headers = self.signed(date="20150830T123604Z")
    token = self.auth.verify("POST", "/", "", headers, b"x=1",
                             replay=False)[2]
    self.auth.check_replay(token)
    self.now += 3
    self.auth.verify("POST", "/", "", headers, b"x=1", replay=False)
    with self.assertRaises(ApiError):
      self.auth.check_replay(token)

  def test_host_must_be_signed(self):
    headers = [("Host", "h:1"), ("X-Amz-Date", "20150830T123600Z")]
    creq = sigv4.canonical_request("POST", "/", "", headers, ["x-amz-date"],
                                   sigv4.payload_hash(b""))
    sig = sigv4.signature("secret", "20150830", "us-east-1", "elasticache",
                          sigv4.string_to_sign(
                              "20150830T123600Z",
                              "20150830/us-east-1/elasticache/aws4_request",
                              creq))
    headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/"
                    "20150830/us-east-1/elasticache/aws4_request, "
                    f"SignedHeaders=x-amz-date, Signature={sig}"))
    self.assertEqual(self.code(headers, b""), ("SignatureDoesNotMatch", 403))


class CredentialsFile(unittest.TestCase):
  def test_created_private_and_loaded(self):
    with tempfile.TemporaryDirectory() as d:
      path = os.path.join(d, "credentials")
      self.assertTrue(credentials.ensure(path))
      self.assertFalse(credentials.ensure(path))
      self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
      keys = credentials.load(path)
      self.assertEqual(len(keys), 1)
      access, secret = credentials.profile_key(path)
      self.assertEqual(keys, {access: secret})
      with open(path, "a") as f:
        f.write("\n[ops]\naws_access_key_id = AKIAOPS\n"
                "aws_secret_access_key = opsecret\n[partial]\n"
                "aws_access_key_id = AKIAHALF\n")
      self.assertEqual(len(credentials.load(path)), 2)
      self.assertEqual(credentials.profile_key(path, "ops"),
                       ("AKIAOPS", "opsecret"))
      with self.assertRaises(credentials.CredentialsError):
        credentials.profile_key(path, "partial")
      with open(path, "w") as f:
        f.write("not an ini file")
      with self.assertRaises(credentials.CredentialsError):
        credentials.load(path)

  def test_loopback_detection(self):
    for host in ("127.0.0.1", "127.1.2.3", "::1", "localhost"):
      self.assertTrue(is_loopback(host), host)
    for host in ("0.0.0.0", "192.0.2.1", "::", "example.com"):
      self.assertFalse(is_loopback(host), host)


if __name__ == "__main__":
  unittest.main()
