"""The ElastiCache wire protocol end to end: boto3 against a real
vireo-manager, signing with the key the manager created, on both engines
(harness.for_engines), failover and replica counts included. Debian's aws-cli runs the README's
walk-through in test_readme_aws.py (each aws-cli start costs seconds, so
it is used there only).

Also the HTTP safety rules that no client library shows: unsigned requests,
mutations over GET, browser cross-origin requests, many concurrent callers,
slow senders, /metrics authentication.
"""

import datetime
import os
import socket
import stat
import subprocess
import threading
import time
import unittest
import urllib.request

import redis
from botocore.exceptions import ClientError

from harness import ManagerProcess, for_engines

def utcnow():
  return datetime.datetime.now(datetime.timezone.utc)


class _Base:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess(down_after_ms=800)
    cls.mgr.extra_args = ["--request-timeout-s", "1",
                          "--idle-timeout-s", "2"]
    cls.mgr.start()
    try:
      cls.ec = cls.mgr.boto3("elasticache")
      cls.cw = cls.mgr.boto3("cloudwatch")
    except BaseException:
      cls.mgr.stop()     # tearDownClass does not run after this
      raise

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def code(self, fn, **kw):
    with self.assertRaises(ClientError) as ctx:
      fn(**kw)
    return ctx.exception.response["Error"]["Code"]

  def arn(self, kind, ident):
    return f"arn:vireo:elasticache:us-east-1:000000000000:{kind}:{ident}"

  def create(self, gid, clusters=1, **extra):
    g = self.ec.create_replication_group(
        ReplicationGroupId=gid, ReplicationGroupDescription="test",
        Engine=self.ENGINE, NumCacheClusters=clusters, **extra)
    self.ec.get_waiter("replication_group_available").wait(
        ReplicationGroupId=gid, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return g["ReplicationGroup"]


@for_engines
class Boto3Api(_Base):
  def test_groups_modify_reboot_and_waiters(self):
    gid = f"b3-{self.ENGINE}"
    clusters = 2
    g = self.create(gid, clusters, Tags=[{"Key": "a", "Value": "1"}])
    self.assertEqual(g["ReplicationGroupId"], gid)
    g = self.ec.describe_replication_groups(
        ReplicationGroupId=gid)["ReplicationGroups"][0]
    self.assertEqual(g["Status"], "available")
    self.assertEqual(len(g["MemberClusters"]), clusters)
    self.assertIsInstance(g["ReplicationGroupCreateTime"],
                          datetime.datetime)
    g = self.ec.modify_replication_group(
        ReplicationGroupId=gid, ReplicationGroupDescription="changed",
        SnapshotRetentionLimit=3, ApplyImmediately=True)["ReplicationGroup"]
    self.assertEqual(g["Description"], "changed")
    self.assertEqual(g["SnapshotRetentionLimit"], 3)
    clusters_now = self.ec.describe_cache_clusters(
        CacheClusterId=f"{gid}-001", ShowCacheNodeInfo=True)["CacheClusters"]
    self.assertEqual(clusters_now[0]["CacheNodes"][0]["CacheNodeStatus"],
                     "available")
    self.assertTrue(clusters_now[0]["EngineVersion"])
    old = [m for m in g["NodeGroups"][0]["NodeGroupMembers"]
           if m["CurrentRole"] == "primary"][0]["CacheClusterId"]
    g = self.ec.test_failover(ReplicationGroupId=gid,
                              NodeGroupId="0001")["ReplicationGroup"]
    new = [m for m in g["NodeGroups"][0]["NodeGroupMembers"]
           if m["CurrentRole"] == "primary"][0]["CacheClusterId"]
    self.assertNotEqual(old, new)
    g = self.ec.increase_replica_count(
        ReplicationGroupId=gid, NewReplicaCount=2,
        ApplyImmediately=True)["ReplicationGroup"]
    self.assertEqual(len(g["MemberClusters"]), 3)
    self.ec.get_waiter("replication_group_available").wait(
        ReplicationGroupId=gid, WaiterConfig={"Delay": 1})
    g = self.ec.decrease_replica_count(
        ReplicationGroupId=gid, NewReplicaCount=1,
        ApplyImmediately=True)["ReplicationGroup"]
    self.assertEqual(len(g["MemberClusters"]), 2)
    node = f"{gid}-001"
    r = self.ec.reboot_cache_cluster(CacheClusterId=node,
                                     CacheNodeIdsToReboot=["0001"])
    self.assertEqual(r["CacheCluster"]["CacheClusterId"], node)
    self.ec.get_waiter("cache_cluster_available").wait(
        CacheClusterId=node, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    self.ec.delete_replication_group(ReplicationGroupId=gid)
    self.ec.get_waiter("replication_group_deleted").wait(
        ReplicationGroupId=gid, WaiterConfig={"Delay": 1})
    self.assertEqual(self.code(self.ec.describe_cache_clusters,
                               CacheClusterId=node), "CacheClusterNotFound")

  def test_snapshot_restore_copy_delete(self):
    gid = f"sn-{self.ENGINE}"
    g = self.create(gid)
    port = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    redis.Redis(port=port).set("kept", "yes")
    s = self.ec.create_snapshot(ReplicationGroupId=gid,
                                SnapshotName=f"{gid}-s")["Snapshot"]
    self.assertEqual(s["SnapshotName"], f"{gid}-s")
    self.assertEqual(s["ARN"], self.arn("snapshot", f"{gid}-s"))
    self.ec.add_tags_to_resource(ResourceName=s["ARN"],
                                 Tags=[{"Key": "kind", "Value": "test"}])
    self.assertEqual(self.ec.list_tags_for_resource(ResourceName=s["ARN"])[
        "TagList"], [{"Key": "kind", "Value": "test"}])
    deadline = time.time() + 30
    while self.ec.describe_snapshots(SnapshotName=f"{gid}-s")["Snapshots"][
        0]["SnapshotStatus"] != "available":
      self.assertLess(time.time(), deadline)
      time.sleep(0.2)
    self.ec.copy_snapshot(SourceSnapshotName=f"{gid}-s",
                          TargetSnapshotName=f"{gid}-c")
    r = self.create(f"{gid}-r", SnapshotName=f"{gid}-c")
    port = r["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    self.assertEqual(redis.Redis(port=port).get("kept"), b"yes")
    self.assertEqual(self.code(self.ec.create_snapshot,
                               ReplicationGroupId=gid,
                               SnapshotName=f"{gid}-s"),
                     "SnapshotAlreadyExistsFault")
    for name in (f"{gid}-s", f"{gid}-c"):
      self.ec.delete_snapshot(SnapshotName=name)
    self.assertEqual(self.code(self.ec.describe_snapshots,
                               SnapshotName=f"{gid}-s"),
                     "SnapshotNotFoundFault")
    for x in (gid, f"{gid}-r"):
      self.ec.delete_replication_group(ReplicationGroupId=x)

  def test_tags(self):
    gid = f"tg-{self.ENGINE}"
    self.create(gid)
    arn = self.arn("replicationgroup", gid)
    r = self.ec.add_tags_to_resource(ResourceName=arn, Tags=[
        {"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}])
    self.assertEqual(len(r["TagList"]), 2)
    self.ec.remove_tags_from_resource(ResourceName=arn, TagKeys=["k1"])
    self.assertEqual(self.ec.list_tags_for_resource(ResourceName=arn)[
        "TagList"], [{"Key": "k2", "Value": "v2"}])
    node_arn = self.arn("cluster", f"{gid}-001")
    self.ec.add_tags_to_resource(ResourceName=node_arn,
                                 Tags=[{"Key": "n", "Value": ""}])
    self.assertEqual(self.ec.list_tags_for_resource(ResourceName=node_arn)[
        "TagList"], [{"Key": "n", "Value": ""}])
    self.assertEqual(self.code(self.ec.list_tags_for_resource,
                               ResourceName="arn:aws:elasticache:x"),
                     "InvalidARN")
    self.assertEqual(self.code(
        self.ec.list_tags_for_resource,
        ResourceName=arn.replace("us-east-1", "eu-west-1")), "InvalidARN")
    self.assertEqual(self.code(self.ec.list_tags_for_resource,
                               ResourceName=self.arn("replicationgroup",
                                                     "nope")),
                     "ReplicationGroupNotFoundFault")
    self.assertEqual(self.code(self.ec.remove_tags_from_resource,
                               ResourceName=arn, TagKeys=["absent"]),
                     "TagNotFound")
    self.assertEqual(self.code(self.ec.add_tags_to_resource,
                               ResourceName=arn,
                               Tags=[{"Key": f"t{i}", "Value": "x"}
                                     for i in range(50)]),
                     "TagQuotaPerResourceExceeded")
    self.ec.delete_replication_group(ReplicationGroupId=gid)

  def test_engine_and_info_actions(self):
    versions = self.ec.describe_cache_engine_versions(
        Engine=self.ENGINE)["CacheEngineVersions"]
    self.assertEqual(len(versions), 1)
    self.assertRegex(versions[0]["EngineVersion"], r"^\d+\.\d+\.\d+$")
    family = versions[0]["CacheParameterGroupFamily"]
    defaults = self.ec.describe_engine_default_parameters(
        CacheParameterGroupFamily=family)["EngineDefaults"]
    self.assertEqual(defaults["CacheParameterGroupFamily"], family)
    names = [p["ParameterName"] for p in defaults["Parameters"]]
    self.assertIn("maxmemory-policy", names)
    self.assertEqual(self.ec.describe_service_updates()["ServiceUpdates"],
                     [])
    # Pagination: 25 parameter groups, pages of 20, through boto3's
    # paginator (Marker/MaxRecords on the wire).
    prefix = f"pg{self.ENGINE}"
    for i in range(25):
      self.ec.create_cache_parameter_group(
          CacheParameterGroupName=f"{prefix}{i}",
          CacheParameterGroupFamily="redis7", Description="x")
    pages = list(self.ec.get_paginator("describe_events").paginate(
        SourceType="cache-parameter-group", Duration=10,
        PaginationConfig={"PageSize": 20}))
    self.assertGreaterEqual(len(pages), 2)
    self.assertEqual(len(pages[0]["Events"]), 20)
    events = [e for p in pages for e in p["Events"]
              if e["SourceIdentifier"].startswith(prefix)]
    self.assertEqual(len(events), 25)
    pages = list(self.ec.get_paginator(
        "describe_cache_parameter_groups").paginate(
            PaginationConfig={"PageSize": 20}))
    self.assertEqual(len(pages[0]["CacheParameterGroups"]), 20)
    pgs = [g["CacheParameterGroupName"] for p in pages
           for g in p["CacheParameterGroups"]]
    self.assertEqual(len(pgs), len(set(pgs)))
    self.assertTrue({f"{prefix}{i}" for i in range(25)} <= set(pgs))
    self.ec.modify_cache_parameter_group(
        CacheParameterGroupName=f"{prefix}0", ParameterNameValues=[
            {"ParameterName": "timeout", "ParameterValue": "33"},
            {"ParameterName": "maxmemory-policy",
             "ParameterValue": "allkeys-lru"}])
    params = {p["ParameterName"]: p for p in self.ec.describe_cache_parameters(
        CacheParameterGroupName=f"{prefix}0", Source="user")["Parameters"]}
    self.assertEqual(params["timeout"]["ParameterValue"], "33")
    self.assertEqual(params["maxmemory-policy"]["ParameterValue"],
                     "allkeys-lru")
    self.ec.reset_cache_parameter_group(CacheParameterGroupName=f"{prefix}0",
                                        ResetAllParameters=True)
    for i in range(25):
      self.ec.delete_cache_parameter_group(
          CacheParameterGroupName=f"{prefix}{i}")

  def test_every_describe_paginates(self):
    """Each Describe action that has Marker/MaxRecords in AWS: boto3's
    paginator (pages of 20) yields every record once, a first page without
    Marker gives the same records, and Marker "1" skips exactly one."""
    e = self.ENGINE
    family = self.ec.describe_cache_engine_versions(Engine=e)[
        "CacheEngineVersions"][0]["CacheParameterGroupFamily"]
    self.create(f"pa-{e}", 2)
    self.create(f"pb-{e}")
    for i, gid in enumerate((f"pa-{e}", f"pb-{e}")):
      self.ec.create_snapshot(ReplicationGroupId=gid,
                              SnapshotName=f"pb-{e}-s{i}")
    self.ec.create_cache_parameter_group(
        CacheParameterGroupName=f"pp-{e}", CacheParameterGroupFamily=family,
        Description="x")
    self.ec.create_user(UserId=f"pd-{e}", UserName="default",
                        Engine="redis", NoPasswordRequired=True,
                        AccessString="on ~* +@all")
    for i in range(2):
      self.ec.create_user_group(UserGroupId=f"pu-{e}-{i}", Engine="redis",
                                UserIds=[f"pd-{e}"])
    # The user faults no other test reaches.
    self.assertEqual(self.code(self.ec.create_user, UserId=f"pd-{e}",
                               UserName="x", Engine="redis",
                               NoPasswordRequired=True,
                               AccessString="on ~* +@all"),
                     "UserAlreadyExists")
    self.assertEqual(self.code(self.ec.create_user_group,
                               UserGroupId=f"pu-{e}-0", Engine="redis",
                               UserIds=[f"pd-{e}"]),
                     "UserGroupAlreadyExists")
    self.assertEqual(self.code(self.ec.create_user_group,
                               UserGroupId=f"pu-{e}-x", Engine="redis",
                               UserIds=[f"pd-{e}", "default"]),
                     "DuplicateUserName")
    self.assertEqual(self.code(self.ec.describe_user_groups,
                               UserGroupId=f"nope-{e}"), "UserGroupNotFound")
    cases = [
        ("describe_replication_groups", "ReplicationGroups",
         "ReplicationGroupId", {}),
        ("describe_cache_clusters", "CacheClusters", "CacheClusterId",
         {"ShowCacheNodeInfo": True}),
        ("describe_snapshots", "Snapshots", "SnapshotName", {}),
        ("describe_events", "Events", "Message", {"Duration": 60}),
        ("describe_cache_parameter_groups", "CacheParameterGroups",
         "CacheParameterGroupName", {}),
        ("describe_cache_parameters", "Parameters", "ParameterName",
         {"CacheParameterGroupName": f"pp-{e}"}),
        ("describe_engine_default_parameters", "EngineDefaults.Parameters",
         "ParameterName", {"CacheParameterGroupFamily": family}),
        ("describe_cache_engine_versions", "CacheEngineVersions", "Engine",
         {}),
        ("describe_users", "Users", "UserId", {}),
        ("describe_user_groups", "UserGroups", "UserGroupId", {}),
        ("describe_service_updates", "ServiceUpdates", "ServiceUpdateName",
         {}),
    ]

    def records(reply, key):
      for part in key.split("."):
        reply = reply[part]
      return reply

    for name, key, ident, kw in cases:
      with self.subTest(action=name):
        pages = list(self.ec.get_paginator(name).paginate(
            PaginationConfig={"PageSize": 20}, **kw))
        ids = [r[ident] for p in pages for r in records(p, key)]
        self.assertTrue(all(len(records(p, key)) <= 20 for p in pages))
        if name == "describe_events":
          continue    # events keep arriving; only the page size holds
        self.assertEqual(len(ids), len(set(ids)), ids)
        first = getattr(self.ec, name)(**kw)
        if len(ids) <= 20:
          self.assertEqual([r[ident] for r in records(first, key)], ids)
        if name == "describe_service_updates":
          self.assertEqual(ids, [])
          continue
        self.assertGreaterEqual(len(ids), 2)
        second = getattr(self.ec, name)(Marker="1", **kw)
        self.assertEqual([r[ident] for r in records(second, key)][:19],
                         ids[1:20])
    for i in range(2):
      self.ec.delete_snapshot(SnapshotName=f"pb-{e}-s{i}")
      self.ec.delete_user_group(UserGroupId=f"pu-{e}-{i}")
    self.ec.delete_user(UserId=f"pd-{e}")
    self.ec.delete_cache_parameter_group(CacheParameterGroupName=f"pp-{e}")
    for gid in (f"pa-{e}", f"pb-{e}"):
      self.ec.delete_replication_group(ReplicationGroupId=gid)

  def test_cloudwatch(self):
    gid = f"cw-{self.ENGINE}"
    g = self.create(gid)
    c = redis.Redis(port=g["NodeGroups"][0]["PrimaryEndpoint"]["Port"])
    for i in range(20):
      c.set(f"k{i}", i)
    start, end = (utcnow() - datetime.timedelta(minutes=5),
                  utcnow() + datetime.timedelta(minutes=1))
    deadline = time.time() + 20
    while True:
      r = self.cw.get_metric_statistics(
          Namespace="AWS/ElastiCache", MetricName="CurrItems",
          Dimensions=[{"Name": "ReplicationGroupId", "Value": gid}],
          StartTime=start, EndTime=end, Period=60,
          Statistics=["Maximum", "SampleCount"])
      if any(p["Maximum"] == 20 for p in r["Datapoints"]):
        break
      self.assertLess(time.time(), deadline, r)
      time.sleep(0.5)
    self.assertEqual(r["Datapoints"][0]["Unit"], "Count")
    data = self.cw.get_metric_data(MetricDataQueries=[
        {"Id": "items", "MetricStat": {"Metric": {
            "Namespace": "AWS/ElastiCache", "MetricName": "CurrItems",
            "Dimensions": [{"Name": "CacheClusterId", "Value": f"{gid}-001"},
                           {"Name": "CacheNodeId", "Value": "0001"}]},
            "Period": 60, "Stat": "Maximum"}},
        {"Id": "other", "MetricStat": {"Metric": {
            "Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
            "Period": 60, "Stat": "Average"}}],
        StartTime=start, EndTime=end)["MetricDataResults"]
    self.assertEqual([d["Id"] for d in data], ["items", "other"])
    self.assertIn(20.0, data[0]["Values"])
    self.assertEqual(len(data[0]["Values"]), len(data[0]["Timestamps"]))
    self.assertEqual(data[1]["Values"], [])
    # NextToken pagination: MaxDatapoints=1 bounds each whole reply, so
    # boto3's paginator needs one page per datapoint of the two queries.
    dims = [{"Name": "CacheClusterId", "Value": f"{gid}-001"}]
    pages = list(self.cw.get_paginator("get_metric_data").paginate(
        MetricDataQueries=[
            {"Id": name.lower(), "MetricStat": {"Metric": {
                "Namespace": "AWS/ElastiCache", "MetricName": name,
                "Dimensions": dims}, "Period": 60, "Stat": "Maximum"}}
            for name in ("CurrItems", "IsMaster")],
        StartTime=start, EndTime=end, MaxDatapoints=1))
    values = {"curritems": [], "ismaster": []}
    for i, page in enumerate(pages):
      got = [(r["Id"], v) for r in page["MetricDataResults"]
             for v in r["Values"]]
      self.assertEqual(len(got), 1, page)
      self.assertEqual("NextToken" in page, i < len(pages) - 1)
      if "NextToken" in page:
        self.assertIn("PartialData", [r["StatusCode"]
                                      for r in page["MetricDataResults"]])
      values[got[0][0]].append(got[0][1])
    self.assertIn(20.0, values["curritems"])
    self.assertIn(1.0, values["ismaster"])
    for token in ("x", "999999"):
      self.assertEqual(self.code(
          self.cw.get_metric_data, NextToken=token, StartTime=start,
          EndTime=end, MetricDataQueries=[{"Id": "a", "MetricStat": {
              "Metric": {"Namespace": "AWS/ElastiCache",
                         "MetricName": "CurrItems", "Dimensions": dims},
              "Period": 60, "Stat": "Maximum"}}]), "InvalidNextToken")
    self.assertEqual(self.code(self.cw.get_metric_statistics,
                               Namespace="AWS/ElastiCache",
                               MetricName="Bogus", StartTime=start,
                               EndTime=end, Period=60,
                               Statistics=["Sum"], Dimensions=[
                                   {"Name": "ReplicationGroupId",
                                    "Value": gid}]),
                     "InvalidParameterValue")
    self.ec.delete_replication_group(ReplicationGroupId=gid)

  def test_cloudwatch_json_protocol(self):
    """Current SDKs send CloudWatch as awsJson1_0 (X-Amz-Target, JSON body;
    botocore since 2025). Debian's botocore uses the Query protocol, so its
    CloudWatch model is switched to that protocol here, as AWS now ships it,
    and the same calls are made: results, pagination and error codes."""
    import json as _json
    import shutil
    import tempfile
    import boto3
    import botocore
    from botocore.config import Config
    tmp = tempfile.mkdtemp(prefix="vireo-cwjson-")
    self.addCleanup(shutil.rmtree, tmp, True)
    src = os.path.join(os.path.dirname(botocore.__file__), "data",
                       "cloudwatch", "2010-08-01")
    dst = os.path.join(tmp, "cloudwatch", "2010-08-01")
    shutil.copytree(src, dst)
    with open(os.path.join(dst, "service-2.json")) as f:
      model = _json.load(f)
    model["metadata"].update(protocol="json", jsonVersion="1.0",
                             targetPrefix="GraniteServiceVersion20100801",
                             awsQueryCompatible={})
    model["metadata"].pop("protocols", None)
    with open(os.path.join(dst, "service-2.json"), "w") as f:
      _json.dump(model, f)
    session = boto3.session.Session(
        aws_access_key_id=self.mgr.key()[0],
        aws_secret_access_key=self.mgr.key()[1], region_name="us-east-1")
    session._session.get_component("data_loader").search_paths.insert(0, tmp)
    sent = []
    cw = session.client("cloudwatch", endpoint_url=self.mgr.url,
                        config=Config(retries={"max_attempts": 1}))
    cw.meta.events.register("before-send.cloudwatch.*",
                            lambda request, **_: sent.append(request))
    gid = f"cj-{self.ENGINE}"
    g = self.create(gid)
    redis.Redis(port=g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]).set(
        "k", "v")
    start, end = (utcnow() - datetime.timedelta(minutes=5),
                  utcnow() + datetime.timedelta(minutes=1))
    dims = [{"Name": "ReplicationGroupId", "Value": gid}]
    deadline = time.time() + 20
    while True:
      r = cw.get_metric_statistics(
          Namespace="AWS/ElastiCache", MetricName="CurrItems",
          Dimensions=dims, StartTime=start, EndTime=end, Period=60,
          Statistics=["Maximum"])
      if any(p["Maximum"] == 1 for p in r["Datapoints"]):
        break
      self.assertLess(time.time(), deadline, r)
      time.sleep(0.5)
    self.assertEqual(r["Label"], "CurrItems")
    self.assertIsInstance(r["Datapoints"][0]["Timestamp"], datetime.datetime)
    self.assertEqual(sent[-1].headers["X-Amz-Target"],
                     b"GraniteServiceVersion20100801.GetMetricStatistics")
    self.assertIn(b"json", sent[-1].headers["Content-Type"])
    pages = list(cw.get_paginator("get_metric_data").paginate(
        MetricDataQueries=[
            {"Id": name.lower(), "MetricStat": {"Metric": {
                "Namespace": "AWS/ElastiCache", "MetricName": name,
                "Dimensions": dims}, "Period": 60, "Stat": "Maximum"}}
            for name in ("CurrItems", "IsMaster")],
        StartTime=start, EndTime=end, MaxDatapoints=1))
    self.assertGreaterEqual(len(pages), 2)
    ids = {r["Id"] for p in pages for r in p["MetricDataResults"]
           if r["Values"]}
    self.assertEqual(ids, {"curritems", "ismaster"})
    for kw, code in (({"MetricName": "Bogus"}, "InvalidParameterValue"),
                     ({"MetricName": "CurrItems", "Period": 7},
                      "InvalidParameterValue")):
      args = dict(Namespace="AWS/ElastiCache", Dimensions=dims,
                  StartTime=start, EndTime=end, Period=60,
                  Statistics=["Maximum"])
      args.update(kw)
      self.assertEqual(self.code(cw.get_metric_statistics, **args), code)
    self.ec.delete_replication_group(ReplicationGroupId=gid)

  def test_users_and_user_groups(self):
    ec = self.ec
    e = self.ENGINE
    ec.create_user(UserId=f"app-{e}", UserName="app", Engine="redis",
                   Passwords=["app-password-0123456"],
                   AccessString="on ~app:* +@all")
    ec.create_user(UserId=f"def-{e}", UserName="default", Engine="redis",
                   Passwords=["default-password-0123"],
                   AccessString="on ~* +@all")
    self.assertEqual(self.code(ec.create_user_group, UserGroupId=f"bad-{e}",
                               Engine="redis", UserIds=[f"app-{e}"]),
                     "DefaultUserRequired")
    ug = ec.create_user_group(UserGroupId=f"ug-{e}", Engine="redis",
                              UserIds=[f"def-{e}", f"app-{e}"])
    self.assertEqual(ug["Status"], "active")
    users = {u["UserId"]: u for u in ec.describe_users()["Users"]}
    self.assertEqual(users["default"]["Authentication"]["Type"],
                     "no-password")
    self.assertEqual(users[f"app-{e}"]["UserGroupIds"], [f"ug-{e}"])
    self.assertEqual(users[f"app-{e}"]["Authentication"]["PasswordCount"], 1)
    gid = f"rbac-{e}"
    clusters = 2 if e == "redis" else 1
    g = self.create(gid, clusters, UserGroupIds=[f"ug-{e}"])
    self.assertEqual(g["UserGroupIds"], [f"ug-{e}"])
    members = g["NodeGroups"][0]["NodeGroupMembers"]
    primary = redis.Redis(port=g["NodeGroups"][0]["PrimaryEndpoint"]["Port"])
    with self.assertRaises(redis.exceptions.AuthenticationError):
      primary.get("x")
    app = redis.Redis(port=g["NodeGroups"][0]["PrimaryEndpoint"]["Port"],
                      username="app", password="app-password-0123456")
    self.assertTrue(app.set("app:1", "v"))
    with self.assertRaises(redis.exceptions.NoPermissionError):
      app.set("other", "v")
    # The member to restart below: a replica (which must also have synced,
    # authenticating as the manager's user) or the only node.
    node = [m for m in members if m["CurrentRole"] == "replica"] or members
    node_port = node[0]["ReadEndpoint"]["Port"]
    admin = redis.Redis(port=node_port, username="default",
                        password="default-password-0123")
    deadline = time.time() + 10
    while admin.get("app:1") != b"v":
      self.assertLess(time.time(), deadline)
      time.sleep(0.1)
    ec.modify_user(UserId=f"app-{e}", AccessString="on ~app:* -@all +get")
    with self.assertRaises(redis.exceptions.NoPermissionError):
      app.set("app:2", "v")
    self.assertEqual(app.get("app:1"), b"v")
    self.assertEqual(self.code(ec.delete_user_group, UserGroupId=f"ug-{e}"),
                     "InvalidUserGroupState")
    ec.modify_user_group(UserGroupId=f"ug-{e}", UserIdsToRemove=[f"app-{e}"])
    with self.assertRaisesRegex(redis.exceptions.ResponseError, "WRONGPASS"):
      redis.Redis(port=node_port, username="app",
                  password="app-password-0123456").ping()
    # A restarted node gets its users from its config.
    ec.reboot_cache_cluster(CacheClusterId=node[0]["CacheClusterId"],
                            CacheNodeIdsToReboot=["0001"])
    ec.get_waiter("cache_cluster_available").wait(
        CacheClusterId=node[0]["CacheClusterId"], WaiterConfig={"Delay": 1})
    deadline = time.time() + 10
    while True:
      try:
        if admin.get("app:1") == b"v":
          break
      except redis.exceptions.ConnectionError:
        pass
      self.assertLess(time.time(), deadline)
      time.sleep(0.1)
    with self.assertRaises(redis.exceptions.AuthenticationError):
      redis.Redis(port=node_port).get("app:1")
    with self.assertRaisesRegex(redis.exceptions.ResponseError, "WRONGPASS"):
      redis.Redis(port=node_port, username="app",
                  password="app-password-0123456").ping()
    self.assertEqual(self.code(ec.modify_replication_group,
                               ReplicationGroupId=gid,
                               AuthToken="a-token-of-16-chars-or-more",
                               ApplyImmediately=True),
                     "InvalidParameterCombination")
    g = ec.modify_replication_group(ReplicationGroupId=gid,
                                    RemoveUserGroups=True,
                                    ApplyImmediately=True)["ReplicationGroup"]
    self.assertEqual(g["UserGroupIds"], [])
    deadline = time.time() + 10
    while True:     # open again (the primary may be the rebooted node)
      try:
        if primary.get("app:1") == b"v":
          break
      except redis.exceptions.ConnectionError:
        pass
      self.assertLess(time.time(), deadline)
      time.sleep(0.1)
    ec.delete_replication_group(ReplicationGroupId=gid)
    self.assertEqual(self.code(ec.delete_user, UserId=f"def-{e}"),
                     "InvalidUserState")
    ec.delete_user_group(UserGroupId=f"ug-{e}")
    for uid in (f"app-{e}", f"def-{e}"):
      ec.delete_user(UserId=uid)
    self.assertEqual(self.code(ec.describe_users, UserId=f"app-{e}"),
                     "UserNotFound")
    self.assertEqual(self.code(ec.create_user, UserId="x", UserName="x",
                               Engine="redis", NoPasswordRequired=True,
                               AccessString="on >secret ~* +@all"),
                     "InvalidParameterValue")

  def test_error_codes(self):
    ec = self.ec
    cases = [
        ("ReplicationGroupNotFoundFault", 404,
         ec.describe_replication_groups, {"ReplicationGroupId": "nope"}),
        ("CacheClusterNotFound", 404, ec.describe_cache_clusters,
         {"CacheClusterId": "nope-001"}),
        ("SnapshotNotFoundFault", 404, ec.describe_snapshots,
         {"SnapshotName": "nope"}),
        ("CacheParameterGroupNotFound", 404,
         ec.describe_cache_parameters, {"CacheParameterGroupName": "nope"}),
        ("InvalidParameterValue", 400, ec.create_replication_group,
         {"ReplicationGroupId": "1bad", "ReplicationGroupDescription": "d"}),
        ("InvalidParameterCombination", 400, ec.create_replication_group,
         {"ReplicationGroupId": "x", "ReplicationGroupDescription": "d",
          "NumCacheClusters": 2, "ReplicasPerNodeGroup": 3}),
        ("InvalidParameterValue", 400, ec.describe_events,
         {"MaxRecords": 5}),
        ("InvalidParameterValue", 400, ec.describe_replication_groups,
         {"Marker": "not-a-marker"}),
        ("InvalidParameterValue", 400, ec.describe_snapshots,
         {"Marker": "x"}),
        ("InvalidParameterValue", 400, ec.describe_events,
         {"Marker": "-1"}),
        ("InvalidARN", 400, ec.add_tags_to_resource,
         {"ResourceName": "x", "Tags": [{"Key": "k", "Value": "v"}]}),
        ("NodeGroupNotFoundFault", 404, ec.test_failover,
         {"ReplicationGroupId": "nope", "NodeGroupId": "0009"}),
    ]
    for code, status, fn, kw in cases:
      with self.subTest(code=code, fn=fn.__name__):
        with self.assertRaises(ClientError) as ctx:
          fn(**kw)
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status)
        self.assertTrue(err["Error"]["Message"])
        self.assertTrue(err["ResponseMetadata"]["RequestId"])
    self.create(f"dup-{self.ENGINE}")
    self.assertEqual(self.code(ec.create_replication_group,
                               ReplicationGroupId=f"dup-{self.ENGINE}",
                               ReplicationGroupDescription="d",
                               Engine=self.ENGINE),
                     "ReplicationGroupAlreadyExists")
    ec.delete_replication_group(ReplicationGroupId=f"dup-{self.ENGINE}")


class HttpSafety(unittest.TestCase):
  """The listener's rules; engine-independent (no group is created)."""

  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess()
    cls.mgr.extra_args = ["--request-timeout-s", "1",
                          "--idle-timeout-s", "2"]
    cls.mgr.start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def form(self, text, sign=True, method="POST", headers=None,
           service="elasticache"):
    status, data, _ = self.mgr.client.request(
        text.encode(), "application/x-www-form-urlencoded", service,
        method=method, sign=sign, extra_headers=headers)
    return status, data.decode()

  def test_credentials_file_is_private(self):
    mode = stat.S_IMODE(os.stat(self.mgr.credentials_file).st_mode)
    self.assertEqual(mode, 0o600)

  def test_query_protocol_xml(self):
    status, text = self.form("Action=DescribeReplicationGroups&"
                             "Version=2015-02-02")
    self.assertEqual(status, 200)
    self.assertIn('<DescribeReplicationGroupsResponse xmlns="http://'
                  'elasticache.amazonaws.com/doc/2015-02-02/">', text)
    self.assertIn("<DescribeReplicationGroupsResult><ReplicationGroups/>"
                  .replace("/>", "></ReplicationGroups>"), text)
    self.assertRegex(text, r"<ResponseMetadata><RequestId>[0-9a-f-]{36}"
                     r"</RequestId></ResponseMetadata>")
    status, text = self.form("Action=DescribeReplicationGroups&Version="
                             "2015-02-02&ReplicationGroupId=nope")
    self.assertEqual(status, 404)
    self.assertIn("<ErrorResponse", text)
    self.assertIn("<Code>ReplicationGroupNotFoundFault</Code>", text)
    self.assertIn("<Type>Sender</Type>", text)
    status, text = self.form("Action=NoSuchThing&Version=2015-02-02")
    self.assertEqual((status, "<Code>InvalidAction</Code>" in text),
                     (400, True))
    status, text = self.form("Action=DescribeEvents")
    self.assertIn("<Code>MissingParameter</Code>", text)
    # A CloudWatch action signed for elasticache is not this service's.
    status, text = self.form("Action=GetMetricData&Version=2010-08-01")
    self.assertIn("<Code>InvalidAction</Code>", text)

  def test_unsigned_and_badly_signed(self):
    status, text = self.form("Action=DescribeEvents&Version=2015-02-02",
                             sign=False)
    self.assertEqual(status, 403)
    self.assertIn("<Code>MissingAuthenticationToken</Code>", text)
    status, body = self.mgr.raw({"Action": "DescribeEvents"}, sign=False)
    self.assertEqual((status, body["Error"]["Code"]),
                     (403, "MissingAuthenticationToken"))
    old = {"X-Amz-Date": "20150830T123600Z"}
    status, data, _ = self.mgr.client.request(
        b"Action=DescribeEvents&Version=2015-02-02",
        "application/x-www-form-urlencoded", "elasticache", sign=False,
        extra_headers=dict(old, Authorization=(
            "AWS4-HMAC-SHA256 Credential=" + self.mgr.key()[0] +
            "/20150830/us-east-1/elasticache/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)))
    self.assertEqual(status, 400)
    self.assertIn(b"<Code>RequestExpired</Code>", data)

  def test_replayed_request_is_refused(self):
    import http.client
    from vireo_manager import sigv4
    body = (b"Action=CreateCacheParameterGroup&Version=2015-02-02&"
            b"CacheParameterGroupName=once&CacheParameterGroupFamily=redis7"
            b"&Description=d")
    headers = {"Host": f"127.0.0.1:{self.mgr.api_port}",
               "Content-Type": "application/x-www-form-urlencoded"}
    access, secret = self.mgr.key()
    headers.update(sigv4.sign(
        "POST", "/", "", headers, body, access, secret, "us-east-1",
        "elasticache", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))

    def send():
      conn = http.client.HTTPConnection("127.0.0.1", self.mgr.api_port,
                                        timeout=10)
      conn.request("POST", "/", body, headers)
      text = conn.getresponse().read().decode()
      conn.close()
      return text
    self.assertIn("<CreateCacheParameterGroupResult>", send())
    # The same bytes at once (what two identical calls in one second
    # look like) run again...
    self.assertIn("<Code>CacheParameterGroupAlreadyExists</Code>", send())
    # ...but a copy arriving seconds later is a replay.
    time.sleep(2.2)
    reply = send()
    self.assertIn("<Code>SignatureDoesNotMatch</Code>", reply)
    self.assertIn("already used", reply)
    self.assertEqual(self.form("Action=DeleteCacheParameterGroup&Version="
                               "2015-02-02&CacheParameterGroupName=once")[0],
                     200)

  def test_mutations_only_on_post(self):
    status, data, _ = self.mgr.client.request(
        b"", "", "elasticache", method="GET",
        query="Action=DeleteReplicationGroup&Version=2015-02-02&"
        "ReplicationGroupId=x")
    self.assertEqual(status, 405)
    self.assertIn(b"<Code>MethodNotAllowed</Code>", data)
    status, data, _ = self.mgr.client.request(
        b"", "", "elasticache", method="GET",
        query="Action=DescribeReplicationGroups&Version=2015-02-02")
    self.assertEqual(status, 200)

  def test_browser_requests_refused(self):
    status, text = self.form("Action=DescribeEvents&Version=2015-02-02",
                             headers={"Origin": "http://evil.example"})
    self.assertEqual(status, 403)
    self.assertIn("<Code>AccessDenied</Code>", text)
    # What a web page can send without preflight: an unsigned form POST.
    req = urllib.request.Request(
        self.mgr.url, method="POST",
        data=b"Action=DeleteReplicationGroup&ReplicationGroupId=x",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Sec-Fetch-Site": "cross-site"})
    with self.assertRaises(urllib.error.HTTPError) as ctx:
      urllib.request.urlopen(req, timeout=10)
    self.assertEqual(ctx.exception.code, 403)
    req = urllib.request.Request(self.mgr.url, method="OPTIONS", headers={
        "Origin": "http://evil.example",
        "Access-Control-Request-Method": "POST"})
    with self.assertRaises(urllib.error.HTTPError) as ctx:
      urllib.request.urlopen(req, timeout=10)
    self.assertEqual(ctx.exception.code, 403)
    self.assertIsNone(ctx.exception.headers.get(
        "Access-Control-Allow-Origin"))

  def test_many_concurrent_callers(self):
    results = []

    def one():
      try:
        results.append(self.mgr.raw({"Action": "DescribeEvents"})[0])
      except Exception as e:  # a reset connection is a failure
        results.append(repr(e))
    threads = [threading.Thread(target=one) for _ in range(80)]
    for t in threads:
      t.start()
    for t in threads:
      t.join(60)
    self.assertEqual(results, [200] * 80)

  def test_slow_clients_are_cut_off(self):
    # One byte at a time, each well within a per-read timeout: the whole
    # request still has to arrive within --request-timeout-s (1 s here).
    s = socket.create_connection(("127.0.0.1", self.mgr.api_port),
                                 timeout=10)
    start = time.monotonic()
    closed = False
    try:
      for ch in b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
        s.sendall(bytes([ch]))
        time.sleep(0.05)
    except OSError:
      closed = True
    if not closed:
      closed = s.recv(1024) == b""
    s.close()
    self.assertTrue(closed)
    self.assertLess(time.monotonic() - start, 5.5)
    # An idle connection is closed after --idle-timeout-s (2 s here).
    s = socket.create_connection(("127.0.0.1", self.mgr.api_port),
                                 timeout=10)
    start = time.monotonic()
    self.assertEqual(s.recv(1024), b"")
    self.assertLess(time.monotonic() - start, 6)
    s.close()
    # Meanwhile the API kept answering.
    self.assertEqual(self.mgr.raw({"Action": "DescribeEvents"})[0], 200)

  def test_metrics_needs_authentication(self):
    url = self.mgr.url + "metrics"
    with self.assertRaises(urllib.error.HTTPError) as ctx:
      urllib.request.urlopen(url, timeout=10)
    self.assertEqual(ctx.exception.code, 403)
    access, secret = self.mgr.key()
    req = urllib.request.Request(url, headers={
        "Authorization": f"Bearer {access}:{secret}"})
    with urllib.request.urlopen(req, timeout=10) as r:
      self.assertEqual(r.status, 200)
    req = urllib.request.Request(url, headers={
        "Authorization": f"Bearer {access}:wrong"})
    with self.assertRaises(urllib.error.HTTPError):
      urllib.request.urlopen(req, timeout=10)
    self.mgr.metrics_text()     # signed GET

  def test_second_key_from_credentials_file(self):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
      path = os.path.join(d, "keys")
      with open(path, "w") as f:
        f.write("[ops]\naws_access_key_id = AKIAOPS0000000000001\n"
                "aws_secret_access_key = ops-secret\n"
                "[ci]\naws_access_key_id = AKIACI00000000000002\n"
                "aws_secret_access_key = ci-secret\n")
      os.chmod(path, 0o600)
      m = ManagerProcess(data_dir=d)
      m.extra_args = ["--credentials", path, "--region", "eu-north-1"]
      m.region = "eu-north-1"
      # The harness signs with the key this returns (not a data-dir file).
      m.key = lambda: ("AKIACI00000000000002", "ci-secret")
      try:
        m.start()
        self.assertFalse(os.path.exists(os.path.join(m.data_dir,
                                                     "credentials")))
        ec = m.boto3()
        self.assertEqual(ec.describe_replication_groups()[
            "ReplicationGroups"], [])
        m._client = None
        m.key = lambda: ("AKIAOPS0000000000001", "ops-secret")
        self.assertEqual(m.boto3().describe_service_updates()[
            "ServiceUpdates"], [])
        m.region = "us-east-1"
        self.assertEqual(self.code_of(m.boto3().describe_service_updates),
                         "SignatureDoesNotMatch")
      finally:
        m.stop()

  def test_tls(self):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
      cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
      made = subprocess.run(
          ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
           "-keyout", key, "-out", cert, "-days", "1", "-subj",
           "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
          capture_output=True)
      self.assertEqual(made.returncode, 0, made.stderr)
      m = ManagerProcess(data_dir=d)
      m.extra_args = ["--tls-cert", cert, "--tls-key", key]
      m.scheme = "https"
      m.cafile = cert
      try:
        m.start()
        import boto3
        access, secret = m.key()
        ec = boto3.session.Session(
            aws_access_key_id=access, aws_secret_access_key=secret,
            region_name="us-east-1").client("elasticache",
                                            endpoint_url=m.url, verify=cert)
        self.assertEqual(ec.describe_service_updates()["ServiceUpdates"],
                         [])
        # Plain HTTP on the TLS port gets nothing useful.
        with self.assertRaises(Exception):
          urllib.request.urlopen(m.url.replace("https:", "http:"),
                                 timeout=5)
      finally:
        m.stop()

  def code_of(self, fn, **kw):
    with self.assertRaises(ClientError) as ctx:
      fn(**kw)
    return ctx.exception.response["Error"]["Code"]


if __name__ == "__main__":
  unittest.main()
