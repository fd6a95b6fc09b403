"""Every kind of action through Debian's aws-cli (the awscli package that
/usr/bin/aws runs), signed with the manager's key: create, wait, describe,
modify, failover, snapshot, restore, tags, users, metrics, delete, and an
error's exit code. One child process runs aws-cli's own entry point for
every command (a separate /usr/bin/aws start costs seconds each, and
aws-cli cannot share a process with the botocore that boto3 uses);
test_readme_aws.py runs the /usr/bin/aws binary itself. Runs once per
engine (harness.for_engines): both have replicas and ACL.
"""

import datetime
import json
import os
import subprocess
import time
import unittest

import redis

from harness import PY, ManagerProcess, for_engines

# Reads one JSON list of arguments per line, runs aws-cli on it, answers
# [exit code, stdout, stderr] as one JSON line.
DRIVER = r"""
import contextlib, io, json, sys
from awscli.clidriver import AWSCLIEntryPoint
for line in sys.stdin:
  out, err = io.StringIO(), io.StringIO()
  with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
      rc = AWSCLIEntryPoint().main(json.loads(line))
    except SystemExit as e:
      rc = e.code
  sys.__stdout__.write(json.dumps([rc, out.getvalue(), err.getvalue()]))
  sys.__stdout__.write("\n")
  sys.__stdout__.flush()
"""


@unittest.skipUnless(os.access("/usr/bin/aws", os.X_OK),
                     "Debian's awscli is needed (scripts/setup.sh installs it)")
@for_engines
class AwsCliActions:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess(down_after_ms=800).start()
    try:
      cls.cli = subprocess.Popen([PY, "-c", DRIVER], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True,
                                 env=cls.mgr.aws_env())
    except BaseException:
      cls.mgr.stop()     # tearDownClass does not run after this
      raise

  @classmethod
  def tearDownClass(cls):
    cls.cli.stdin.close()
    cls.cli.wait(30)
    cls.cli.stdout.close()
    cls.mgr.stop()

  def aws(self, *args, rc=0):
    self.cli.stdin.write(json.dumps(
        [*args, "--endpoint-url", self.mgr.url, "--output", "json"]) + "\n")
    self.cli.stdin.flush()
    code, out, err = json.loads(self.cli.stdout.readline())
    self.assertEqual(code, rc, err)
    if rc:
      return err
    text = out.strip()
    return json.loads(text) if text else {}

  def test_every_kind_of_action(self):
    ec = "elasticache"
    g = self.aws(ec, "create-replication-group", "--replication-group-id",
                 "cli", "--replication-group-description", "d", "--engine",
                 self.ENGINE, "--num-cache-clusters", "2", "--tags",
                 "Key=a,Value=1")["ReplicationGroup"]
    self.aws(ec, "wait", "replication-group-available",
             "--replication-group-id", "cli")
    g = self.aws(ec, "describe-replication-groups",
                 "--replication-group-id", "cli")["ReplicationGroups"][0]
    self.assertEqual(g["AutomaticFailover"], "enabled")
    self.assertEqual(self.aws(ec, "list-tags-for-resource", "--resource-name",
                              g["ARN"])["TagList"],
                     [{"Key": "a", "Value": "1"}])
    nodes = self.aws(ec, "describe-cache-clusters", "--cache-cluster-id",
                     "cli-002", "--show-cache-node-info")["CacheClusters"]
    self.assertEqual(nodes[0]["Engine"], self.ENGINE)
    self.assertEqual(nodes[0]["CacheNodes"][0]["CacheNodeStatus"],
                     "available")
    self.assertTrue(nodes[0]["CacheNodes"][0]["Endpoint"]["Port"])
    self.aws(ec, "reboot-cache-cluster", "--cache-cluster-id", "cli-002",
             "--cache-node-ids-to-reboot", "0001")
    self.aws(ec, "wait", "cache-cluster-available", "--cache-cluster-id",
             "cli-002")
    self.assertEqual(self.aws(ec, "describe-cache-clusters",
                              "--cache-cluster-id", "cli-002")[
        "CacheClusters"][0]["CacheClusterStatus"], "available")
    port = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    redis.Redis(port=port).set("cli-key", "1")
    g = self.aws(ec, "modify-replication-group", "--replication-group-id",
                 "cli", "--replication-group-description", "changed",
                 "--apply-immediately")["ReplicationGroup"]
    self.assertEqual(g["Description"], "changed")
    old = [m["CacheClusterId"] for m in g["NodeGroups"][0][
        "NodeGroupMembers"] if m["CurrentRole"] == "primary"][0]
    g = self.aws(ec, "test-failover", "--replication-group-id", "cli",
                 "--node-group-id", "0001")["ReplicationGroup"]
    new = [m["CacheClusterId"] for m in g["NodeGroups"][0][
        "NodeGroupMembers"] if m["CurrentRole"] == "primary"][0]
    self.assertNotEqual(old, new)
    self.aws(ec, "create-snapshot", "--replication-group-id", "cli",
             "--snapshot-name", "cli-snap")
    deadline = time.time() + 30
    while self.aws(ec, "describe-snapshots", "--snapshot-name",
                   "cli-snap")["Snapshots"][0]["SnapshotStatus"] != \
        "available":
      self.assertLess(time.time(), deadline)
      time.sleep(0.3)
    r = self.aws(ec, "create-replication-group", "--replication-group-id",
                 "cli-restored", "--replication-group-description", "r",
                 "--engine", self.ENGINE, "--snapshot-name", "cli-snap")
    self.aws(ec, "wait", "replication-group-available",
             "--replication-group-id", "cli-restored")
    rport = r["ReplicationGroup"]["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    self.assertEqual(redis.Redis(port=rport).get("cli-key"), b"1")
    arn = g["ARN"]
    self.aws(ec, "add-tags-to-resource", "--resource-name", arn, "--tags",
             "Key=b,Value=2")
    self.aws(ec, "remove-tags-from-resource", "--resource-name", arn,
             "--tag-keys", "a")
    self.assertEqual(self.aws(ec, "list-tags-for-resource",
                              "--resource-name", arn)["TagList"],
                     [{"Key": "b", "Value": "2"}])
    self.aws(ec, "create-user", "--user-id", "cli-default", "--user-name",
             "default", "--engine", "redis", "--passwords",
             "cli-password-0123456", "--access-string", "on ~* +@all")
    self.aws(ec, "create-user-group", "--user-group-id", "cli-ug",
             "--engine", "redis", "--user-ids", "cli-default")
    g = self.aws(ec, "modify-replication-group", "--replication-group-id",
                 "cli", "--user-group-ids-to-add", "cli-ug",
                 "--apply-immediately")["ReplicationGroup"]
    self.assertEqual(g["UserGroupIds"], ["cli-ug"])
    with self.assertRaises(redis.exceptions.AuthenticationError):
      redis.Redis(port=port).get("cli-key")
    self.assertEqual(redis.Redis(port=port, password="cli-password-0123456")
                     .get("cli-key"), b"1")
    users = self.aws(ec, "describe-users", "--user-id", "cli-default")
    self.assertEqual(users["Users"][0]["UserGroupIds"], ["cli-ug"])
    now = datetime.datetime.now(datetime.timezone.utc)
    queries = json.dumps([{"Id": "items", "MetricStat": {"Metric": {
        "Namespace": "AWS/ElastiCache", "MetricName": "IsMaster",
        "Dimensions": [{"Name": "ReplicationGroupId", "Value": "cli"}]},
        "Period": 60, "Stat": "Maximum"}}])
    deadline = time.time() + 20
    while True:
      data = self.aws("cloudwatch", "get-metric-data",
                      "--metric-data-queries", queries, "--start-time",
                      (now - datetime.timedelta(minutes=5)).isoformat(),
                      "--end-time",
                      (now + datetime.timedelta(minutes=2)).isoformat())
      if 1.0 in data["MetricDataResults"][0]["Values"]:
        break
      self.assertLess(time.time(), deadline, data)
      time.sleep(0.5)
    stats = self.aws(
        "cloudwatch", "get-metric-statistics", "--namespace",
        "AWS/ElastiCache", "--metric-name", "IsMaster", "--statistics",
        "Maximum", "--dimensions", "Name=ReplicationGroupId,Value=cli",
        "--period", "60", "--start-time",
        (now - datetime.timedelta(minutes=5)).isoformat(), "--end-time",
        (now + datetime.timedelta(minutes=2)).isoformat())
    self.assertEqual(stats["Label"], "IsMaster")
    self.assertIn(1.0, [p["Maximum"] for p in stats["Datapoints"]])
    err = self.aws(ec, "delete-user-group", "--user-group-id", "cli-ug",
                   rc=254)
    self.assertIn("InvalidUserGroupState", err)
    for gid in ("cli", "cli-restored"):
      self.aws(ec, "delete-replication-group", "--replication-group-id", gid)
      self.aws(ec, "wait", "replication-group-deleted",
               "--replication-group-id", gid)
    self.aws(ec, "delete-user-group", "--user-group-id", "cli-ug")
    self.aws(ec, "delete-user", "--user-id", "cli-default")
    self.aws(ec, "delete-snapshot", "--snapshot-name", "cli-snap")
    err = self.aws(ec, "describe-snapshots", "--snapshot-name", "cli-snap",
                   rc=254)
    self.assertIn("SnapshotNotFoundFault", err)


if __name__ == "__main__":
  unittest.main()
