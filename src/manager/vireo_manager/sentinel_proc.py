"""The Sentinel port as its own process, so it outlives the manager.

The manager starts this process (python -m vireo_manager.sentinel_proc) in
DATA_DIR/sentinel and leaves it running when it exits or is killed; a
restarted manager adopts it (sentinel.pid, checked through /proc) or starts
a new one. It serves the same SentinelServer as before, but its view of the
groups comes from the store (read with its own SQLite connection: WAL lets a
reader run beside the manager) and from its own checks of the nodes (INFO
replication every 200 ms), so SENTINEL get-master-addr-by-name, masters,
replicas... keep answering while the manager is down. It publishes
+switch-master itself when it sees a group's primary change in the store
(polled every 50 ms). SENTINEL FAILOVER is passed to the manager's API as a
signed TestFailover (so it needs the manager up).

Threading: the listener runs on a NetLoop; one thread checks the nodes, one
watches the store; the view is a dict swapped under a lock.
"""

import argparse
import os
import signal
import sys
import threading
import time

from . import client as api_client
from . import credentials, health, listen, resp
from .netloop import NetLoop
from .sentinel import SentinelServer
from .store import Store


class StoreView:
  """What SentinelServer asks of its owner, answered from the store."""

  def __init__(self, data_dir, down_after, advertise, api_url, cred_file,
               region, cafile):
    self.store = Store(data_dir)
    self.down_after = down_after
    self.advertise = advertise
    self.api_url, self.cred_file = api_url, cred_file
    self.region, self.cafile = region, cafile
    self._lock = threading.Lock()
    self._seen = {}        # node id -> (last ok monotonic, info fields)
    self.server = None
    self._stop = threading.Event()

  # --- what SentinelServer calls -------------------------------------------
  def sentinel_view(self, name):
    group = self.store.get("groups", name)
    if not group or group["Status"] in ("deleting", "create-failed"):
      return None
    nodes = [n for n in self.store.list("nodes") if n["group"] == name]
    primary = next((n for n in nodes if n["id"] == group["primary"]), None)
    if not primary:
      return None
    now = time.monotonic()
    with self._lock:
      stale = [n for n in nodes if now - self._seen.get(
          n["id"], (0.0, {}))[0] >= self.down_after]
    for n in stale:
      if n.get("desired") == "running":
        self._check_now(n, group)
    now = time.monotonic()
    with self._lock:
      seen = dict(self._seen)

    def age_ms(node_id):
      return int((now - seen.get(node_id, (0.0, {}))[0]) * 1000)

    def up(node_id):
      return now - seen.get(node_id, (0.0, {}))[0] < self.down_after

    replicas = []
    for n in sorted(nodes, key=lambda n: n["index"]):
      if n["id"] == primary["id"]:
        continue
      info = seen.get(n["id"], (0.0, {}))[1]
      replicas.append({
          "ip": self.advertise, "port": n["port"], "up": up(n["id"]),
          "link_up": info.get("master_link_status") == "up",
          "offset": int(info.get("slave_repl_offset", 0) or 0),
          "priority": health.replica_priority(info, n),
          "last_ok_ms": age_ms(n["id"])})
    return {"name": name, "ip": self.advertise, "port": primary["port"],
            "up": up(primary["id"]), "replicas": replicas,
            "epoch": group.get("epoch", 0),
            "down_after_ms": int(self.down_after * 1000),
            "last_ok_ms": age_ms(primary["id"])}

  def sentinel_failover(self, name):
    try:
      access, secret = credentials.profile_key(self.cred_file)
      c = api_client.Client(self.api_url, access, secret, self.region,
                            timeout=30, cafile=self.cafile)
      status, body = c.call("TestFailover", {"ReplicationGroupId": name,
                                             "NodeGroupId": "0001"})
    except (OSError, credentials.CredentialsError) as e:
      return False, f"ERR the manager cannot be reached: {e}"
    if status == 200:
      return True, ""
    msg = body.get("Error", {}).get("Message", str(status))
    if "not found" in msg.lower() or status == 404:
      return False, "ERR No such master with that name"
    return False, f"ERR {msg}"

  # --- background work --------------------------------------------------------
  def _password(self, group):
    if group.get("UserGroupIds"):
      from .users import MANAGER_USER
      return (MANAGER_USER, group["manager_secret"])
    return ((group.get("auth_tokens") or [None])[0])

  def check_nodes(self):
    while not self._stop.is_set():
      groups = {g["ReplicationGroupId"]: g for g in self.store.list("groups")}
      for n in self.store.list("nodes"):
        g = groups.get(n["group"])
        if not g or n.get("desired") != "running":
          continue
        try:
          info = resp.call1(n["port"], "INFO", "replication",
                            password=self._password(g), timeout=0.2)
        except (OSError, ConnectionError, resp.RespError):
          continue
        with self._lock:
          self._seen[n["id"]] = (time.monotonic(), resp.parse_info(info))
      self._stop.wait(0.2)

  def _check_now(self, node, group):
    """A node whose last check is older than down-after is checked once
    more before it is reported down (the background checks may lag on a
    loaded host)."""
    try:
      info = resp.call1(node["port"], "INFO", "replication",
                        password=self._password(group), timeout=0.2)
    except (OSError, ConnectionError, resp.RespError):
      return
    with self._lock:
      self._seen[node["id"]] = (time.monotonic(), resp.parse_info(info))

  def watch_primaries(self):
    """Publishes +switch-master when a group's primary changes."""
    last = {}
    while not self._stop.is_set():
      nodes = {n["id"]: n for n in self.store.list("nodes")}
      for g in self.store.list("groups"):
        gid, now = g["ReplicationGroupId"], g.get("primary")
        before = last.get(gid)
        last[gid] = now
        if before and now and before != now and before in nodes and \
            now in nodes:
          self.server.publish(
              "+switch-master", f"{gid} {self.advertise} "
              f"{nodes[before]['port']} {self.advertise} "
              f"{nodes[now]['port']}")
      self._stop.wait(0.05)

  def stop(self):
    self._stop.set()


def main(argv=None):
  ap = argparse.ArgumentParser(prog="vireo-sentinel")
  ap.add_argument("--data-dir", required=True)
  ap.add_argument("--port", type=int, required=True)
  ap.add_argument("--down-after-ms", type=int, default=1000)
  ap.add_argument("--advertise-address", default="127.0.0.1")
  ap.add_argument("--bind-address")
  ap.add_argument("--api-url", required=True)
  ap.add_argument("--credentials", required=True)
  ap.add_argument("--region", default="us-east-1")
  ap.add_argument("--api-cafile")
  args = ap.parse_args(argv)
  listen.set_bind_address(args.bind_address)
  view = StoreView(args.data_dir, args.down_after_ms / 1000,
                   args.advertise_address, args.api_url, args.credentials,
                   args.region, args.api_cafile)
  loop = NetLoop()
  loop.start()
  server = SentinelServer(view, loop, args.port)
  view.server = server
  try:
    loop.run(server.open())
  except OSError as e:
    print(f"vireo-sentinel: cannot listen on {args.port}: {e}",
          file=sys.stderr, flush=True)
    return 1
  done = threading.Event()
  signal.signal(signal.SIGTERM, lambda *a: done.set())
  signal.signal(signal.SIGINT, lambda *a: done.set())
  for fn in (view.check_nodes, view.watch_primaries):
    threading.Thread(target=fn, daemon=True).start()
  done.wait()
  view.stop()
  loop.run(server.close())
  loop.stop()
  return 0



# --- the manager's side: start, adopt, watch, stop ----------------------------
MODULE = "vireo_manager.sentinel_proc"


class SentinelProcess:
  """Keeps one Sentinel process running for a manager (any thread)."""

  def __init__(self, m, port, args):
    self.m = m
    self.port = port
    self.args = [str(a) for a in args]
    self.dir = os.path.join(m.data_dir, "sentinel")
    self.pid_file = os.path.join(self.dir, "sentinel.pid")
    self._child = None
    self._lock = threading.Lock()

  def _cmd(self):
    return [sys.executable, "-m", MODULE, "--data-dir", self.m.data_dir,
            "--port", str(self.port)] + self.args

  def _running(self):
    """Pid of the live Sentinel process of this data dir, or None."""
    found = health.process_from_pid_file(self.pid_file)
    if not found or found[1] != self.dir or MODULE not in found[2]:
      return None, None
    return found[0], found[2][1:]

  def ensure(self):
    """Adopts the running process when it serves what is asked, else
    (re)starts it; waits until the port accepts."""
    import socket
    import subprocess
    with self._lock:
      if self._child is not None and self._child.poll() is not None:
        self._child = None   # reaped
      pid, cmd = self._running()
      if pid and cmd == self._cmd()[1:]:
        return pid
      if pid:
        _kill(pid)
      os.makedirs(self.dir, exist_ok=True)
      env = dict(os.environ)
      pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(
          __file__)))
      env["PYTHONPATH"] = pkg_parent + (
          os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
      with open(os.path.join(self.dir, "sentinel.log"), "ab") as log:
        self._child = subprocess.Popen(
            self._cmd(), cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=log, start_new_session=True)
      with open(self.pid_file + ".tmp", "w") as f:
        f.write(str(self._child.pid))
      os.replace(self.pid_file + ".tmp", self.pid_file)
      deadline = time.monotonic() + 10
      while time.monotonic() < deadline and self._child.poll() is None:
        try:
          socket.create_connection(("127.0.0.1", self.port), 0.2).close()
          return self._child.pid
        except OSError:
          time.sleep(0.02)
      self.m.log("the Sentinel process did not start; see "
                 f"{os.path.join(self.dir, 'sentinel.log')}")
      return None

  def stop(self):
    with self._lock:
      pid, _ = self._running()
      if pid:
        _kill(pid)
      if self._child is not None:
        try:
          self._child.wait(5)
        except Exception:
          pass


def _kill(pid):
  try:
    os.kill(pid, signal.SIGTERM)
  except ProcessLookupError:
    return
  deadline = time.monotonic() + 3
  while time.monotonic() < deadline:
    try:
      with open(f"/proc/{pid}/stat") as f:
        if f.read().rsplit(") ", 1)[1].split()[0] in ("Z", "X"):
          break
    except OSError:
      break
    time.sleep(0.02)
  else:
    try:
      os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
      pass


if __name__ == "__main__":
  sys.exit(main())
