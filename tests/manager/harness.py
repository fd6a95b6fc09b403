"""Test harness: runs a real vireo-manager process and talks to its API.

ManagerProcess picks free ports in 31000-31999 (each instance takes a block;
VIREO_MANAGER_TEST_PORTS moves the base, never into the kernel's ephemeral
range, where outgoing connections take a stopped node's port),
starts the manager with a temp data dir, and on stop() kills the manager and
every node process it started, then removes the directory. Not thread-safe;
one per test class.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "src", "manager"))
from vireo_manager import client as api_client  # noqa: E402
from vireo_manager import credentials as api_credentials  # noqa: E402
from vireo_manager import nat as vireo_nat  # noqa: E402
from vireo_manager import ports as manager_ports  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MANAGER = os.path.join(ROOT, "src", "manager", "vireo-manager")
CTL = os.path.join(ROOT, "src", "ctl", "vireoctl")
PY = "/usr/bin/python3"
PORT_BASE = int(os.environ.get("VIREO_MANAGER_TEST_PORTS", "31000"))
BLOCK = 100
_next_block = [0]
# Every directory a ManagerProcess of this test run used: run.py looks for
# left-over node processes there only (other checkouts on this machine run
# the same tests at the same time under the same temp prefix).
created_dirs = []


def port_free(port):
  # SO_REUSEADDR like the servers use, so TIME_WAIT leftovers of a previous
  # test do not make a port look taken.
  with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
      s.bind(("127.0.0.1", port))
      return True
    except OSError:
      return False


def _claim_block():
  """Next block of BLOCK ports (in PORT_BASE..+999) that is entirely free.

  Blocks are reused round-robin: a stopped ManagerProcess frees its block.
  """
  why = manager_ports.conflict_message("VIREO_MANAGER_TEST_PORTS", PORT_BASE,
                                       PORT_BASE + 10 * BLOCK - 1)
  if why:
    raise RuntimeError(why)
  for _ in range(10):
    base = PORT_BASE + (_next_block[0] % 10) * BLOCK
    _next_block[0] += 1
    if all(port_free(p) for p in range(base, base + BLOCK)):
      return base
  raise RuntimeError("no free port block for the manager tests")


def node_pids_in(data_dir):
  """Pids of live processes whose cwd or cmdline is under data_dir."""
  pids = []
  for pid in os.listdir("/proc"):
    if not pid.isdigit():
      continue
    try:
      with open(f"/proc/{pid}/cmdline", "rb") as f:
        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
      cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
      continue
    if data_dir in cmd or cwd.startswith(data_dir):
      pids.append(int(pid))
  return pids


ENGINES = ("vireo", "redis")


def for_engines(cls):
  """Class decorator: one copy of a TestCase per engine (ENGINE set on each),
  named <Class>_<engine>, placed in the caller's module for discovery."""
  import sys
  module = sys.modules[cls.__module__]
  for engine in ENGINES:
    name = f"{cls.__name__}_{engine}"
    setattr(module, name, type(name, (cls, unittest.TestCase),
                               {"ENGINE": engine, "__module__": cls.__module__,
                                "__qualname__": name}))
  return cls


class ApiFailure(Exception):
  def __init__(self, status, body):
    super().__init__(f"{status}: {body}")
    self.status = status
    self.code = body.get("Error", {}).get("Code")
    self.body = body


class ManagerProcess:
  def __init__(self, down_after_ms=1000, interval_ms=100, data_dir=None,
               base=None, endpoint_mode=None):
    self.base = base if base is not None else _claim_block()
    self.api_port = self.base
    self.sentinel_port = self.base + 1
    self.node_ports = (self.base + 10, self.base + BLOCK - 1)
    self.own_dir = data_dir is None
    self.tmp = data_dir or tempfile.mkdtemp(prefix="vireo-mgr-test-")
    created_dirs.append(self.tmp)
    self.data_dir = os.path.join(self.tmp, "data")
    self.down_after_ms = down_after_ms
    self.interval_ms = interval_ms
    self.proc = None
    self.fault_env = None   # extra environment for the manager (fault points)
    self.region = "us-east-1"
    # VIREO_MANAGER_ENDPOINT_MODE runs a whole suite in one engine redis
    # endpoint mode (e.g. forwarder where auto would take NAT).
    endpoint_mode = endpoint_mode or os.environ.get(
        "VIREO_MANAGER_ENDPOINT_MODE")
    self.extra_args = (["--endpoint-mode", endpoint_mode]
                       if endpoint_mode else [])
    self.scheme = "http"
    self.cafile = None

  def start(self):
    if hasattr(self, "log"):
      self.log.close()
    self.log = open(os.path.join(self.tmp, "manager.log"), "ab")
    self.proc = subprocess.Popen(
        [PY, MANAGER, "--data-dir", self.data_dir,
         "--listen", f"127.0.0.1:{self.api_port}",
         "--sentinel-port", str(self.sentinel_port),
         "--node-ports", f"{self.node_ports[0]}-{self.node_ports[1]}",
         "--health-interval-ms", str(self.interval_ms),
         "--down-after-ms", str(self.down_after_ms)] + self.extra_args,
        stdout=self.log, stderr=self.log,
        env=dict(os.environ, **(self.fault_env or {})))
    deadline = time.time() + 10
    while time.time() < deadline:
      try:
        self._client = None
        self.call("DescribeReplicationGroups")
        return self
      except (OSError, api_credentials.CredentialsError):
        if self.proc.poll() is not None:
          break
        time.sleep(0.05)
    raise RuntimeError("vireo-manager did not start")

  @property
  def credentials_file(self):
    """The key file the manager created in its data dir on first start."""
    return os.path.join(self.data_dir, "credentials")

  def key(self):
    return api_credentials.profile_key(self.credentials_file)

  @property
  def client(self):
    if getattr(self, "_client", None) is None:
      access, secret = self.key()
      self._client = api_client.Client(self.url, access, secret,
                                       self.region, timeout=60,
                                       cafile=self.cafile)
    return self._client

  def aws_env(self):
    """Environment for aws-cli / boto3 subprocesses signing with our key."""
    access, secret = self.key()
    env = dict(os.environ)
    for k in list(env):
      if k.startswith("AWS_"):
        del env[k]
    env.update(AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION=self.region, AWS_PAGER="",
               AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    return env

  def boto3(self, service="elasticache"):
    import boto3
    from botocore.config import Config
    access, secret = self.key()
    return boto3.session.Session(
        aws_access_key_id=access, aws_secret_access_key=secret,
        region_name=self.region).client(
            service, endpoint_url=self.url,
            config=Config(retries={"max_attempts": 1}))

  @property
  def url(self):
    return f"{self.scheme}://127.0.0.1:{self.api_port}/"

  def raw(self, body, path="/", method="POST", sign=True, service=None):
    """A signed JSON request; returns (status, parsed JSON body)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if service is None:
      action = body.get("Action", "") if isinstance(body, dict) else ""
      service = api_client.service_of(action)
    path, _, query = path.partition("?")
    status, out, _ = self.client.request(
        data, "application/json", service, method=method, path=path,
        query=query, sign=sign)
    return status, json.loads(out or b"{}")

  def metrics_text(self):
    """GET /metrics, signed."""
    status, out, _ = self.client.request(b"", "text/plain", "elasticache",
                                         method="GET", path="/metrics")
    if status != 200:
      raise ApiFailure(status, {"Error": {"Code": str(status)}})
    return out.decode()

  def call(self, action, **params):
    status, body = self.raw(dict(params, Action=action))
    if status != 200:
      raise ApiFailure(status, body)
    return body

  def group(self, gid):
    return self.call("DescribeReplicationGroups",
                     ReplicationGroupId=gid)["ReplicationGroups"][0]

  def wait_status(self, gid, status="available", timeout=20):
    deadline = time.time() + timeout
    while True:
      g = self.group(gid)
      if g["Status"] == status:
        return g
      if time.time() > deadline:
        raise AssertionError(f"{gid} stayed {g['Status']}, wanted {status}")
      time.sleep(0.05)

  def wait_snapshot(self, name, timeout=30):
    deadline = time.time() + timeout
    while True:
      s = self.call("DescribeSnapshots", SnapshotName=name)["Snapshots"][0]
      if s["SnapshotStatus"] in ("available", "failed"):
        return s
      if time.time() > deadline:
        raise AssertionError(f"snapshot {name} stuck {s['SnapshotStatus']}")
      time.sleep(0.05)

  def admin_name(self, command):
    """The secret name managed nodes know an admin command by (the manager
    keeps it in its store; tests read it to check what the manager did)."""
    import sqlite3
    db = sqlite3.connect(os.path.join(self.data_dir, "manager.db"))
    try:
      doc = db.execute("SELECT doc FROM settings WHERE id='admin'").fetchone()
    finally:
      db.close()
    return f"{command.lower()}-{json.loads(doc[0])['suffix']}"

  def admin(self, port, command, *args, password=None):
    """Runs an admin command on a node under its secret name."""
    import redis
    return redis.Redis(port=port, password=password).execute_command(
        self.admin_name(command), *args)

  def kill_manager(self):
    """SIGKILL the manager only (nodes keep running): tests adoption."""
    if self.proc and self.proc.poll() is None:
      self.proc.kill()
      self.proc.wait()

  def nat_table(self):
    """Name of the nftables table of this manager's NAT endpoints."""
    return vireo_nat.table_name(self.data_dir)

  def remove_nat_table(self):
    """The NAT endpoint rules outlive the manager by design: a test that
    ends removes them (nothing to do when there are none)."""
    if shutil.which("nft"):
      subprocess.run(["nft", "delete", "table", "inet", self.nat_table()],
                     capture_output=True)

  def stop(self, remove=True):
    if self.proc and self.proc.poll() is None:
      self.proc.send_signal(signal.SIGTERM)
      try:
        self.proc.wait(10)
      except subprocess.TimeoutExpired:
        self.proc.kill()
        self.proc.wait()
    for pid in node_pids_in(self.data_dir):
      try:
        os.kill(pid, signal.SIGKILL)
      except ProcessLookupError:
        pass
    deadline = time.time() + 5
    while node_pids_in(self.data_dir) and time.time() < deadline:
      time.sleep(0.05)
    if hasattr(self, "log"):
      self.log.close()
    self.remove_nat_table()
    if remove and self.own_dir:
      shutil.rmtree(self.tmp, ignore_errors=True)
