"""Parameter validation of every action, in process (no servers needed)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "src", "manager"))

from vireo_manager import api, params  # noqa: E402
from vireo_manager.errors import ApiError  # noqa: E402
from vireo_manager.nodeconfig import node_type_mib  # noqa: E402
from vireo_manager.validation import ACTIONS, validate  # noqa: E402

# One valid request per action: each test below breaks one thing in it.
VALID = {
    "CreateReplicationGroup": {"ReplicationGroupId": "g1", "Engine": "redis",
                               "ReplicasPerNodeGroup": 1},
    "DescribeReplicationGroups": {},
    "ModifyReplicationGroup": {"ReplicationGroupId": "g1",
                               "ApplyImmediately": True},
    "IncreaseReplicaCount": {"ReplicationGroupId": "g1", "NewReplicaCount": 2,
                             "ApplyImmediately": True},
    "DecreaseReplicaCount": {"ReplicationGroupId": "g1", "NewReplicaCount": 1,
                             "ApplyImmediately": True},
    "DeleteReplicationGroup": {"ReplicationGroupId": "g1"},
    "TestFailover": {"ReplicationGroupId": "g1", "NodeGroupId": "0001"},
    "RebootCacheCluster": {"CacheClusterId": "g1-001",
                           "CacheNodeIdsToReboot": ["0001"]},
    "CreateSnapshot": {"SnapshotName": "s1", "ReplicationGroupId": "g1"},
    "DescribeSnapshots": {},
    "CopySnapshot": {"SourceSnapshotName": "s1", "TargetSnapshotName": "s2"},
    "DeleteSnapshot": {"SnapshotName": "s1"},
    "DescribeEvents": {"Duration": 60},
    "CreateCacheParameterGroup": {"CacheParameterGroupName": "pg",
                                  "CacheParameterGroupFamily": "redis7",
                                  "Description": "d"},
    "ModifyCacheParameterGroup": {
        "CacheParameterGroupName": "pg",
        "ParameterNameValues": [{"ParameterName": "timeout",
                                 "ParameterValue": "10"}]},
    "ResetCacheParameterGroup": {"CacheParameterGroupName": "pg",
                                 "ResetAllParameters": True},
    "DeleteCacheParameterGroup": {"CacheParameterGroupName": "pg"},
    "DescribeCacheParameterGroups": {},
    "DescribeCacheParameters": {"CacheParameterGroupName": "pg"},
    "GetMetricStatistics": {"MetricName": "CacheHits",
                            "ReplicationGroupId": "g1", "Period": 60},
    "GetMetricData": {"MetricDataQueries": [], "StartTime": 1,
                      "EndTime": 2},
    "DescribeCacheClusters": {},
    "DescribeCacheEngineVersions": {},
    "DescribeEngineDefaultParameters": {"CacheParameterGroupFamily":
                                        "redis7"},
    "DescribeServiceUpdates": {},
    "AddTagsToResource": {"ResourceName": "arn", "Tags": [{"Key": "k"}]},
    "RemoveTagsFromResource": {"ResourceName": "arn", "TagKeys": ["k"]},
    "ListTagsForResource": {"ResourceName": "arn"},
    "CreateUser": {"UserId": "u1", "UserName": "u1", "Engine": "redis",
                   "AccessString": "on ~* +@all"},
    "ModifyUser": {"UserId": "u1"},
    "DeleteUser": {"UserId": "u1"},
    "DescribeUsers": {},
    "CreateUserGroup": {"UserGroupId": "g1", "Engine": "redis"},
    "ModifyUserGroup": {"UserGroupId": "g1"},
    "DeleteUserGroup": {"UserGroupId": "g1"},
    "DescribeUserGroups": {},
}


def code_of(action, raw):
  try:
    validate(action, raw)
  except ApiError as e:
    return e.code
  return None


class EveryAction(unittest.TestCase):
  def test_table_covers_every_handler(self):
    self.assertEqual(set(VALID), set(ACTIONS))
    self.assertEqual(set(api.HANDLERS), set(ACTIONS))

  def test_valid_requests_pass(self):
    for action, raw in VALID.items():
      with self.subTest(action=action):
        self.assertIsNone(code_of(action, dict(raw)))

  def test_missing_required_fields(self):
    for action, spec in ACTIONS.items():
      for field, (_, required, _) in spec.items():
        if required:
          raw = dict(VALID[action])
          raw.pop(field, None)
          with self.subTest(action=action, field=field):
            self.assertEqual(code_of(action, raw), "MissingParameter")

  def test_wrong_types(self):
    bad = {"str": 5, "int": "five", "bool": "maybe", "strlist": [1],
           "time": "yesterday", "paramlist": "x", "taglist": "x",
           "dimlist": [1]}
    for action, spec in ACTIONS.items():
      for field, (kind, _, _) in spec.items():
        if kind == "raw":     # structures checked by their action
          continue
        raw = dict(VALID[action], **{field: bad[kind]})
        with self.subTest(action=action, field=field):
          self.assertEqual(code_of(action, raw), "InvalidParameterValue")

  def test_unknown_parameter(self):
    for action in ACTIONS:
      with self.subTest(action=action):
        self.assertEqual(code_of(action, dict(VALID[action], Bogus=1)),
                         "InvalidParameterValue")


class Values(unittest.TestCase):
  def check(self, action, code, **fields):
    self.assertEqual(code_of(action, dict(VALID[action], **fields)), code,
                     fields)

  def test_identifiers(self):
    for bad in ("1abc", "a--b", "a-", "", "a" * 41, "a_b", "a b"):
      self.check("CreateReplicationGroup", "InvalidParameterValue",
                 ReplicationGroupId=bad)
    self.check("CreateReplicationGroup", None, ReplicationGroupId="a-b-9")
    self.check("DeleteSnapshot", "InvalidParameterValue", SnapshotName="-x")

  def test_create_ranges_and_combinations(self):
    C = "CreateReplicationGroup"
    self.check(C, "InvalidParameterValue", ReplicasPerNodeGroup=6)
    self.check(C, "InvalidParameterValue", ReplicasPerNodeGroup=-1)
    self.check(C, "InvalidParameterValue", NumNodeGroups=2)
    self.check(C, "InvalidParameterValue", Engine="memcached")
    self.check(C, None, Engine="vireo")
    self.check(C, "InvalidParameterCombination", NumCacheClusters=3)
    self.check(C, "InvalidParameterCombination", ReplicasPerNodeGroup=0,
               AutomaticFailoverEnabled=True)
    self.check(C, "InvalidParameterCombination", MultiAZEnabled=True,
               AutomaticFailoverEnabled=False)
    self.check(C, "InvalidParameterValue", AuthToken="short")
    self.check(C, "InvalidParameterValue", AuthToken="has/slash-1234567890")
    self.check(C, None, AuthToken="a-good-token-1234567")
    self.check(C, "InvalidParameterValue", SnapshotWindow="25:00-26:00")
    self.check(C, "InvalidParameterValue", SnapshotWindow="05:00-05:30")
    self.check(C, None, SnapshotWindow="23:30-00:30")
    self.check(C, "InvalidParameterValue", SnapshotRetentionLimit=36)
    p = validate(C, {"ReplicationGroupId": "g", "Engine": "redis",
                     "NumCacheClusters": 3})
    self.assertEqual(p["ReplicasPerNodeGroup"], 2)
    self.assertTrue(p["AutomaticFailoverEnabled"])

  def test_vireo_engine_takes_replicas(self):
    p = validate("CreateReplicationGroup", {"ReplicationGroupId": "g",
                                            "ReplicasPerNodeGroup": 1})
    self.assertEqual(p["Engine"], "vireo")
    self.assertTrue(p["AutomaticFailoverEnabled"])

  def test_other_actions(self):
    self.check("ModifyReplicationGroup", "InvalidParameterCombination",
               AuthTokenUpdateStrategy="ROTATE")
    self.check("ModifyReplicationGroup", "InvalidParameterValue",
               AuthTokenUpdateStrategy="SWAP", AuthToken="x" * 16)
    self.check("DecreaseReplicaCount", "InvalidParameterCombination",
               ReplicasToRemove=["g1-002"])
    self.check("IncreaseReplicaCount", "InvalidParameterValue",
               NewReplicaCount=6)
    self.check("TestFailover", "NodeGroupNotFoundFault", NodeGroupId="0002")
    self.check("CreateSnapshot", "InvalidParameterCombination",
               CacheClusterId="g1-001")
    self.check("DescribeEvents", "InvalidParameterCombination",
               StartTime="2024-01-01T00:00:00Z")
    self.check("DescribeEvents", "InvalidParameterValue", Duration=20161)
    self.assertEqual(code_of("DescribeEvents", {
        "StartTime": "2024-01-02T00:00:00Z",
        "EndTime": "2024-01-01T00:00:00Z"}), "InvalidParameterValue")
    self.check("GetMetricStatistics", "InvalidParameterValue", Period=10)
    self.check("GetMetricStatistics", "InvalidParameterValue",
               Statistics=["Median"])
    self.check("GetMetricStatistics", "InvalidParameterCombination",
               CacheClusterId="g1-001")
    self.check("GetMetricStatistics", "InvalidParameterCombination",
               Dimensions=[{"Name": "CacheClusterId", "Value": "g1-001"}])
    self.check("GetMetricStatistics", "InvalidParameterValue",
               ExtendedStatistics=["p99"])
    self.check("AddTagsToResource", "InvalidParameterValue",
               Tags=[{"Key": ""}])
    self.check("AddTagsToResource", "InvalidParameterValue",
               Tags=[{"Key": "k", "Value": "v" * 257}])
    self.check("AddTagsToResource", "InvalidParameterValue",
               Tags=[{"Key": "k", "Other": "v"}])
    self.check("DescribeEngineDefaultParameters", "InvalidParameterValue",
               CacheParameterGroupFamily="redis2")
    self.check("CreateCacheParameterGroup", "InvalidParameterValue",
               CacheParameterGroupFamily="redis2")
    self.check("ModifyCacheParameterGroup", "InvalidParameterValue",
               ParameterNameValues=[{"ParameterName": 1}])
    self.check("ResetCacheParameterGroup", "InvalidParameterCombination",
               ResetAllParameters=False)

  def test_parameter_values(self):
    params.check_value("maxmemory-policy", "allkeys-lru")
    for name, value in (("maxmemory-policy", "lru"), ("timeout", "-1"),
                        ("timeout", "ten"), ("appendonly", "true"),
                        ("notify-keyspace-events", "Q"), ("nosuch", "1"),
                        ("timeout", "1\n2")):
      with self.subTest(name=name, value=value):
        with self.assertRaises(ApiError):
          params.check_value(name, value)

  def test_node_types(self):
    self.assertEqual(node_type_mib("vireo.64mb"), 64)
    self.assertEqual(node_type_mib("vireo.2gb"), 2048)
    self.assertEqual(node_type_mib("cache.t4g.micro"), 512)
    for bad in ("cache.x9.huge", "vireo.0mb", "vireo.64tb", ""):
      with self.assertRaises(ApiError):
        node_type_mib(bad)


class Parsing(unittest.TestCase):
  JSON = [("Content-Type", "application/json")]
  FORM = [("Content-Type", "application/x-www-form-urlencoded")]

  def parse(self, method, target, body=b"", headers=None):
    r = api.parse_request(method, target, self.JSON if headers is None
                          else headers, body)
    return r.action, r.params

  def code(self, *args, **kw):
    try:
      self.parse(*args, **kw)
    except ApiError as e:
      return e.code
    return None

  def test_action_sources(self):
    self.assertEqual(self.parse("POST", "/", b'{"Action": "DescribeEvents"}'),
                     ("DescribeEvents", {}))
    self.assertEqual(self.parse("POST", "/DescribeEvents", b""),
                     ("DescribeEvents", {}))
    self.assertEqual(
        self.parse("GET", "/?Action=DescribeEvents&Duration=5"),
        ("DescribeEvents", {"Duration": "5"}))

  def test_query_protocol(self):
    body = (b"Action=ModifyCacheParameterGroup&Version=2015-02-02"
            b"&CacheParameterGroupName=pg"
            b"&ParameterNameValues.ParameterNameValue.1.ParameterName=timeout"
            b"&ParameterNameValues.ParameterNameValue.1.ParameterValue=10"
            b"&ParameterNameValues.ParameterNameValue.2.ParameterName=a+b")
    action, raw = self.parse("POST", "/", body, self.FORM)
    self.assertEqual(action, "ModifyCacheParameterGroup")
    self.assertEqual(validate(action, raw)["ParameterNameValues"],
                     [("timeout", "10"), ("a b", None)])
    action, raw = self.parse(
        "POST", "/", b"Action=RebootCacheCluster&Version=2015-02-02"
        b"&CacheClusterId=g1-001&CacheNodeIdsToReboot.CacheNodeId.1=0001",
        self.FORM)
    self.assertEqual(validate(action, raw)["CacheNodeIdsToReboot"], ["0001"])
    action, raw = self.parse(
        "POST", "/", b"Action=AddTagsToResource&Version=2015-02-02"
        b"&ResourceName=arn&Tags.Tag.1.Key=k&Tags.Tag.1.Value=v"
        b"&Tags.Tag.2.Key=k2", self.FORM)
    self.assertEqual(validate(action, raw)["Tags"], [("k", "v"), ("k2", "")])
    # Version is required and must be the service's API version.
    self.assertEqual(self.code("POST", "/", b"Action=DescribeEvents",
                               headers=self.FORM), "MissingParameter")
    self.assertEqual(self.code("POST", "/", b"Action=DescribeEvents&"
                               b"Version=2010-08-01", headers=self.FORM),
                     "InvalidParameterValue")
    self.assertEqual(self.parse("POST", "/", b"Action=GetMetricData&"
                                b"Version=2010-08-01", self.FORM)[0],
                     "GetMetricData")
    for bad in (b"A.1=x&A.01=y", b"A=x&A.b=y", b"A.0=x", b"A..b=1",
                b"Action=DescribeEvents&Action=DescribeEvents"):
      self.assertEqual(self.code("POST", "/", bad, headers=self.FORM),
                       "InvalidParameterValue", bad)

  def test_mutations_need_post(self):
    self.assertEqual(self.code("GET", "/?Action=DeleteReplicationGroup&"
                               "ReplicationGroupId=g1"), "MethodNotAllowed")
    self.assertEqual(self.code("GET", "/?Action=DeleteSnapshot&Version="
                               "2015-02-02&SnapshotName=s", headers=[]),
                     "MethodNotAllowed")
    self.assertEqual(self.parse("GET", "/?Action=DescribeSnapshots&Version="
                                "2015-02-02", headers=[])[0],
                     "DescribeSnapshots")

  def test_cross_origin(self):
    self.assertTrue(api.cross_origin([("Origin", "http://evil.example")]))
    self.assertTrue(api.cross_origin([("Sec-Fetch-Site", "cross-site")]))
    self.assertFalse(api.cross_origin([("Sec-Fetch-Site", "none")]))
    self.assertFalse(api.cross_origin(self.JSON))

  def test_bad_requests(self):
    self.assertEqual(self.code("POST", "/", b"{"), "InvalidParameterValue")
    self.assertEqual(self.code("POST", "/", b"[1]"), "InvalidParameterValue")
    self.assertEqual(self.code("POST", "/", b"{}"), "MissingAction")
    self.assertEqual(self.code("POST", "/Nope", b""), "InvalidAction")
    self.assertEqual(self.code("POST", "/DescribeEvents",
                               b'{"Action": "TestFailover"}'),
                     "InvalidParameterValue")
    self.assertEqual(self.code("POST", "/", b'{"Action": 5}'),
                     "InvalidParameterValue")
    self.assertEqual(self.code("PUT", "/DescribeEvents", b""),
                     "InvalidAction")
    self.assertEqual(self.code("POST", "/", b" " * (api.MAX_BODY + 1)),
                     "InvalidParameterValue")

  def test_not_found_is_404_others_400(self):
    self.assertEqual(ApiError("ReplicationGroupNotFoundFault", "x").status,
                     404)
    self.assertEqual(ApiError("InvalidParameterValue", "x").status, 400)


if __name__ == "__main__":
  unittest.main()
