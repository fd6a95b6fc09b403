"""Error-path tests through boto3 for the fault codes that need a held or
exhausted state: a group mid-snapshot, a final snapshot that fails, a
failover with no replica able to take over, the node port range used up,
the request concurrency limit, and CloudWatch's JSON protocol refusing an
unknown X-Amz-Target.

Racy states are held deterministically with the manager's hold points
(faults.py, VIREO_MANAGER_HOLD): the operation waits at a named step until
the test releases it, so nothing here depends on timing. Each check reads
ClientError.response["Error"]["Code"], as an SDK user would.
"""

import glob
import json
import os
import signal
import threading
import time
import unittest

import redis
from botocore.exceptions import ClientError

from harness import ManagerProcess, for_engines

HOLDS = ("snapshot:saved", "failover:begin")


class _Held:
  """A call made on its own thread (it blocks at a hold point)."""

  def __init__(self, fn, **kw):
    self.error = self.result = None
    def run():
      try:
        self.result = fn(**kw)
      except ClientError as e:
        self.error = e
    self.thread = threading.Thread(target=run, daemon=True)
    self.thread.start()

  def code(self, timeout=120):
    self.thread.join(timeout)
    if self.thread.is_alive():
      raise AssertionError("held call did not return")
    if self.error is None:
      raise AssertionError(f"expected an error, got {self.result}")
    return self.error.response["Error"]["Code"]


@for_engines
class Faults:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess()
    cls.hold_dir = os.path.join(cls.mgr.tmp, "holds")
    os.makedirs(cls.hold_dir)
    cls.mgr.fault_env = {"VIREO_MANAGER_HOLD": ",".join(HOLDS),
                         "VIREO_MANAGER_HOLD_DIR": cls.hold_dir}
    # One request at a time, and a queued one is refused after 1 s: a
    # request held at a hold point then makes the next one Throttling.
    cls.mgr.extra_args = ["--max-active-requests", "1",
                          "--queue-wait-s", "1"]
    cls.mgr.start()
    try:
      cls.ec = cls.mgr.boto3("elasticache")
    except BaseException:
      cls.mgr.stop()
      raise

  @classmethod
  def tearDownClass(cls):
    # A failed test may leave an operation held: let it go before stopping.
    for name in HOLDS:
      if os.path.exists(os.path.join(cls.hold_dir, name + ".reached")):
        open(os.path.join(cls.hold_dir, name + ".release"), "w").close()
    cls.mgr.stop()

  def code(self, fn, **kw):
    with self.assertRaises(ClientError) as ctx:
      fn(**kw)
    return ctx.exception.response["Error"]["Code"]

  def wait_reached(self, name, timeout=60):
    path = os.path.join(self.hold_dir, name + ".reached")
    deadline = time.time() + timeout
    while not os.path.exists(path):
      if time.time() > deadline:
        raise AssertionError(f"hold point {name} not reached")
      time.sleep(0.02)

  def release(self, name):
    open(os.path.join(self.hold_dir, name + ".release"), "w").close()
    path = os.path.join(self.hold_dir, name + ".reached")
    deadline = time.time() + 60
    while os.path.exists(path):     # the manager removes it as it goes on
      if time.time() > deadline:
        raise AssertionError(f"hold point {name} not released")
      time.sleep(0.02)

  def create(self, gid, clusters=1, **extra):
    g = self.ec.create_replication_group(
        ReplicationGroupId=gid, ReplicationGroupDescription="test",
        Engine=self.ENGINE, NumCacheClusters=clusters, **extra)
    self.ec.get_waiter("replication_group_available").wait(
        ReplicationGroupId=gid, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return self.ec.describe_replication_groups(
        ReplicationGroupId=gid)["ReplicationGroups"][0]

  def test_snapshot_in_progress(self):
    """InvalidReplicationGroupState and InvalidSnapshotState while a
    snapshot is held between its save and its copy."""
    gid = f"snap-{self.ENGINE}"
    self.create(gid)
    name = f"{gid}-s1"
    snap = self.ec.create_snapshot(ReplicationGroupId=gid,
                                   SnapshotName=name)["Snapshot"]
    self.assertEqual(snap["SnapshotStatus"], "creating")
    self.wait_reached("snapshot:saved")
    try:
      g = self.ec.describe_replication_groups(
          ReplicationGroupId=gid)["ReplicationGroups"][0]
      self.assertEqual(g["Status"], "snapshotting")
      cases = [
          ("InvalidReplicationGroupState", self.ec.create_snapshot,
           {"ReplicationGroupId": gid, "SnapshotName": f"{gid}-s2"}),
          ("InvalidReplicationGroupState", self.ec.delete_replication_group,
           {"ReplicationGroupId": gid}),
          ("InvalidReplicationGroupState", self.ec.increase_replica_count,
           {"ReplicationGroupId": gid, "NewReplicaCount": 1,
            "ApplyImmediately": True}),
          ("InvalidSnapshotState", self.ec.delete_snapshot,
           {"SnapshotName": name}),
          ("InvalidSnapshotState", self.ec.copy_snapshot,
           {"SourceSnapshotName": name, "TargetSnapshotName": f"{gid}-c"}),
          ("InvalidSnapshotState", self.ec.create_replication_group,
           {"ReplicationGroupId": f"{gid}-r",
            "ReplicationGroupDescription": "d", "Engine": self.ENGINE,
            "SnapshotName": name}),
      ]
      for code, fn, kw in cases:
        with self.subTest(code=code, fn=fn.__name__):
          with self.assertRaises(ClientError) as ctx:
            fn(**kw)
          err = ctx.exception.response
          self.assertEqual(err["Error"]["Code"], code)
          self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
          self.assertTrue(err["Error"]["Message"])
    finally:
      self.release("snapshot:saved")
    self.assertEqual(self.mgr.wait_snapshot(name)["SnapshotStatus"],
                     "available")
    self.mgr.wait_status(gid)
    self.ec.delete_snapshot(SnapshotName=name)
    self.ec.delete_replication_group(ReplicationGroupId=gid)

  def test_final_snapshot_fails_and_throttling(self):
    """SnapshotCreationFailed: the node's dump is removed while the final
    snapshot of a delete is held, so its copy fails; the delete is refused
    and the group stays. While that request is held it holds the only
    request slot, so another call gets Throttling."""
    gid = f"fin-{self.ENGINE}"
    g = self.create(gid)
    node = g["MemberClusters"][0]
    final = f"{gid}-final"
    held = _Held(self.ec.delete_replication_group, ReplicationGroupId=gid,
                 FinalSnapshotIdentifier=final)
    try:
      self.wait_reached("snapshot:saved")
      with self.assertRaises(ClientError) as ctx:
        self.ec.describe_replication_groups(ReplicationGroupId=gid)
      err = ctx.exception.response
      self.assertEqual(err["Error"]["Code"], "Throttling")
      self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
      dumps = glob.glob(os.path.join(self.mgr.data_dir, "nodes", node,
                                     "dump.rdb"))
      self.assertEqual(len(dumps), 1, node)
      os.unlink(dumps[0])
    finally:
      self.release("snapshot:saved")
    self.assertEqual(held.code(), "SnapshotCreationFailed")
    g = self.mgr.wait_status(gid)
    self.assertEqual(g["ReplicationGroupId"], gid)
    snap = self.ec.describe_snapshots(SnapshotName=final)["Snapshots"][0]
    self.assertEqual(snap["SnapshotStatus"], "failed")
    self.ec.delete_snapshot(SnapshotName=final)
    self.ec.delete_replication_group(ReplicationGroupId=gid)

  def test_failover_not_available(self):
    """TestFailoverNotAvailableFault: the only replica is stopped
    (SIGSTOP) while the failover is held after it began, so no replica
    can be promoted; the old primary stays."""
    gid = f"fo-{self.ENGINE}"
    g = self.create(gid, clusters=2, AutomaticFailoverEnabled=True)
    members = g["NodeGroups"][0]["NodeGroupMembers"]
    primary = [m for m in members if m["CurrentRole"] == "primary"][0]
    replica = [m for m in members if m["CurrentRole"] == "replica"][0]
    with redis.Redis(port=replica["ReadEndpoint"]["Port"]) as r:
      pid = int(r.info("server")["process_id"])
    held = _Held(self.ec.test_failover, ReplicationGroupId=gid,
                 NodeGroupId="0001")
    stopped = False
    try:
      self.wait_reached("failover:begin")
      os.kill(pid, signal.SIGSTOP)
      stopped = True
      self.release("failover:begin")
      self.assertEqual(held.code(), "TestFailoverNotAvailableFault")
      self.assertIn("Failover failed", held.error.response["Error"][
          "Message"])
    finally:
      if stopped:
        os.kill(pid, signal.SIGCONT)
      elif os.path.exists(os.path.join(self.hold_dir,
                                       "failover:begin.reached")):
        self.release("failover:begin")
    g = self.mgr.wait_status(gid)
    now = [m for m in g["NodeGroups"][0]["NodeGroupMembers"]
           if m["CurrentRole"] == "primary"]
    self.assertEqual([m["CacheClusterId"] for m in now],
                     [primary["CacheClusterId"]])
    self.ec.delete_replication_group(ReplicationGroupId=gid)

  def test_node_ports_exhausted(self):
    """InsufficientCacheClusterCapacity: a manager whose node port range
    holds one single-node group (its node, primary and reader endpoints,
    plus the one port a node start borrows to probe the engine) refuses a
    second group (3 ports) and two more replicas."""
    m = ManagerProcess()
    m.node_ports = (m.node_ports[0], m.node_ports[0] + 3)
    m.start()
    try:
      ec = m.boto3("elasticache")
      gid = f"cap-{self.ENGINE}"
      ec.create_replication_group(
          ReplicationGroupId=gid, ReplicationGroupDescription="d",
          Engine=self.ENGINE, NumCacheClusters=1)
      ec.get_waiter("replication_group_available").wait(
          ReplicationGroupId=gid, WaiterConfig={"Delay": 1,
                                                "MaxAttempts": 60})
      cases = [
          (ec.create_replication_group,
           {"ReplicationGroupId": f"{gid}-2",
            "ReplicationGroupDescription": "d", "Engine": self.ENGINE,
            "NumCacheClusters": 1}),
          (ec.increase_replica_count,
           {"ReplicationGroupId": gid, "NewReplicaCount": 2,
            "ApplyImmediately": True}),
      ]
      for fn, kw in cases:
        with self.subTest(fn=fn.__name__):
          with self.assertRaises(ClientError) as ctx:
            fn(**kw)
          err = ctx.exception.response
          self.assertEqual(err["Error"]["Code"],
                           "InsufficientCacheClusterCapacity")
          self.assertTrue(err["Error"]["Message"])
      self.assertEqual(
          ec.describe_replication_groups()["ReplicationGroups"][0][
              "ReplicationGroupId"], gid)
      ec.delete_replication_group(ReplicationGroupId=gid)
    finally:
      m.stop()


class NoGroup(unittest.TestCase):
  """Codes that need no group (engine-independent): UnknownOperationException
  on CloudWatch's JSON protocol (awsJson1_0), as raw signed requests since
  Debian's botocore speaks CloudWatch's Query protocol; and through boto3
  the parameter-group state and authentication codes that other suites
  test only with raw requests or vireoctl."""

  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess()
    cls.mgr.start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def send(self, target, body=b"{}"):
    status, data, _ = self.mgr.client.request(
        body, "application/x-amz-json-1.0", "monitoring",
        extra_headers={"X-Amz-Target": target})
    return status, json.loads(data)

  def test_boto3_codes(self):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    ec = self.mgr.boto3("elasticache")
    default = [g["CacheParameterGroupName"] for g in
               ec.describe_cache_parameter_groups()["CacheParameterGroups"]
               if g["CacheParameterGroupName"].startswith("default.")][0]

    def client(**kw):
      return boto3.session.Session(region_name="us-east-1", **kw).client(
          "elasticache", endpoint_url=self.mgr.url,
          config=Config(retries={"max_attempts": 1},
                        **({} if kw else {"signature_version": UNSIGNED})))
    stranger = client(aws_access_key_id="AKIDNOTAKEY000000000",
                      aws_secret_access_key="x" * 40)
    cases = [
        ("InvalidCacheParameterGroupState", 400,
         ec.delete_cache_parameter_group,
         {"CacheParameterGroupName": default}),
        ("InvalidClientTokenId", 403, stranger.describe_replication_groups,
         {}),
        ("MissingAuthenticationToken", 403,
         client().describe_replication_groups, {}),
    ]
    for code, status, fn, kw in cases:
      with self.subTest(code=code):
        with self.assertRaises(ClientError) as ctx:
          fn(**kw)
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status)
        self.assertTrue(err["Error"]["Message"])

  def test_unknown_operation(self):
    for target in ("Bogus.GetMetricData",
                   "GraniteServiceVersion20100801.DescribeReplicationGroups",
                   "GraniteServiceVersion20100801.NoSuchAction"):
      with self.subTest(target=target):
        status, body = self.send(target)
        self.assertEqual(status, 400, body)
        self.assertEqual(body["__type"], "UnknownOperationException")
        self.assertTrue(body["message"])
    # The same request naming a real operation is answered.
    status, body = self.send(
        "GraniteServiceVersion20100801.GetMetricStatistics", json.dumps(
            {"Namespace": "AWS/ElastiCache", "MetricName": "CurrItems",
             "Dimensions": [{"Name": "ReplicationGroupId", "Value": "g"}],
             "StartTime": time.time() - 300, "EndTime": time.time(),
             "Period": 60, "Statistics": ["Maximum"]}).encode())
    self.assertEqual(status, 200, body)
    self.assertEqual(body["Datapoints"], [])

if __name__ == "__main__":
  unittest.main()
