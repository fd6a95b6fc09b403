"""API behaviour against a real vireo-manager, on both engines.

Each class runs once per engine (harness.for_engines), replicas included.
"""

import os
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import redis

from harness import ApiFailure, ManagerProcess, for_engines, node_pids_in

TOKEN1 = "first-token-0123456789"
TOKEN2 = "second-token-0123456789"


def members(group):
  return group["NodeGroups"][0]["NodeGroupMembers"]


def primary_member(group):
  return [x for x in members(group) if x["CurrentRole"] == "primary"][0]


@for_engines
class Api:
  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess(down_after_ms=800).start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def create(self, gid, replicas=1, **extra):
    """Creates and waits for the group to be available."""
    self.mgr.call("CreateReplicationGroup", ReplicationGroupId=gid,
                  Engine=self.ENGINE, ReplicasPerNodeGroup=replicas, **extra)
    return self.mgr.wait_status(gid)

  def assertCode(self, code, action, **params):
    with self.assertRaises(ApiFailure) as ctx:
      self.mgr.call(action, **params)
    self.assertEqual(ctx.exception.code, code, ctx.exception.body)
    self.assertEqual(ctx.exception.status,
                     404 if "NotFound" in code else 400)
    self.assertTrue(ctx.exception.body["Error"]["Message"])

  def test_http_errors(self):
    m = self.mgr
    self.assertEqual(m.raw(b"{bad")[0], 400)
    status, body = m.raw({"Action": "CreateReplicationGroup",
                          "ReplicationGroupId": "x", "ReplicasPerNodeGroup": 9})
    self.assertEqual((status, body["Error"]["Code"]),
                     (400, "InvalidParameterValue"))
    self.assertEqual(m.raw(b"", path="/NoSuchAction")[1]["Error"]["Code"],
                     "InvalidAction")
    self.assertEqual(m.raw(b"", path="/?Action=DescribeEvents",
                           method="GET")[0], 200)
    for action, params in (
        ("DescribeReplicationGroups", {"ReplicationGroupId": "nope"}),
        ("DeleteReplicationGroup", {"ReplicationGroupId": "nope"}),
        ("TestFailover", {"ReplicationGroupId": "nope", "NodeGroupId": "0001"}),
        ("ModifyReplicationGroup", {"ReplicationGroupId": "nope"}),
        ("IncreaseReplicaCount", {"ReplicationGroupId": "nope",
                                  "NewReplicaCount": 2,
                                  "ApplyImmediately": True}),
        ("CreateSnapshot", {"ReplicationGroupId": "nope",
                            "SnapshotName": "s"})):
      with self.subTest(action=action):
        self.assertCode("ReplicationGroupNotFoundFault", action, **params)
    self.assertCode("SnapshotNotFoundFault", "DeleteSnapshot",
                    SnapshotName="nope")
    self.assertCode("SnapshotNotFoundFault", "CreateReplicationGroup",
                    ReplicationGroupId="x", Engine=self.ENGINE, SnapshotName="no")
    self.assertCode("CacheParameterGroupNotFound", "CreateReplicationGroup",
                    ReplicationGroupId="x", Engine=self.ENGINE,
                    CacheParameterGroupName="nope")
    self.assertCode("CacheClusterNotFound", "RebootCacheCluster",
                    CacheClusterId="nope-001", CacheNodeIdsToReboot=["0001"])
    self.assertCode("InvalidParameterValue", "CreateReplicationGroup",
                    ReplicationGroupId="x", Engine=self.ENGINE,
                    CacheNodeType="cache.huge")
    self.assertCode("InvalidParameterCombination", "CreateReplicationGroup",
                    ReplicationGroupId="x", ReplicasPerNodeGroup=0,
                    AutomaticFailoverEnabled=True)

  def test_duplicate_and_state_errors(self):
    self.create("dup", replicas=0)
    self.assertCode("ReplicationGroupAlreadyExists", "CreateReplicationGroup",
                    ReplicationGroupId="DUP", Engine=self.ENGINE)
    self.assertCode("InvalidParameterCombination", "TestFailover",
                    ReplicationGroupId="dup", NodeGroupId="0001")
    self.assertCode("InvalidParameterValue", "DecreaseReplicaCount",
                    ReplicationGroupId="dup", NewReplicaCount=0,
                    ApplyImmediately=True)
    self.mgr.call("DeleteReplicationGroup", ReplicationGroupId="dup")

  def test_parameter_groups_and_auth(self):
    m = self.mgr
    m.call("CreateCacheParameterGroup", CacheParameterGroupName="pg1",
           CacheParameterGroupFamily="redis7", Description="test")
    self.assertCode("CacheParameterGroupAlreadyExists",
                    "CreateCacheParameterGroup", CacheParameterGroupName="pg1",
                    CacheParameterGroupFamily="redis7", Description="x")
    m.call("ModifyCacheParameterGroup", CacheParameterGroupName="pg1",
           ParameterNameValues=[{"ParameterName": "maxmemory-policy",
                                 "ParameterValue": "allkeys-lru"},
                                {"ParameterName": "databases",
                                 "ParameterValue": "32"}])
    self.assertCode("InvalidParameterValue", "ModifyCacheParameterGroup",
                    CacheParameterGroupName="pg1",
                    ParameterNameValues=[{"ParameterName": "timeout",
                                          "ParameterValue": "soon"}])
    self.assertCode("InvalidCacheParameterGroupState",
                    "ModifyCacheParameterGroup",
                    CacheParameterGroupName="default.redis7",
                    ParameterNameValues=[{"ParameterName": "timeout",
                                          "ParameterValue": "1"}])
    params = {p["ParameterName"]: p for p in m.call(
        "DescribeCacheParameters", CacheParameterGroupName="pg1")["Parameters"]}
    self.assertEqual(params["maxmemory-policy"]["ParameterValue"],
                     "allkeys-lru")
    self.assertEqual(params["maxmemory-policy"]["Source"], "user")
    self.assertEqual(params["databases"]["ChangeType"], "requires-reboot")
    self.assertEqual(params["timeout"]["ChangeType"], "immediate")

    if self.ENGINE == "vireo":
      self.vireo_parameter_groups()
    g = self.create("pga", replicas=1, CacheParameterGroupName="pg1",
                    AuthToken=TOKEN1, CacheNodeType="vireo.64mb")
    self.assertTrue(g["AuthTokenEnabled"])
    ports = [x["ReadEndpoint"]["Port"] for x in members(g)]
    for port in ports:
      def get(name):
        return m.admin(port, "CONFIG", "GET", name, password=TOKEN1)[1]
      self.assertEqual(get("maxmemory-policy"), b"allkeys-lru")
      self.assertEqual(get("databases"), b"32")
      self.assertEqual(get("maxmemory"), str(64 * 1024 * 1024).encode())
    with self.assertRaises((redis.AuthenticationError, redis.ResponseError)):
      redis.Redis(port=ports[0], password="wrong-token-000000").ping()
    # An immediate parameter reaches every running member at once.
    m.call("ModifyCacheParameterGroup", CacheParameterGroupName="pg1",
           ParameterNameValues=[{"ParameterName": "timeout",
                                 "ParameterValue": "77"}])
    for port in ports:
      self.assertEqual(m.admin(port, "CONFIG", "GET", "timeout",
                               password=TOKEN1)[1], b"77")
    self.assertCode("InvalidCacheParameterGroupState",
                    "DeleteCacheParameterGroup", CacheParameterGroupName="pg1")

    # ROTATE keeps the old token valid next to the new one; SET drops it.
    m.call("ModifyReplicationGroup", ReplicationGroupId="pga",
           AuthToken=TOKEN2, AuthTokenUpdateStrategy="ROTATE",
           ApplyImmediately=True)
    for tok in (TOKEN1, TOKEN2):
      self.assertTrue(redis.Redis(port=ports[0], password=tok).ping())
    m.call("ModifyReplicationGroup", ReplicationGroupId="pga",
           AuthToken=TOKEN2, AuthTokenUpdateStrategy="SET",
           ApplyImmediately=True)
    with self.assertRaises((redis.AuthenticationError, redis.ResponseError)):
      redis.Redis(port=ports[0], password=TOKEN1).ping()
    self.assertTrue(redis.Redis(port=ports[1], password=TOKEN2).ping())
    # Health checks keep working with the new token (no false failover).
    time.sleep(1.2)
    self.assertEqual(primary_member(m.group("pga"))["CacheClusterId"],
                     "pga-001")
    m.call("DeleteReplicationGroup", ReplicationGroupId="pga")
    m.call("DeleteCacheParameterGroup", CacheParameterGroupName="pg1")

  def test_auth_token(self):
    """An AUTH token on a group without replicas (both engines): the node
    refuses strangers, ROTATE keeps the old token valid next to the new
    one, SET drops it, DELETE opens the node again."""
    m = self.mgr
    g = self.create("tok", replicas=0, AuthToken=TOKEN1)
    self.assertTrue(g["AuthTokenEnabled"])
    port = members(g)[0]["ReadEndpoint"]["Port"]
    with self.assertRaises(redis.AuthenticationError):
      redis.Redis(port=port).ping()
    with self.assertRaises((redis.AuthenticationError, redis.ResponseError)):
      redis.Redis(port=port, password="wrong-token-000000").ping()
    r = redis.Redis(port=port, password=TOKEN1)
    self.assertTrue(r.set("k", "v"))
    m.call("ModifyReplicationGroup", ReplicationGroupId="tok",
           AuthToken=TOKEN2, AuthTokenUpdateStrategy="ROTATE",
           ApplyImmediately=True)
    for tok in (TOKEN1, TOKEN2):
      self.assertEqual(redis.Redis(port=port, password=tok).get("k"), b"v")
    m.call("ModifyReplicationGroup", ReplicationGroupId="tok",
           AuthToken=TOKEN2, AuthTokenUpdateStrategy="SET",
           ApplyImmediately=True)
    with self.assertRaises((redis.AuthenticationError, redis.ResponseError)):
      redis.Redis(port=port, password=TOKEN1).ping()
    self.assertTrue(redis.Redis(port=port, password=TOKEN2).ping())
    # The manager's own health checks use the new token: still available.
    time.sleep(1.2)
    self.assertEqual(m.group("tok")["Status"], "available")
    m.call("ModifyReplicationGroup", ReplicationGroupId="tok",
           AuthTokenUpdateStrategy="DELETE", ApplyImmediately=True)
    self.assertTrue(redis.Redis(port=port).ping())
    self.assertFalse(m.group("tok")["AuthTokenEnabled"])
    m.call("DeleteReplicationGroup", ReplicationGroupId="tok")

  def vireo_parameter_groups(self):
    """Engine vireo: the parameters it supports reach the node (pg1: an
    eviction policy; pgaof: appendonly yes, the node then writes its AOF in
    its own directory)."""
    m = self.mgr
    g = self.create("pgl", replicas=0, CacheParameterGroupName="pg1",
                    CacheNodeType="vireo.64mb")
    port = members(g)[0]["ReadEndpoint"]["Port"]
    self.assertEqual(m.admin(port, "CONFIG", "GET", "maxmemory-policy")[1], b"allkeys-lru")
    m.call("DeleteReplicationGroup", ReplicationGroupId="pgl")
    m.call("CreateCacheParameterGroup", CacheParameterGroupName="pgaof",
           CacheParameterGroupFamily="vireo1", Description="aof")
    m.call("ModifyCacheParameterGroup", CacheParameterGroupName="pgaof",
           ParameterNameValues=[{"ParameterName": "appendonly",
                                 "ParameterValue": "yes"}])
    g = self.create("pgv", replicas=0, CacheParameterGroupName="pgaof")
    port = members(g)[0]["ReadEndpoint"]["Port"]
    self.assertEqual(m.admin(port, "CONFIG", "GET", "appendonly")[1], b"yes")
    r = redis.Redis(port=port)
    r.set("k", "v")
    self.assertEqual(r.info("persistence")["aof_enabled"], 1)
    m.call("DeleteReplicationGroup", ReplicationGroupId="pgv")
    m.call("DeleteCacheParameterGroup", CacheParameterGroupName="pgaof")

    m.call("CreateCacheParameterGroup", CacheParameterGroupName="pg2",
           CacheParameterGroupFamily="vireo1", Description="vireo")
    m.call("ModifyCacheParameterGroup", CacheParameterGroupName="pg2",
           ParameterNameValues=[{"ParameterName": "databases",
                                 "ParameterValue": "32"},
                                {"ParameterName": "timeout",
                                 "ParameterValue": "77"}])
    g = self.create("pgv2", replicas=0, CacheParameterGroupName="pg2",
                    CacheNodeType="vireo.64mb")
    port = members(g)[0]["ReadEndpoint"]["Port"]
    self.assertEqual(m.admin(port, "CONFIG", "GET", "databases")[1], b"32")
    self.assertEqual(m.admin(port, "CONFIG", "GET", "maxmemory")[1],
                     str(64 * 1024 * 1024).encode())
    m.call("ModifyCacheParameterGroup", CacheParameterGroupName="pg2",
           ParameterNameValues=[{"ParameterName": "timeout",
                                 "ParameterValue": "78"}])
    self.assertEqual(m.admin(port, "CONFIG", "GET", "timeout")[1], b"78")
    m.call("DeleteReplicationGroup", ReplicationGroupId="pgv2")
    m.call("DeleteCacheParameterGroup", CacheParameterGroupName="pg2")

  def test_test_failover_loses_no_acknowledged_write(self):
    m = self.mgr
    g = self.create("tf", replicas=2)
    ep = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    acked, stop = [], threading.Event()

    def writer():
      c = redis.Redis(port=ep, socket_timeout=2)
      i = 0
      while not stop.is_set():
        try:
          c.set(f"w{i}", i)
          if c.wait(1, 1000) >= 1:
            acked.append(i)
        except redis.RedisError:
          time.sleep(0.01)
        i += 1

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(0.3)
    g2 = m.call("TestFailover", ReplicationGroupId="tf",
                NodeGroupId="0001")["ReplicationGroup"]
    time.sleep(0.3)
    stop.set()
    t.join()
    self.assertNotEqual(primary_member(g2)["CacheClusterId"], "tf-001")
    c = redis.Redis(port=ep)
    self.assertTrue(acked)
    missing = [i for i in acked if c.get(f"w{i}") is None]
    self.assertEqual(missing, [])
    self.assertEqual(redis.Redis(port=primary_member(g)["ReadEndpoint"][
        "Port"]).info("replication")["role"], "slave")
    m.call("DeleteReplicationGroup", ReplicationGroupId="tf")

  def test_frozen_primary_is_failed_over_and_fenced(self):
    m = self.mgr
    g = self.create("frz", replicas=1)
    ep = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    old_port = primary_member(g)["ReadEndpoint"]["Port"]
    c = redis.Redis(port=ep)
    c.set("a", "1")
    # Replication is asynchronous: only a write the replica has acknowledged
    # is sure to survive the failover, so wait for it before freezing.
    self.assertGreaterEqual(c.execute_command("WAIT", 1, 5000), 1)
    with open(os.path.join(m.data_dir, "nodes", "frz-001", "node.pid")) as f:
      pid = int(f.read())
    os.kill(pid, signal.SIGSTOP)
    try:
      deadline = time.time() + 10
      while primary_member(m.group("frz"))["CacheClusterId"] == "frz-001":
        self.assertLess(time.time(), deadline)
        time.sleep(0.05)
    finally:
      try:
        os.kill(pid, signal.SIGCONT)
      except ProcessLookupError:
        pass   # the failover stopped the hung node (it restarts a replica)
    # The thawed node still believes it is a primary until the manager
    # re-points it; the endpoint must already lead elsewhere.
    self.assertEqual(redis.Redis(port=ep).get("a"), b"1")
    self.assertNotEqual(redis.Redis(port=ep).connection_pool.get_connection(
        "PING").port, None)
    deadline = time.time() + 10
    while True:
      try:
        if redis.Redis(port=old_port).info("replication")["role"] == "slave":
          break
      except redis.ConnectionError:
        pass   # restarting
      self.assertLess(time.time(), deadline, "old primary not fenced")
      time.sleep(0.05)
    self.assertEqual(redis.Redis(port=ep).info("replication")["role"],
                     "master")
    m.call("DeleteReplicationGroup", ReplicationGroupId="frz")

  def test_replica_count_reboot_snapshots(self):
    m = self.mgr
    g = self.create("rc", replicas=1)
    ep = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    redis.Redis(port=ep).set("k", "v")
    m.call("IncreaseReplicaCount", ReplicationGroupId="rc", NewReplicaCount=2,
           ApplyImmediately=True)
    g = m.wait_status("rc")
    self.assertEqual(len(members(g)), 3)
    new = members(g)[2]
    deadline = time.time() + 10
    while redis.Redis(port=new["ReadEndpoint"]["Port"]).get("k") != b"v":
      self.assertLess(time.time(), deadline)
      time.sleep(0.05)
    m.call("DecreaseReplicaCount", ReplicationGroupId="rc",
           ReplicasToRemove=["rc-002"], ApplyImmediately=True)
    g = m.group("rc")
    self.assertEqual([x["CacheClusterId"] for x in members(g)],
                     ["rc-001", "rc-003"])
    self.assertFalse(os.path.exists(os.path.join(m.data_dir, "nodes",
                                                 "rc-002")))
    # Reboot the replica: new process, same data.
    pidfile = os.path.join(m.data_dir, "nodes", "rc-003", "node.pid")
    with open(pidfile) as f:
      before = f.read()
    m.call("RebootCacheCluster", CacheClusterId="rc-003",
           CacheNodeIdsToReboot=["0001"])
    deadline = time.time() + 10
    port = new["ReadEndpoint"]["Port"]
    while True:
      try:
        with open(pidfile) as f:
          changed = f.read() != before
        if changed and redis.Redis(port=port).get("k") == b"v":
          break
      except (redis.RedisError, OSError):
        pass
      self.assertLess(time.time(), deadline)
      time.sleep(0.05)

    # Snapshots: create, duplicate, copy, delete, final snapshot.
    m.wait_status("rc")
    m.call("CreateSnapshot", ReplicationGroupId="rc", SnapshotName="rs1")
    self.assertEqual(m.wait_snapshot("rs1")["SnapshotStatus"], "available")
    self.assertCode("SnapshotAlreadyExistsFault", "CreateSnapshot",
                    ReplicationGroupId="rc", SnapshotName="rs1")
    m.call("CopySnapshot", SourceSnapshotName="rs1", TargetSnapshotName="rs2")
    self.assertCode("SnapshotAlreadyExistsFault", "CopySnapshot",
                    SourceSnapshotName="rs1", TargetSnapshotName="rs2")
    names = [s["SnapshotName"] for s in m.call(
        "DescribeSnapshots", ReplicationGroupId="rc")["Snapshots"]]
    self.assertEqual(names, ["rs1", "rs2"])
    m.wait_status("rc")
    m.call("DeleteReplicationGroup", ReplicationGroupId="rc",
           FinalSnapshotIdentifier="rc-final")
    self.assertEqual(m.wait_snapshot("rc-final")["SnapshotStatus"],
                     "available")
    for name in ("rs1", "rs2", "rc-final"):
      m.call("DeleteSnapshot", SnapshotName=name)
    self.assertEqual(os.listdir(os.path.join(m.data_dir, "snapshots")), [])

  def test_events_and_metrics(self):
    m = self.mgr
    g = self.create("met", replicas=0)
    c = redis.Redis(port=g["NodeGroups"][0]["PrimaryEndpoint"]["Port"])
    for i in range(50):
      c.set(f"m{i}", i)
      c.get(f"m{i}")
    c.get("nope")
    time.sleep(2.5)
    stats = m.call("GetMetricStatistics", MetricName="CacheHits",
                   ReplicationGroupId="met", Period=60,
                   Statistics=["Sum", "Maximum"])
    self.assertEqual(stats["Label"], "CacheHits")
    self.assertGreaterEqual(sum(p["Sum"] for p in stats["Datapoints"]), 50)
    items = m.call("GetMetricStatistics", MetricName="CurrItems",
                   CacheClusterId="met-001", Statistics=["Maximum"])
    self.assertEqual(max(p["Maximum"] for p in items["Datapoints"]), 50)
    self.assertCode("InvalidParameterValue", "GetMetricStatistics",
                    MetricName="Bogus", ReplicationGroupId="met")
    text = m.metrics_text()
    self.assertIn('vireo_curr_items{replication_group="met",'
                  'cache_cluster="met-001"} 50', text)
    self.assertIn("vireo_is_master", text)
    events = m.call("DescribeEvents", SourceIdentifier="met",
                    Duration=10)["Events"]
    self.assertIn("Replication group created",
                  [e["Message"] for e in events])
    old = m.call("DescribeEvents", SourceIdentifier="met",
                 StartTime="2001-01-01T00:00:00Z",
                 EndTime="2001-01-02T00:00:00Z")["Events"]
    self.assertEqual(old, [])
    m.call("DeleteReplicationGroup", ReplicationGroupId="met")


@for_engines
class FailedCreate:
  """A create whose engine cannot start: the API error quotes the engine's
  last words; nothing runs, ports come back once the group is deleted."""

  def test_failed_create_reports_and_cleans_up(self):
    tmp = tempfile.mkdtemp(prefix="vireo-mgr-test-")
    fake = os.path.join(tmp, "fake-server")
    with open(fake, "w") as f:
      f.write("#!/bin/sh\necho 'fatal: this engine is broken' >&2\nexit 3\n")
    os.chmod(fake, stat.S_IRWXU)
    var = "VIREO_SERVER" if self.ENGINE == "vireo" else "VIREO_REDIS_SERVER"
    old = os.environ.get(var)
    os.environ[var] = fake
    try:
      mgr = ManagerProcess(data_dir=tmp).start()
    finally:
      if old is None:
        os.environ.pop(var)
      else:
        os.environ[var] = old
    try:
      status, body = mgr.raw({"Action": "CreateReplicationGroup",
                              "ReplicationGroupId": "bad",
                              "Engine": self.ENGINE})
      self.assertEqual(status, 500)
      self.assertEqual(body["Error"]["Code"], "InternalFailure")
      self.assertIn("fatal: this engine is broken", body["Error"]["Message"])
      self.assertEqual(mgr.group("bad")["Status"], "create-failed")
      self.assertEqual(node_pids_in(os.path.join(mgr.data_dir, "nodes")), [])
      mgr.call("DeleteReplicationGroup", ReplicationGroupId="bad")
      self.assertEqual(mgr.raw({"Action": "DescribeReplicationGroups",
                                "ReplicationGroupId": "bad"})[0], 404)
      self.assertEqual(os.listdir(os.path.join(mgr.data_dir, "nodes")), [])
    finally:
      mgr.stop()
      import shutil
      shutil.rmtree(tmp, ignore_errors=True)

  def test_missing_engine_is_a_clear_error(self):
    var = "VIREO_SERVER" if self.ENGINE == "vireo" else "VIREO_REDIS_SERVER"
    old = os.environ.get(var)
    os.environ[var] = "/nonexistent/engine"
    try:
      mgr = ManagerProcess().start()
    finally:
      if old is None:
        os.environ.pop(var)
      else:
        os.environ[var] = old
    try:
      status, body = mgr.raw({"Action": "CreateReplicationGroup",
                              "ReplicationGroupId": "none",
                              "Engine": self.ENGINE})
      self.assertEqual((status, body["Error"]["Code"]),
                       (400, "InvalidParameterValue"))
      self.assertIn(f"Engine {self.ENGINE} is not available",
                    body["Error"]["Message"])
    finally:
      mgr.stop()


@for_engines
class Restart:
  """A restarted manager adopts running nodes and restarts missing ones."""

  def test_adopt_and_restart(self):
    mgr = ManagerProcess().start()
    try:
      mgr.call("CreateReplicationGroup", ReplicationGroupId="ad",
               Engine=self.ENGINE, ReplicasPerNodeGroup=1)
      g = mgr.wait_status("ad")
      ep = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
      redis.Redis(port=ep).set("survives", "yes")
      pids = {}
      for nid in ("ad-001", "ad-002"):
        with open(os.path.join(mgr.data_dir, "nodes", nid, "node.pid")) as f:
          pids[nid] = int(f.read())
      mgr.kill_manager()
      # While the manager is away the replica dies: the next manager must
      # start it again; the primary must be adopted, not restarted.
      os.kill(pids["ad-002"], signal.SIGKILL)
      time.sleep(0.2)
      mgr.start()
      g = mgr.wait_status("ad")
      self.assertEqual(primary_member(g)["CacheClusterId"], "ad-001")
      with open(os.path.join(mgr.data_dir, "nodes", "ad-001",
                             "node.pid")) as f:
        self.assertEqual(int(f.read()), pids["ad-001"])
      self.assertEqual(redis.Redis(port=ep).get("survives"), b"yes")
      deadline = time.time() + 10
      port2 = members(g)[1]["ReadEndpoint"]["Port"]
      while True:
        try:
          if redis.Redis(port=port2).get("survives") == b"yes":
            break
        except redis.ConnectionError:
          pass
        self.assertLess(time.time(), deadline)
        time.sleep(0.05)
      events = [e["Message"] for e in mgr.call(
          "DescribeEvents", SourceIdentifier="ad-001")["Events"]]
      self.assertIn("Cache node adopted after manager restart", events)
      # The adopted node still knows admin commands only by their secret
      # names.
      port1 = members(g)[0]["ReadEndpoint"]["Port"]
      self.assertEqual(mgr.admin(port1, "CONFIG", "GET", "port")[1],
                       str(port1).encode())
      with self.assertRaises(redis.ResponseError):
        redis.Redis(port=port1).config_get("port")
    finally:
      mgr.stop()


@for_engines
class Ctl:
  """vireoctl against a live manager: commands, output, waits, exit codes."""

  @classmethod
  def setUpClass(cls):
    cls.mgr = ManagerProcess().start()

  @classmethod
  def tearDownClass(cls):
    cls.mgr.stop()

  def ctl(self, *args, credentials=True, env=None):
    from harness import CTL, PY
    cred = ["--credentials", self.mgr.credentials_file] if credentials \
        else []
    p = subprocess.run([PY, CTL, "--endpoint-url", self.mgr.url, *cred,
                        *args], capture_output=True, text=True, timeout=60,
                       env=env)
    return p.returncode, p.stdout, p.stderr

  def test_signing(self):
    import os
    import tempfile
    # No key anywhere: a usage error before any request is sent.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE="/nonexistent", HOME="/nonexistent")
    rc, _, err = self.ctl("describe-events", credentials=False, env=env)
    self.assertEqual(rc, 252, err)
    self.assertIn("credentials", err)
    # A key the manager does not know: refused by the manager.
    env.update(AWS_ACCESS_KEY_ID="AKIAUNKNOWN000000000",
               AWS_SECRET_ACCESS_KEY="x" * 40)
    rc, _, err = self.ctl("describe-events", credentials=False, env=env)
    self.assertEqual(rc, 254)
    self.assertIn("InvalidClientTokenId", err)
    # The manager's own file read through AWS_SHARED_CREDENTIALS_FILE.
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    env["AWS_SHARED_CREDENTIALS_FILE"] = self.mgr.credentials_file
    self.assertEqual(self.ctl("describe-events", credentials=False,
                              env=env)[0], 0)
    # A region the manager does not serve.
    rc, _, err = self.ctl("--region", "eu-west-1", "describe-events")
    self.assertEqual(rc, 254)
    self.assertIn("SignatureDoesNotMatch", err)
    with tempfile.NamedTemporaryFile("w", suffix=".ini") as f:
      f.write("[default]\naws_access_key_id = A\n")
      f.flush()
      rc, _, err = self.ctl("describe-events", credentials=False,
                            env=dict(env, AWS_SHARED_CREDENTIALS_FILE=f.name))
      self.assertEqual(rc, 252, err)

  def test_commands(self):
    import json
    rc, out, _ = self.ctl("create-replication-group",
                          "--replication-group-id", "c1", "--engine",
                          self.ENGINE, "--replicas-per-node-group", "1",
                          "--no-automatic-failover-enabled")
    self.assertEqual(rc, 0)
    self.assertEqual(json.loads(out)["ReplicationGroup"]["AutomaticFailover"],
                     "disabled")
    self.assertEqual(self.ctl("wait", "replication-group-available",
                              "--replication-group-id", "c1")[0], 0)
    rc, out, _ = self.ctl("--output", "table", "describe-replication-groups",
                          "--replication-group-id", "c1")
    self.assertEqual(rc, 0)
    self.assertIn("CurrentRole", out)
    self.assertIn("available", out)
    rc, _, err = self.ctl("describe-replication-groups",
                          "--replication-group-id", "zz")
    self.assertEqual(rc, 254)
    self.assertIn("ReplicationGroupNotFoundFault", err)
    self.assertEqual(self.ctl("no-such-command")[0], 252)
    self.assertEqual(self.ctl("describe-events", "--bogus", "1")[0], 252)
    rc, out, _ = self.ctl("describe-events", "--duration", "5")
    self.assertEqual(rc, 0)
    self.assertIn("Events", json.loads(out))
    rc, out, _ = self.ctl("modify-cache-parameter-group",
                          "--cache-parameter-group-name", "default.redis7",
                          "--parameter-name-values",
                          "ParameterName=timeout,ParameterValue=5")
    self.assertEqual(rc, 254)
    self.assertEqual(self.ctl("delete-replication-group",
                              "--replication-group-id", "c1")[0], 0)
    self.assertEqual(self.ctl("wait", "replication-group-deleted",
                              "--replication-group-id", "c1")[0], 0)


if __name__ == "__main__":
  unittest.main()
