"""The endpoints of engine redis groups: the vireo-forwarder process.

redis-server cannot accept on a socket it is handed, so the primary and
reader endpoints of an engine redis group are served by vireo-forwarder
(src/forwarder/), one C++ process per host that relays bytes between the
endpoint ports and the nodes with splice(). The manager starts it in
DATA_DIR/forwarder and leaves it running when it exits or is killed, so the
endpoints keep serving; a restarted manager adopts it (forwarder.pid, checked
through /proc) or starts a new one, and the supervision round restarts it if
it dies.

Control channel: the manager owns the routing table (endpoint port -> kind
and target node ports), writes it whole to DATA_DIR/forwarder/state (temp
file + rename) and sends SIGHUP; the forwarder re-reads it and writes the
generation it applied to state.applied, which set_targets() waits for, so a
failover knows the old primary's connections are cut before it goes on. The
store stays the truth: a restarted manager rebuilds the table from it
(keeping the reader targets the forwarder already has until the health
checks have seen every node, so reader connections survive the restart).

Threading: ForwarderProcess is safe from any thread (one lock around the
table, the file and the process).
"""

import os
import shutil
import signal
import subprocess
import threading
import time

from . import engines, health, listen

ACK_TIMEOUT = 2.0
NAME = "vireo-forwarder"


def binary():
  """Absolute path of vireo-forwarder, or None: VIREO_FORWARDER, next to
  the vireo-server in use, the installation's build/ or bin/, PATH."""
  env = os.environ.get("VIREO_FORWARDER")
  if env:
    candidates = [env]
  else:
    server = engines.binary("vireo")
    candidates = [os.path.join(os.path.dirname(server), NAME)
                  if server else None,
                  os.path.join(engines.ROOT, "build", NAME),
                  os.path.join(engines.ROOT, "bin", NAME),
                  shutil.which(NAME)]
  for c in candidates:
    if c and os.path.isfile(c) and os.access(c, os.X_OK):
      return os.path.abspath(c)
  return None


def parse_state(text):
  """The table of a state file the manager wrote: {port: (kind, [ports])},
  or {} for anything else."""
  table = {}
  for line in text.splitlines():
    w = line.split()
    if len(w) >= 3 and w[0] == "endpoint":
      try:
        table[int(w[1])] = (w[2], [int(x) for x in w[3:]])
      except ValueError:
        return {}
  return table


class ForwarderProcess:
  def __init__(self, m):
    self.m = m
    self.dir = os.path.join(m.data_dir, "forwarder")
    self.state_file = os.path.join(self.dir, "state")
    self.pid_file = os.path.join(self.dir, "forwarder.pid")
    self._lock = threading.RLock()
    self._child = None
    self.table = {}
    self.generation = 0
    self.previous = {}   # the table the forwarder had when we started
    self.deferred = False   # while True, set() only records (start-up)
    try:
      with open(self.state_file) as f:
        text = f.read()
      self.previous = parse_state(text)
      for line in text.splitlines():
        if line.startswith("generation "):
          self.generation = int(line.split()[1])
    except (OSError, ValueError, IndexError):
      pass

  # --- the table ------------------------------------------------------------
  def set(self, port, kind, targets):
    with self._lock:
      entry = (kind, [int(t) for t in targets])
      if self.table.get(port) == entry:
        return True
      self.table[port] = entry
      return self.deferred or self._push()

  def remove(self, port):
    with self._lock:
      if self.table.pop(port, None) is None:
        return True
      return self.deferred or self._push()

  def push(self):
    with self._lock:
      return self._push()

  def _text(self):
    lines = ["vireo-forwarder-state 1", f"generation {self.generation}"]
    for address in listen.hosts()[1:]:
      lines.append(f"bind {address}")
    for port in sorted(self.table):
      kind, targets = self.table[port]
      lines.append(" ".join(["endpoint", str(port), kind] +
                            [str(t) for t in targets]))
    return "\n".join(lines) + "\n"

  def _push(self):
    """Writes the table and has the forwarder apply it; True once it
    acknowledged (False: it is not running or did not answer in time)."""
    self.generation += 1
    os.makedirs(self.dir, exist_ok=True)
    tmp = self.state_file + ".tmp"
    with open(tmp, "w") as f:
      f.write(self._text())
    os.replace(tmp, self.state_file)
    pid = self._running()
    if not pid:
      return False
    try:
      os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
      return False
    return self._wait_ack(self.generation)

  def _wait_ack(self, generation):
    deadline = time.monotonic() + ACK_TIMEOUT
    while time.monotonic() < deadline:
      try:
        with open(self.state_file + ".applied") as f:
          lines = f.read().splitlines()
        if lines and int(lines[0].split()[1]) >= generation:
          for line in lines[1:]:
            self.m.log(f"vireo-forwarder: {line}")
          return True
      except (OSError, ValueError, IndexError):
        pass
      time.sleep(0.002)
    self.m.log("vireo-forwarder did not apply its new table in time")
    return False

  # --- the process ----------------------------------------------------------
  def _cmd(self):
    path = binary()
    if not path:
      raise OSError("no executable vireo-forwarder found next to "
                    "vireo-server, in the build directory or on PATH "
                    "(set VIREO_FORWARDER)")
    return [path, "--state", self.state_file]

  def _running(self):
    """Pid of the live forwarder of this data dir, or None."""
    found = health.process_from_pid_file(self.pid_file)
    if not found:
      return None
    pid, cwd, cmd = found
    if cwd != self.dir or not cmd or os.path.basename(cmd[0]) != NAME or self.state_file not in cmd:
      return None
    return pid

  def running(self):
    return self._running()

  def ensure(self):
    """Adopts the running forwarder or starts one (with the current table);
    returns its pid. Raises OSError when it cannot run."""
    with self._lock:
      if self._child is not None and self._child.poll() is not None:
        self._child = None   # reaped
      pid = self._running()
      if pid:
        return pid
      cmd = self._cmd()
      os.makedirs(self.dir, exist_ok=True)
      self.generation += 1
      tmp = self.state_file + ".tmp"
      with open(tmp, "w") as f:
        f.write(self._text())
      os.replace(tmp, self.state_file)
      with open(os.path.join(self.dir, "forwarder.log"), "ab") as log:
        self._child = subprocess.Popen(
            cmd, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log,
            stderr=log, start_new_session=True)
      with open(self.pid_file + ".tmp", "w") as f:
        f.write(str(self._child.pid))
      os.replace(self.pid_file + ".tmp", self.pid_file)
      if not self._wait_ack(self.generation):
        if self._child.poll() is not None:
          raise OSError("vireo-forwarder exited at start; see "
                        + os.path.join(self.dir, "forwarder.log"))
      self.m.log(f"vireo-forwarder started (pid {self._child.pid})")
      return self._child.pid

  def stop(self):
    with self._lock:
      pid = self._running()
      if pid:
        try:
          os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
          pass
        deadline = time.monotonic() + 3
        while self._running() and time.monotonic() < deadline:
          time.sleep(0.02)
        if self._running():
          try:
            os.kill(pid, signal.SIGKILL)
          except ProcessLookupError:
            pass
      if self._child is not None:
        try:
          self._child.wait(5)
        except subprocess.TimeoutExpired:
          pass


class ForwardedEndpoint:
  """One endpoint port of a group, served by the forwarder."""

  def __init__(self, proc, port, kind):
    self.proc, self.port, self.kind = proc, port, kind

  def set_targets(self, ports):
    """Where new connections go ([] holds them); a primary endpoint whose
    target changes closes its connections. Returns when applied."""
    self.proc.set(self.port, self.kind, ports)

  def targets(self):
    entry = self.proc.table.get(self.port)
    return entry[1] if entry else None

  def close(self):
    self.proc.remove(self.port)
