"""Health checks: PING + INFO replication of every node at a fixed interval.

Keeps the latest view of each node (last good reply, reported role, offset,
link status) and after each round lets the manager act on it: fail over a
primary that is dead or silent for longer than down-after, re-point replicas
that follow the wrong primary (this is what fences an old primary that was
only frozen), mark groups available once their replicas are in sync, and
refresh the reader endpoints.

Slow is not dead. A node is *alive* when it answered (PONG, or -BUSY /
-LOADING: a long script or a load keeps it from serving, but it is there), or
when it did not answer in time but its process is running and used CPU
since the previous round (a long command: Redis answers nothing, not even
-BUSY, for the first busy-reply-threshold milliseconds). A node that does not
answer and whose process is stopped (SIGSTOP) or idle (hung) is not alive;
down-after counts from the last time it was. Nodes that are alive but not
answering are "busy" and get neither reads routed to them nor a failover.
The CPU check needs the node on this host (it is: nodes are local processes).

Threading: one background thread runs the rounds, checking nodes in parallel
on a small pool without waiting long for any one (a hung node's check runs
out its timeout on its own); kick() (any thread) starts a round at once, and
a silent node's down-after deadline wakes the thread to decide on time. view() returns
copies and is thread-safe.
"""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from . import resp


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def replica_priority(info, node):
  """A replica's replica-priority as the node itself reports it (INFO
  replication's slave_priority, which CONFIG SET replica-priority changes),
  as Sentinel reads it; the store's value when the node has not said.
  0 means never promote; among the others the lowest wins."""
  try:
    return int(info["slave_priority"])
  except (KeyError, TypeError, ValueError):
    return node.get("priority", 100)


class NodeHealth:
  __slots__ = ("last_ok", "last_alive", "state", "role", "offset", "link_up",
               "master_port", "runid", "info", "cpu", "check_ms")

  def __init__(self):
    self.last_ok = 0.0       # monotonic time of the last good reply
    self.last_alive = 0.0    # ... of the last sign of life (see above)
    self.state = "unknown"   # ok, busy (answers -BUSY/-LOADING or is slow
                             # but running), silent (no sign of life)
    self.role = None         # "master" / "slave" as reported
    self.offset = 0
    self.link_up = False
    self.master_port = None
    self.runid = ""
    self.info = {}
    self.cpu = None          # process CPU ticks at the previous round
    self.check_ms = 0.0      # how long the last check took


def process_state(pid):
  """(state letter, CPU ticks) of a process from /proc, or (None, None)."""
  try:
    with open(f"/proc/{pid}/stat") as f:
      fields = f.read().rsplit(") ", 1)[1].split()
    return fields[0], int(fields[11]) + int(fields[12])
  except (OSError, IndexError, ValueError):
    return None, None


def process_from_pid_file(pid_file):
  """(pid, cwd, argv) of the live process a pid file names, or None when the
  file is unreadable or the process is gone or a zombie. Callers check cwd
  and argv: a pid may have been reused by another program."""
  try:
    with open(pid_file) as f:
      pid = int(f.read())
    cwd = os.readlink(f"/proc/{pid}/cwd")
    with open(f"/proc/{pid}/cmdline", "rb") as f:
      argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
  except (OSError, ValueError):
    return None
  if process_state(pid)[0] in (None, "Z", "X"):
    return None
  return pid, cwd, argv


class HealthMonitor:
  def __init__(self, manager, interval, down_after):
    self.m = manager
    self.interval = interval
    self.down_after = down_after
    self._lock = threading.Lock()
    self._health = {}
    self._kick = threading.Event()
    self._stop = threading.Event()
    self._inflight = {}   # node id -> Future of its check (health thread)
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

  def mark_gone(self, node_id):
    """The process exited: what was seen of it is no longer true."""
    with self._lock:
      h = self._health.get(node_id)
      if h:
        h.state, h.cpu, h.last_ok, h.last_alive = "silent", None, 0.0, 0.0

  def forget(self, node_id):
    with self._lock:
      self._health.pop(node_id, None)

  def healthy(self, node_id):
    """Answered normally within down-after: may serve reads."""
    return time.monotonic() - self.view(node_id).last_ok < self.down_after

  def alive(self, node_id):
    """Showed a sign of life within down-after (slow is not dead)."""
    return time.monotonic() - self.view(node_id).last_alive < self.down_after

  def latencies(self):
    """Milliseconds each node's last check took (metrics)."""
    with self._lock:
      return {k: h.check_ms for k, h in self._health.items()}

  def responsive(self, node_id):
    """Its latest check got a normal reply, within down-after: what a
    failover must know before it sends the old primary anything (a node
    not checked yet, busy or silent is not)."""
    h = self.view(node_id)
    return h.state == "ok" and time.monotonic() - h.last_ok < self.down_after

  def answering(self, node_id):
    """Healthy, or not checked yet (just after a manager restart): whether
    it is worth sending the node a command that waits for its reply."""
    last_ok = self.view(node_id).last_ok
    return last_ok == 0.0 or time.monotonic() - last_ok < self.down_after

  def _run(self):
    while not self._stop.is_set():
      wait, deadline = self._next_wait()
      kicked = self._kick.wait(wait)
      self._kick.clear()
      if self._stop.is_set():
        break
      try:
        if deadline and not kicked:
          # A silent node's down-after just ran out: decide now, on what
          # is known, instead of at the next round.
          self.m.after_health_round()
        else:
          self.round()
      except Exception as e:  # one bad round must not end health checking
        self.m.log(f"health: {e!r}")

  def _next_wait(self):
    """(seconds to wait, whether the wake-up is a down-after deadline)."""
    now = time.monotonic()
    with self._lock:
      deadlines = [h.last_alive + self.down_after
                   for h in self._health.values()
                   if h.state == "silent" and h.last_alive > 0]
    future = [d for d in deadlines if d > now]
    if future and min(future) - now < self.interval:
      return min(future) - now + 0.002, True
    return self.interval, False

  def round(self):
    """Starts a check of every node (except those whose previous check is
    still waiting for an answer) and decides after a short wait: a node
    that does not answer never holds the decisions about the others; its
    check finishes (or times out) on its own and updates its view."""
    nodes = [n for n in self.m.store.list("nodes")
             if n.get("desired") == "running"]
    now = time.monotonic()
    with self._lock:
      for n in nodes:
        if n["id"] not in self._health:
          # First seen (a new node, or every node after a manager
          # restart): down-after counts from now, not from a sign of life
          # this manager never had a chance to see.
          h = self._health[n["id"]] = NodeHealth()
          h.last_alive = now
    timeout = max(0.1, min(self.interval, self.down_after / 2))
    futures = []
    for n in nodes:
      running = self._inflight.get(n["id"])
      if running is not None and not running.done():
        continue
      fut = self._pool.submit(self._check, n, timeout)
      self._inflight[n["id"]] = fut
      futures.append(fut)
    wait(futures, timeout=min(0.05, timeout))
    for node_id in [k for k, f in self._inflight.items() if f.done()]:
      del self._inflight[node_id]
    self.m.after_health_round()

  def _check(self, node, timeout):
    if not self.m.supervisor.alive(node["id"]):
      return
    started = time.monotonic()
    try:
      ping, info = resp.call(node["port"], ["PING"], ["INFO", "replication"],
                             password=self.m.password_for(node["group"]),
                             timeout=timeout)
    except (OSError, ConnectionError, ValueError):
      ping = info = None
    now = time.monotonic()
    pid = self.m.supervisor.pid(node["id"])
    pstate, cpu = process_state(pid) if pid else (None, None)
    with self._lock:
      h = self._health.setdefault(node["id"], NodeHealth())
      h.check_ms = (now - started) * 1000
    self.m.stats.health_check(now - started)
    with self._lock:
      prev_cpu, h.cpu = h.cpu, cpu
      before = h.state
      if ping == "PONG" and not isinstance(info, resp.RespError):
        h.state = "ok"
        h.last_ok = h.last_alive = now
        fields = resp.parse_info(info)
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
      elif isinstance(ping, resp.RespError) and str(ping).split(" ", 1)[0] \
          in ("BUSY", "LOADING"):
        h.state = "busy"
        h.last_alive = now
      elif pstate == "R" or (
          pstate not in (None, "T", "t", "Z", "X") and cpu is not None and
          prev_cpu is not None and cpu > prev_cpu):
        # Slow: running, working, not answering. A runnable process ("R")
        # whose CPU time did not move only waited for a CPU (a loaded host
        # gives it none for a round): still working.
        h.state = "busy"
        h.last_alive = now
      else:
        h.state = "silent"
      after = h.state
    if before != after and before != "unknown":
      self.m.on_health_change(node, before, after, pstate)
