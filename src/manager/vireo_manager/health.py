"""Health checks: PING + INFO replication of every node at a fixed interval.

Keeps the latest view of each node (last good reply, reported role, offset,
link status) and after each round lets the manager act on it: fail over a
primary that is dead or silent for longer than down-after, re-point replicas
that follow the wrong primary (this is what fences an old primary that was
only frozen), mark groups available once their replicas are in sync, and
refresh the reader endpoints.

Threading: one background thread runs the rounds, checking nodes in parallel
on a small pool; kick() (any thread) starts a round at once. view() returns
copies and is thread-safe.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import resp


class NodeHealth:
  __slots__ = ("last_ok", "role", "offset", "link_up", "master_port",
               "runid", "info")

  def __init__(self):
    self.last_ok = 0.0       # monotonic time of the last good reply
    self.role = None         # "master" / "slave" as reported
    self.offset = 0
    self.link_up = False
    self.master_port = None
    self.runid = ""
    self.info = {}


class HealthMonitor:
  def __init__(self, manager, interval, down_after):
    self.m = manager
    self.interval = interval
    self.down_after = down_after
    self._lock = threading.Lock()
    self._health = {}
    self._kick = threading.Event()
    self._stop = threading.Event()
    self._pool = ThreadPoolExecutor(max_workers=8,
                                    thread_name_prefix="health")
    self._thread = threading.Thread(target=self._run, name="health",
                                    daemon=True)

  def start(self):
    self._thread.start()

  def stop(self):
    self._stop.set()
    self._kick.set()
    if self._thread.is_alive():
      self._thread.join(3)
    self._pool.shutdown(wait=False)

  def kick(self):
    self._kick.set()

  def view(self, node_id):
    with self._lock:
      h = self._health.get(node_id)
      if h is None:
        return NodeHealth()
      copy = NodeHealth()
      for k in NodeHealth.__slots__:
        setattr(copy, k, getattr(h, k))
      return copy

  def forget(self, node_id):
    with self._lock:
      self._health.pop(node_id, None)

  def healthy(self, node_id):
    return time.monotonic() - self.view(node_id).last_ok < self.down_after

  def _run(self):
    while not self._stop.is_set():
      self._kick.wait(self.interval)
      self._kick.clear()
      if self._stop.is_set():
        break
      try:
        self.round()
      except Exception as e:  # one bad round must not end health checking
        self.m.log(f"health: {e!r}")

  def round(self):
    nodes = [n for n in self.m.store.list("nodes")
             if n.get("desired") == "running"]
    timeout = max(0.1, min(self.interval, self.down_after / 2))
    futures = [(n, self._pool.submit(self._check, n, timeout)) for n in nodes]
    for node, fut in futures:
      fut.result()
    self.m.after_health_round()

  def _check(self, node, timeout):
    if not self.m.supervisor.alive(node["id"]):
      return
    try:
      ping, info = resp.call(node["port"], ["PING"], ["INFO", "replication"],
                             password=self.m.password_for(node["group"]),
                             timeout=timeout)
    except (OSError, ConnectionError, ValueError):
      return
    if ping != "PONG" or isinstance(info, resp.RespError):
      return
    fields = resp.parse_info(info)
    with self._lock:
      h = self._health.setdefault(node["id"], NodeHealth())
      h.last_ok = time.monotonic()
      h.role = fields.get("role")
      h.info = fields
      if h.role == "slave":
        h.offset = int(fields.get("slave_repl_offset", 0) or 0)
        h.link_up = fields.get("master_link_status") == "up"
        h.master_port = int(fields.get("master_port", 0) or 0)
      else:
        h.offset = int(fields.get("master_repl_offset", 0) or 0)
        h.link_up = False
        h.master_port = None
