"""Runs node processes: start, stop, notice deaths, restart with backoff, adopt.

Each node lives in its own directory (config, dump.rdb, node.log, node.pid).
A background thread polls every process about 20 times a second; a dead node
is restarted with exponential backoff unless the manager's restart policy
says to wait (a dead primary is failed over first, so that it comes back as a
replica). On manager start, live processes in node directories are adopted (or
stopped when no node wants them): see adopt_all.

Threading: public methods may be called from any thread; the process table is
guarded by a lock. Starting a node takes the node's group lock (via the
manager) so the role written into its config cannot race with a failover.
"""

import os
import shutil
import signal
import subprocess
import threading
import time

from . import engines, nodeconfig, resp

POLL_SECONDS = 0.05
MAX_BACKOFF = 10.0
STABLE_SECONDS = 30.0


class _Proc:
  def __init__(self, pid, popen=None):
    self.pid = pid
    self.popen = popen
    self.started = time.monotonic()

  def alive(self):
    if self.popen is not None:
      return self.popen.poll() is None
    try:
      with open(f"/proc/{self.pid}/stat") as f:
        return f.read().split(") ", 1)[1][:1] not in ("Z", "X")
    except (OSError, IndexError):
      return False


class Supervisor:
  def __init__(self, manager):
    self.m = manager
    self._lock = threading.Lock()
    self._procs = {}      # node id -> _Proc
    self._failures = {}   # node id -> consecutive quick deaths
    self._retry_at = {}   # node id -> monotonic time of the next start
    self._stopping = set()  # node ids stop_node is stopping: not restarted
    self._stop = threading.Event()
    self._thread = threading.Thread(target=self._run, name="supervisor",
                                    daemon=True)

  # --- lifecycle ----------------------------------------------------------
  def start(self):
    self._thread.start()

  def stop(self, stop_nodes):
    self._stop.set()
    if self._thread.is_alive():
      self._thread.join(2)
    if stop_nodes:
      for node_id in list(self._procs):
        self.stop_node(node_id, save=True)

  def adopt_all(self):
    """Takes over the node processes a previous manager left running.

    Found by their working directory (a node's own directory), not only
    their pid file: a manager killed between spawning a node and writing
    the file leaves no file. A process is adopted when the store wants its
    node (desired "running" or "creating"), even if it does not answer now
    (busy is not dead: health checks judge it); any other process in a
    node directory (a removed node, a stopped one, a duplicate) is killed,
    so nothing runs unsupervised. Forked children (a BGSAVE) are left to
    their parent."""
    nodes_dir = os.path.realpath(os.path.join(self.m.data_dir, "nodes"))
    found = {}   # node id -> [pid]
    for pid, cwd, ppid in _processes_under(nodes_dir):
      node_id = os.path.basename(cwd)
      if os.path.dirname(cwd) != nodes_dir:
        continue
      parent_cwd = _cwd(ppid)
      if parent_cwd == cwd:
        continue   # a child of the node (BGSAVE): goes with its parent
      found.setdefault(node_id, []).append(pid)
    for node_id, pids in sorted(found.items()):
      if node_id.startswith(engines.PROBE_PREFIX):
        # A command probe (engines.commands) whose manager was killed.
        for pid in pids:
          _signal(pid, signal.SIGKILL)
          self.m.log(f"stopped left-over command probe {pid}")
        continue
      node = self.m.store.get("nodes", node_id)
      keep = None
      if node and node.get("desired") in ("running", "creating"):
        recorded = _read_pid(node["dir"])
        keep = recorded if recorded in pids else min(pids)
        with self._lock:
          self._procs[node_id] = _Proc(keep)
        with open(os.path.join(node["dir"], "node.pid"), "w") as f:
          f.write(str(keep))
        self.m.events.add("cache-cluster", node_id,
                          "Cache node adopted after manager restart")
      for pid in pids:
        if pid != keep:
          _signal(pid, signal.SIGKILL)
          self.m.log(f"stopped unsupervised process {pid} of {node_id}")
          self.m.events.add("cache-cluster", node_id,
                            "Stopped a node process no node wanted "
                            f"(pid {pid}) after manager restart")

    # Their directories (a probe's is removed by the probe itself unless
    # its manager died first).
    for entry in os.listdir(nodes_dir):
      if entry.startswith(engines.PROBE_PREFIX):
        shutil.rmtree(os.path.join(nodes_dir, entry), ignore_errors=True)

  # --- node control ---------------------------------------------------------
  def start_node(self, node, primary_port, wait=True):
    """Writes the config and spawns the node; optionally waits for PING.

    A dump.rdb is loaded only when the store says it is current (written by
    a SAVE the manager asked for right before a planned stop, or a snapshot
    seeded into a new group); any other file there is older than the data
    the node served (a crash, a replica's sync file, a snapshot's BGSAVE)
    and would bring deleted keys back, so it is removed first.
    """
    group = self.m.store.get("groups", node["group"])
    os.makedirs(node["dir"], exist_ok=True)
    rdb = os.path.join(node["dir"], "dump.rdb")
    stored = self.m.store.get("nodes", node["id"]) or node
    if not stored.get("rdb_current") and os.path.exists(rdb):
      os.unlink(rdb)
    if stored.get("rdb_current"):
      # From now on the node writes: the file is the past.
      self.m.store.update("nodes", node["id"], rdb_current=False)
    binary = engines.binary(group["Engine"])
    if binary is None:
      raise RuntimeError(engines.describe_missing(group["Engine"]))
    conf = os.path.join(node["dir"], "node.conf")
    nodeconfig.write_config(node, group, primary_port,
                            self.m.param_overrides(group), conf,
                            admin=self.m.admin_commands(binary),
                            admin_suffix=self.m.admin_suffix,
                            endpoint_ports=self.m.endpoint_ports_at_start(
                                node, group, primary_port is None))
    log = open(os.path.join(node["dir"], "stderr.log"), "ab")
    try:
      popen = subprocess.Popen([binary, conf], cwd=node["dir"],
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=log,
                               start_new_session=True)
    finally:
      log.close()
    with open(os.path.join(node["dir"], "node.pid"), "w") as f:
      f.write(str(popen.pid))
    with self._lock:
      self._procs[node["id"]] = _Proc(popen.pid, popen)
    if wait:
      self.wait_ready(node)

  def wait_ready(self, node, timeout=10.0):
    deadline = time.monotonic() + timeout
    password = self.m.password_for(node["group"])
    while True:
      try:
        reply = resp.call(node["port"], ["PING"], timeout=0.5,
                          password=password)[0]
        if reply == "PONG":
          return
      except (OSError, ConnectionError):
        pass
      if not self.alive(node["id"]):
        raise RuntimeError(f"node {node['id']} exited during start; "
                           f"{log_tail(node['dir'])}")
      if time.monotonic() > deadline:
        raise RuntimeError(f"node {node['id']} did not answer PING; "
                           f"{log_tail(node['dir'])}")
      time.sleep(0.02)

  def stop_node(self, node_id, save=False, timeout=5.0):
    with self._lock:
      proc = self._procs.get(node_id)
      self._stopping.add(node_id)
    try:
      self._stop_proc(node_id, proc, save, timeout)
    finally:
      with self._lock:
        if self._procs.get(node_id) is proc:
          self._procs.pop(node_id, None)
        self._failures.pop(node_id, None)
        self._retry_at.pop(node_id, None)
        self._stopping.discard(node_id)

  def _stop_proc(self, node_id, proc, save, timeout):
    if proc is None or not proc.alive():
      return
    saved = False
    if save:
      node = self.m.store.get("nodes", node_id)
      if node:
        # SHUTDOWN SAVE saves and exits in one step, so no write can land
        # between the save and the exit; success closes the connection.
        try:
          reply = resp.call(node["port"], ["SHUTDOWN", "SAVE"],
                            timeout=timeout,
                            password=self.m.password_for(node["group"]))[0]
          self.m.log(f"SHUTDOWN SAVE on {node_id} failed: {reply}")
        except (OSError, ConnectionError):
          pass
    deadline = time.monotonic() + timeout
    while save and proc.alive() and time.monotonic() < deadline:
      time.sleep(0.02)
    saved = save and not proc.alive()
    _signal(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while proc.alive() and time.monotonic() < deadline:
      time.sleep(0.02)
    if proc.alive():
      _signal(proc.pid, signal.SIGKILL)
      while proc.alive() and time.monotonic() < deadline + 2:
        time.sleep(0.02)
    elif saved and self.m.store.get("nodes", node_id):
      # Saved and exited without writing more: the file is current.
      self.m.store.update("nodes", node_id, rdb_current=True)

  def kill_node(self, node_id, sig=signal.SIGKILL):
    """Signals a node without forgetting it (tests, reboot)."""
    with self._lock:
      proc = self._procs.get(node_id)
    if proc:
      _signal(proc.pid, sig)

  def alive(self, node_id):
    with self._lock:
      proc = self._procs.get(node_id)
    return proc is not None and proc.alive()

  def crash_looping(self, node_id):
    """Number of quick deaths in a row (0 once a node ran STABLE_SECONDS)."""
    with self._lock:
      return self._failures.get(node_id, 0)

  def uptime(self, node_id):
    """Seconds since the node's process started (or was adopted)."""
    with self._lock:
      proc = self._procs.get(node_id)
    return time.monotonic() - proc.started if proc else 0.0

  def pid(self, node_id):
    with self._lock:
      proc = self._procs.get(node_id)
    return proc.pid if proc else None

  # --- the watch loop -------------------------------------------------------
  def _run(self):
    while not self._stop.wait(POLL_SECONDS):
      try:
        self._check_all()
      except Exception as e:  # keep supervising whatever happens
        self.m.log(f"supervisor: {e!r}")

  def _check_all(self):
    now = time.monotonic()
    for node in self.m.store.list("nodes"):
      node_id = node["id"]
      if node.get("desired") != "running":
        continue
      with self._lock:
        if node_id in self._stopping:
          continue
        proc = self._procs.get(node_id)
      if proc is not None and proc.alive():
        if now - proc.started > STABLE_SECONDS:
          self._failures.pop(node_id, None)
        continue
      if proc is not None:
        # Newly noticed death: schedule the restart and tell the manager,
        # which may fail over right away instead of waiting for down-after.
        with self._lock:
          self._procs.pop(node_id, None)
          proc.exit_status = proc.popen.returncode if proc.popen else None
          quick = now - proc.started < STABLE_SECONDS
          fails = self._failures.get(node_id, 0) + 1 if quick else 1
          self._failures[node_id] = fails
          self._retry_at[node_id] = now + min(0.1 * 2 ** (fails - 1),
                                              MAX_BACKOFF)
        self.m.on_node_died(node, proc.exit_status, fails)
        continue
      if now < self._retry_at.get(node_id, 0):
        continue
      self.m.restart_node(node)


def log_tail(directory, lines=8):
  """The last lines of a node's logs, for error messages."""
  parts = []
  for name in ("stderr.log", "node.log"):
    try:
      with open(os.path.join(directory, name), "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 4096))
        text = f.read().decode(errors="replace").strip().splitlines()
    except OSError:
      continue
    text = [t for t in text if t.strip()][-lines:]
    if text:
      parts.append(f"{name}: " + " | ".join(text))
  return "; ".join(parts) if parts else "the node wrote no log"


def _cwd(pid):
  try:
    return os.readlink(f"/proc/{pid}/cwd")
  except OSError:
    return None


def _processes_under(directory):
  """(pid, cwd, ppid) of live processes whose cwd is inside directory."""
  out = []
  prefix = directory + os.sep
  for entry in os.listdir("/proc"):
    if not entry.isdigit():
      continue
    cwd = _cwd(entry)
    if not cwd or not cwd.startswith(prefix):
      continue
    proc = _Proc(int(entry))
    if not proc.alive():
      continue
    try:
      with open(f"/proc/{entry}/stat") as f:
        ppid = int(f.read().rsplit(") ", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
      ppid = 0
    out.append((int(entry), cwd, ppid))
  return out


def _read_pid(directory):
  try:
    with open(os.path.join(directory, "node.pid")) as f:
      return int(f.read().strip())
  except (OSError, ValueError):
    return None


def _signal(pid, sig):
  try:
    os.kill(pid, sig)
  except ProcessLookupError:
    pass
