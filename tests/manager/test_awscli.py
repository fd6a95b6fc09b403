"""Every kind of action through Debian's aws-cli (the awscli package that
/usr/bin/aws runs), signed with the manager's key: create, wait, describe,
modify, failover, snapshot, restore, tags, users, metrics, delete, and an
error's exit code. The CLI's own driver runs in this process (a separate
/usr/bin/aws start costs seconds each; test_readme_aws.py runs the real
binary). Engine redis: failover and users need replicas and ACL, which
vireo-server does not have yet (boto3 covers engine vireo in
test_aws_api.py).
"""

import contextlib
import datetime
import io
import json
import os
import time
import unittest

import redis

from harness import ManagerProcess

try:
  from awscli.clidriver import AWSCLIEntryPoint
except ImportError:      # pragma: no cover - scripts/setup.sh installs it
  AWSCLIEntryPoint = None


@unittest.skipIf(AWSCLIEntryPoint is None, "Debian's awscli is needed")
class AwsCliActions(unittest.TestCase):
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess(down_after_ms=800).start()
    cls.saved_env = dict(os.environ)
    for k in list(os.environ):
      # AWS_DATA_PATH is set by awscli itself when imported.
      if k.startswith("AWS_") and k != "AWS_DATA_PATH":
        del os.environ[k]
    os.environ.update(AWS_SHARED_CREDENTIALS_FILE=cls.mgr.credentials_file,
                      AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="",
                      AWS_CONFIG_FILE="/dev/null")

  @classmethod
  def tearDownClass(cls):
    os.environ.clear()
    os.environ.update(cls.saved_env)
    cls.mgr.stop()

  def aws(self, *args, rc=0):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
      code = AWSCLIEntryPoint().main(
          [*args, "--endpoint-url", self.mgr.url, "--output", "json"])
    self.assertEqual(code, rc, err.getvalue())
    if rc:
      return err.getvalue()
    text = out.getvalue().strip()
    return json.loads(text) if text else {}

  def test_every_kind_of_action(self):
    ec = "elasticache"
    g = self.aws(ec, "create-replication-group", "--replication-group-id",
                 "cli", "--replication-group-description", "d", "--engine",
                 "redis", "--num-cache-clusters", "2", "--tags",
                 "Key=a,Value=1")["ReplicationGroup"]
    self.aws(ec, "wait", "replication-group-available",
             "--replication-group-id", "cli")
    g = self.aws(ec, "describe-replication-groups",
                 "--replication-group-id", "cli")["ReplicationGroups"][0]
    self.assertEqual(g["AutomaticFailover"], "enabled")
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
                 "--engine", "redis", "--snapshot-name", "cli-snap")
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
