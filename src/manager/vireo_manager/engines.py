"""The engines a node can run: where their binaries are and what they offer.

Binaries are found from the environment (VIREO_SERVER, VIREO_REDIS_SERVER),
then next to this installation (the repository's build/ directory), then on
PATH; never at a fixed machine path.

Admin commands (CONFIG, DEBUG, SHUTDOWN, REPLICAOF...) are kept from the
users of a managed node with `rename-command` lines in its config: each is
renamed to a name carrying a secret suffix that only the manager knows, and
the manager's own connections (resp.call) use those names. Only commands the
engine actually has can be renamed (an unknown name is a fatal config error),
so the engine's command list is read once per binary by starting it briefly
and asking COMMAND LIST; a command the engine gains later is blocked without
a change here.

Threading: the probe cache is guarded by a lock; everything else is pure.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time

from . import resp

HERE = os.path.dirname(os.path.realpath(__file__))
# src/manager/vireo_manager -> the repository (or installation) root.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

# What users of a managed node may not run, as ElastiCache restricts them.
# PSYNC/SYNC stay: a replica sends them under their real names.
ADMIN_COMMANDS = ("acl", "bgrewriteaof", "bgsave", "config", "debug",
                  "failover", "migrate", "module", "monitor", "replicaof",
                  "save", "shutdown", "slaveof")

_probe_lock = threading.Lock()
_probed = {}   # (binary, mtime) -> frozenset of command names


def binary(engine):
  """Absolute path of the engine's server binary, or None if not found."""
  if engine == "redis":
    env = os.environ.get("VIREO_REDIS_SERVER")
    candidates = [env] if env else [shutil.which("redis-server")]
  else:
    env = os.environ.get("VIREO_SERVER")
    candidates = [env] if env else [
        os.path.join(ROOT, "build", "vireo-server"),
        os.path.join(ROOT, "bin", "vireo-server"),
        shutil.which("vireo-server")]
  for c in candidates:
    if c and os.path.isfile(c) and os.access(c, os.X_OK):
      return os.path.abspath(c)
  return None


def native_endpoints(engine):
  """True when the engine's nodes serve the group's endpoint ports
  themselves (vireo-server's vireo-endpoint-ports: shared SO_REUSEPORT
  listeners the manager opens and closes per node at run time). redis-server
  cannot, so engine redis's endpoints are the vireo-forwarder process
  (forwarder.py)."""
  return engine == "vireo"


def describe_missing(engine):
  var = "VIREO_REDIS_SERVER" if engine == "redis" else "VIREO_SERVER"
  name = "redis-server" if engine == "redis" else "vireo-server"
  where = ("on PATH" if engine == "redis" else
           "in the build directory next to the manager or on PATH")
  return (f"Engine {engine} is not available: no executable {name} found "
          f"{where} (set {var}).")


# Directory name prefix of a command probe's working directory. A dot
# cannot start a node id, so inside the nodes directory it names no node.
PROBE_PREFIX = ".probe-"


def commands(path, port, parent=None):
  """The engine's top-level command names (lower case), probed once.

  Starts the binary on `port` (a free port the caller reserved) with no
  persistence, asks COMMAND LIST and stops it. It runs in a PROBE_PREFIX
  directory under `parent` (the manager's nodes directory), so that a probe
  a killed manager left running is found and stopped by the next one
  (Supervisor.adopt_all) like any process no node wants.
  """
  key = (path, os.stat(path).st_mtime_ns)
  with _probe_lock:
    if key in _probed:
      return _probed[key]
    tmp = tempfile.mkdtemp(prefix=PROBE_PREFIX if parent else
                           "vireo-probe-", dir=parent)
    err_path = os.path.join(tmp, "stderr")
    with open(err_path, "wb") as err:
      proc = subprocess.Popen(
          [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
           "--dir", tmp], cwd=tmp, stdin=subprocess.DEVNULL,
          stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
      deadline = time.monotonic() + 10
      while True:
        try:
          names = resp.call1(port, "COMMAND", "LIST", timeout=2)
          break
        except (OSError, ConnectionError):
          if proc.poll() is not None or time.monotonic() > deadline:
            with open(err_path, "rb") as f:
              said = f.read()[-2000:].decode(errors="replace").strip()
            raise RuntimeError(f"{path} did not start for a command probe: "
                               + (" | ".join(said.splitlines()[-8:]) or
                                  f"exit status {proc.poll()}"))
          time.sleep(0.02)
    finally:
      proc.kill()
      proc.wait()
      shutil.rmtree(tmp, ignore_errors=True)
    _probed[key] = frozenset(n.lower() for n in names)
    return _probed[key]


def admin_name(command, suffix):
  """The renamed form of an admin command on managed nodes."""
  return f"{command}-{suffix}"
