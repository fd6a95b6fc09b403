"""The Manager: wires store, supervisor, health checks, endpoints and Sentinel.

It is also the place where their decisions meet: what to do when a node dies
(fail over first if it was a primary), how a node restarts (in the role the
store gives it), what the endpoints point at after each health round. Actions
of the API live in groups.py, snapshots.py, paramgroups.py and metrics.py and
call into this object.

Threading: every method is safe from any thread. Changes to one group
(create, delete, failover, node start, modify) happen under that group's
lock, taken before the store's internal lock, never the other way round.
"""

import os
import secrets
import subprocess
import sys
import threading
import time

from . import (engines, failover, groups, listen, ops, paramgroups, ports,
               resp, snapshots)
from .forwarder import ForwardedEndpoint, ForwarderProcess
from .nat import NatTable
from . import nat
from .events import Events
from .metrics import ManagerStats
from .health import HealthMonitor, replica_priority
from .netloop import NetLoop
from .sentinel import SentinelServer
from .store import Store
from .supervisor import Supervisor


CREATE_TIMEOUT = 60.0   # seconds a group may stay "creating"
CRASH_LOOP_CLEAR_SECONDS = 3.0   # up this long after a crash loop: recovered


def _endpoint_mode(wanted):
  """("nat" or "forwarder", why) for engine redis endpoints. "auto" takes
  NAT rules when this host can (root, nft, conntrack), else the forwarder;
  "nat" asked for and not possible raises OSError."""
  if wanted == "forwarder":
    return "forwarder", "asked for with --endpoint-mode forwarder"
  why = nat.available()
  if why is None:
    return "nat", "root, nft and conntrack work"
  if wanted == "nat":
    raise OSError(f"--endpoint-mode nat: {why}")
  return "forwarder", why


class Manager:
  def __init__(self, data_dir, node_ports=(30000, 30999), sentinel_port=None,
               health_interval=0.2, down_after=1.0, stop_nodes_on_exit=False,
               metrics_interval=1.0, logger=None, endpoint_mode="auto"):
    self.data_dir = os.path.abspath(data_dir)
    for sub in ("nodes", "snapshots"):
      os.makedirs(os.path.join(self.data_dir, sub), exist_ok=True)
    self.node_ports = node_ports
    self.sentinel_port = sentinel_port
    self.down_after = down_after
    self.stop_nodes_on_exit = stop_nodes_on_exit
    self.metrics_interval = metrics_interval
    self._logger = logger or (lambda msg: print(msg, file=sys.stderr))
    self.store = Store(self.data_dir)
    self.stats = ManagerStats()
    self.admin_suffix = self._admin_suffix()
    resp.set_command_renames({
        c: engines.admin_name(c, self.admin_suffix)
        for c in engines.ADMIN_COMMANDS})
    self.events = Events(self.store)
    self.netloop = NetLoop()
    self.supervisor = Supervisor(self)
    self.health = HealthMonitor(self, health_interval, down_after)
    self.sentinel = None         # in-process Sentinel listener, or
    self.sentinel_proc = None    # the Sentinel process (sentinel_proc.py)
    # Set by main() before start(): the Sentinel process's arguments; when
    # None (a Manager built without main) the port is served in-process.
    self.sentinel_args = None
    self._last_sentinel_check = 0.0
    # Engine redis groups' endpoints: {"primary": E, "reader": E} per group
    # id, served by the vireo-forwarder process (forwarder.py).
    # Served by kernel NAT rules when this host allows it (nat.py), else by
    # the vireo-forwarder process (forwarder.py); both have one interface.
    self.endpoints = {}
    self.endpoint_mode, why = _endpoint_mode(endpoint_mode)
    self.forwarder = (NatTable(self) if self.endpoint_mode == "nat"
                      else ForwarderProcess(self))
    self._endpoint_mode_note = why
    self._last_forwarder_check = 0.0
    self._served = {}            # node id -> endpoint ports it serves
    self._locks = {}
    self._locks_lock = threading.Lock()
    self._reserved = set()       # ports handed out but not yet stored
    self._died_at = {}           # node id -> time.monotonic() of death
    self._failover_after = {}    # group id -> earliest retry time
    self._last_slow_tick = 0.0
    self.metrics = None

  # --- lifecycle ------------------------------------------------------------
  def start(self):
    from .metrics import MetricsSampler
    self.netloop.start()
    self.log(f"engine redis endpoints: {self.endpoint_mode} "
             f"({self._endpoint_mode_note})")
    paramgroups.ensure_default(self)
    if self.sentinel_port and self.sentinel_args is not None:
      # Its own process, so that it keeps answering while the manager is
      # stopped or restarted (adopted when it already runs).
      from .sentinel_proc import SentinelProcess
      self.sentinel_proc = SentinelProcess(self, self.sentinel_port,
                                           self.sentinel_args)
      self.sentinel_proc.ensure()
    elif self.sentinel_port:
      self.sentinel = SentinelServer(self, self.netloop, self.sentinel_port)
      self.netloop.run(self.sentinel.open())
    # The forwarder's table is rebuilt from the store in one go and applied
    # once, so an adopted forwarder never drops an endpoint in between.
    self.forwarder.deferred = True
    for group in self.store.list("groups"):
      if group["Status"] in ("deleting", "create-failed"):
        continue
      self.open_endpoints(group)
    self.forwarder.deferred = False
    if self.forwarder.table or self.forwarder.running():
      try:
        self.forwarder.ensure()
        self.forwarder.push()
      except OSError as e:
        self.log(f"cannot serve the engine redis endpoints "
                 f"({self.endpoint_mode}): {e}")
    self.forwarder.previous = {}
    self._retire_other_endpoint_mode()
    # Adopt the node processes that outlived the previous manager (and stop
    # those no node wants), then finish or undo what it was doing.
    self.supervisor.adopt_all()
    ops.resume_all(self)
    self._sweep_statuses()
    self.supervisor.start()
    self.health.start()
    self.metrics = MetricsSampler(self, self.metrics_interval)
    self.metrics.start()

  def _retire_other_endpoint_mode(self):
    """A manager of this data directory that ran in the other endpoint
    mode left its endpoints serving (NAT rules or a forwarder process):
    now that this mode serves them, the other goes, so the two never both
    claim an endpoint port (NAT rules would shadow the forwarder for good)."""
    if self.endpoint_mode == "nat":
      old = ForwarderProcess(self)
      if old.running() and (not self.forwarder.table or
                            self.forwarder.running()):
        self.log("engine redis endpoints now NAT rules: stopping the "
                 "vireo-forwarder an earlier manager left running")
        old.stop()
    else:
      try:
        if nat.retire(self):
          self.log("engine redis endpoints now served by vireo-forwarder: "
                   "removed the NAT table an earlier manager left")
      except (OSError, subprocess.SubprocessError) as e:
        self.log(f"cannot remove the NAT table of an earlier manager: {e}")

  def stop(self):
    if self.metrics:
      self.metrics.stop()
    self.health.stop()
    self.supervisor.stop(self.stop_nodes_on_exit)
    if self.stop_nodes_on_exit:
      # Otherwise the forwarder keeps serving the endpoints, as the nodes
      # keep running, for the next manager to adopt.
      self.forwarder.stop()
    if self.sentinel:
      self.netloop.run(self.sentinel.close())
    if self.sentinel_proc and self.stop_nodes_on_exit:
      self.sentinel_proc.stop()
    self.netloop.stop()
    self.store.close()

  def _sweep_statuses(self):
    """After resume_all: a status no operation will end is ended here (a
    crash between an operation's last step and the status it leaves)."""
    for group in self.store.list("groups"):
      gid = group["ReplicationGroupId"]
      if ops.pending(self, gid):
        continue
      if group["Status"] == "snapshotting":
        self.store.update("groups", gid, Status="available")
      elif group["Status"] == "deleting":
        with self.group_lock(gid):
          groups._destroy(self, gid)
    taking = {o["data"].get("name") for o in self.store.list("ops")
              if o["kind"] == "snapshot"}
    for snap in self.store.list("snapshots"):
      name = snap["SnapshotName"]
      if (snap["SnapshotStatus"] == "creating" and name not in taking) or \
          snap["SnapshotStatus"] == "copying":
        # A copy (one file copy, not journaled) cut short: its file may be
        # partial.
        snapshots.discard_partial(self, name)
        self.events.add("snapshot", name, "Snapshot interrupted by a "
                        "manager restart: failed")

  def log(self, msg):
    self._logger(f"vireo-manager: {msg}")

  # --- shared helpers -------------------------------------------------------
  def _admin_suffix(self):
    """The secret part of admin command names, kept in the store so that a
    restarted manager still reaches the nodes it adopts."""
    doc = self.store.get("settings", "admin")
    if not doc:
      doc = {"suffix": secrets.token_hex(12)}
      if not self.store.insert("settings", "admin", doc):
        doc = self.store.get("settings", "admin")
    return doc["suffix"]

  def admin_commands(self, binary):
    """The admin commands (engines.ADMIN_COMMANDS) that `binary` has."""
    ports = self.alloc_ports(1)
    if ports is None:
      raise RuntimeError("no free port to probe the engine's commands")
    try:
      have = engines.commands(binary, ports[0],
                              os.path.join(self.data_dir, "nodes"))
    finally:
      self.release_ports(ports)
    return [c for c in engines.ADMIN_COMMANDS if c in have]

  def group_lock(self, group_id):
    with self._locks_lock:
      return self._locks.setdefault(group_id, threading.RLock())

  def group_nodes(self, group_id):
    return sorted((n for n in self.store.list("nodes")
                   if n["group"] == group_id), key=lambda n: n["index"])

  def password_for(self, group_id):
    """What the manager's connections to a group's nodes authenticate
    with: its own ACL user when the group has user groups (users.py), else
    the group's AUTH token (None: no AUTH)."""
    group = self.store.get("groups", group_id)
    if group and group.get("UserGroupIds"):
      from .users import MANAGER_USER
      return (MANAGER_USER, group["manager_secret"])
    tokens = (group or {}).get("auth_tokens") or [None]
    return tokens[0]

  def param_overrides(self, group):
    pg = self.store.get("param_groups", group.get("CacheParameterGroupName")
                        or paramgroups.DEFAULT_NAME)
    return (pg or {}).get("overrides", {})

  def alloc_ports(self, count):
    """Reserves `count` free ports from the node range (release_ports undoes)."""
    with self._locks_lock:
      used = set(self._reserved)
      for n in self.store.list("nodes"):
        used.add(n["port"])
      for g in self.store.list("groups"):
        used.update((g.get("primary_port"), g.get("reader_port")))
      got = []
      for port in range(self.node_ports[0], self.node_ports[1] + 1):
        if port in used or port == self.sentinel_port:
          continue
        if _port_usable(port):
          got.append(port)
          if len(got) == count:
            self._reserved.update(got)
            return got
      return None

  def release_ports(self, ports):
    with self._locks_lock:
      self._reserved.difference_update(ports)

  def api_errors(self, code):
    """Called by api.py for every error answer (a metric)."""
    self.stats.inc("vireo_manager_api_errors_total", code=code)

  def sentinel_publish(self, channel, message):
    if self.sentinel:
      self.sentinel.publish(channel, message)

  # --- endpoints ------------------------------------------------------------
  def open_endpoints(self, group):
    if engines.native_endpoints(group["Engine"]):
      # The nodes serve the endpoint ports themselves: nothing runs here,
      # so the endpoints keep serving while the manager is down.
      self.refresh_reader(group["ReplicationGroupId"])
      return
    # Served by the vireo-forwarder process, which outlives the manager.
    fwd = self.forwarder
    primary = ForwardedEndpoint(fwd, group["primary_port"], "primary")
    reader = ForwardedEndpoint(fwd, group["reader_port"], "reader")
    if not fwd.deferred:
      fwd.ensure()   # raises OSError when it cannot run
    self.endpoints[group["ReplicationGroupId"]] = {"primary": primary,
                                                   "reader": reader}
    node = self.store.get("nodes", group["primary"])
    primary.set_targets([node["port"]] if node else [])
    kept = fwd.previous.get(group["reader_port"])
    if kept and kept[0] == "reader" and kept[1]:
      # An adopted forwarder keeps its reader targets until the health
      # checks have seen the nodes (refresh_reader), so the reader
      # connections survive a manager restart.
      reader.set_targets(kept[1])
    else:
      reader.set_targets([node["port"]] if node else [])
      self.refresh_reader(group["ReplicationGroupId"])

  def close_endpoints(self, group_id):
    eps = self.endpoints.pop(group_id, None)
    if eps:
      for ep in eps.values():
        ep.close()

  def refresh_reader(self, group_id):
    """Points the reader endpoint at the in-sync replicas (the primary when
    there are none); on native endpoints also (re)assigns the primary's."""
    group = self.store.get("groups", group_id)
    if not group:
      return
    readers = []
    for n in self.group_nodes(group_id):
      if n["id"] == group["primary"]:
        continue
      h = self.health.view(n["id"])
      if (n.get("desired") == "running" and self.health.healthy(n["id"])
          and h.role == "slave" and h.link_up):
        readers.append(n)
    if not readers:
      readers = [n for n in [self.store.get("nodes", group["primary"])] if n]
    if engines.native_endpoints(group["Engine"]):
      self._serve_endpoints(group, {n["id"] for n in readers})
      return
    eps = self.endpoints.get(group_id)
    if eps:
      unseen = any(n.get("desired") == "running" and
                   self.supervisor.alive(n["id"]) and
                   self.health.view(n["id"]).state == "unknown"
                   for n in self.group_nodes(group_id))
      if unseen and eps["reader"].targets():
        return   # not every node checked yet (a manager restart): keep
      eps["reader"].set_targets([n["port"] for n in readers])

  def endpoint_ports_at_start(self, node, group, as_primary):
    """The endpoint ports a node starting now serves (native endpoints):
    the primary takes both; a replica waits until it is in sync."""
    if not engines.native_endpoints(group["Engine"]):
      return []
    ports = [group["primary_port"], group["reader_port"]] if as_primary \
        else []
    self._served[node["id"]] = ports
    return ports

  def _serve_endpoints(self, group, readers):
    """Tells each node which endpoint ports to serve (CONFIG SET
    vireo-endpoint-ports), where that changed. A node that does not answer
    is skipped (the failover fences a hung primary by killing it)."""
    for n in self.group_nodes(group["ReplicationGroupId"]):
      if n.get("desired") != "running" or not self.supervisor.alive(n["id"]):
        continue
      want = []
      if n["id"] == group["primary"]:
        want.append(group["primary_port"])
      if n["id"] in readers:
        want.append(group["reader_port"])
      if self._served.get(n["id"]) == want or \
          not self.health.answering(n["id"]):
        continue
      if self.set_endpoint_ports(n, want):
        self.events.add("cache-cluster", n["id"],
                        "Serves endpoint ports " +
                        (", ".join(map(str, want)) or "none"))

  def set_endpoint_ports(self, node, ports):
    try:
      resp.call1(node["port"], "CONFIG", "SET", "vireo-endpoint-ports",
                 " ".join(map(str, ports)),
                 password=self.password_for(node["group"]), timeout=0.5)
    except (OSError, ConnectionError, resp.RespError) as e:
      self.log(f"cannot set the endpoint ports of {node['id']}: {e}")
      return False
    self._served[node["id"]] = list(ports)
    return True

  # --- decisions --------------------------------------------------------------
  def on_node_died(self, node, exit_status=None, deaths=1):
    """Called by the supervisor when it notices a node process is gone."""
    from .supervisor import log_tail
    self._died_at[node["id"]] = time.monotonic()
    self.stats.inc("vireo_manager_node_exits_total")
    self.health.mark_gone(node["id"])
    self._served.pop(node["id"], None)
    how = (f"with status {exit_status}" if exit_status is not None and
           exit_status >= 0 else f"on signal {-exit_status}"
           if exit_status is not None else "")
    loop = f" ({deaths} quick exits in a row)" if deaths > 1 else ""
    self.events.add("cache-cluster", node["id"],
                    f"Cache node process exited {how}{loop}; it will be "
                    f"restarted. {log_tail(node['dir'], 2)}")
    group = self.store.get("groups", node["group"])
    if group and group.get("primary") == node["id"]:
      self.health.kick()   # fail over now rather than after down-after

  def on_health_change(self, node, before, after, process_state):
    """Events for changes a health check sees (the health thread)."""
    if after == "busy":
      msg = ("Cache node is busy (a long command or script, or loading): "
             "it is alive and is not failed over")
    elif after == "silent":
      why = {"T": "its process is stopped", "t": "its process is stopped"
             }.get(process_state, "its process shows no activity")
      msg = f"Cache node does not answer health checks and {why}"
    else:
      msg = "Cache node answers health checks again"
    self.events.add("cache-cluster", node["id"], msg)

  def node_status(self, node):
    """A member's status (ElastiCache CacheNodeStatus values, plus "busy")."""
    desired = node.get("desired")
    if desired == "creating":
      return "creating"
    if desired != "running":
      return "deleting"
    alive = self.supervisor.alive(node["id"])
    state = self.health.view(node["id"]).state
    deaths = self.supervisor.crash_looping(node["id"])
    # After quick exits in a row the node counts as failed until it has
    # run and answered for a while, so a crash loop never reads available.
    if deaths >= 2 and not (alive and state == "ok" and
                            self.supervisor.uptime(node["id"]) >
                            CRASH_LOOP_CLEAR_SECONDS):
      from .supervisor import log_tail
      tail = log_tail(node["dir"]).lower()
      if "address already in use" in tail or "listening socket" in tail:
        return "incompatible-network"
      return "failed"
    if not alive:
      return "rebooting"
    if state == "ok":
      return "available" if self.health.healthy(node["id"]) else "rebooting"
    if state == "busy":
      return "busy"
    if state == "unknown":
      return "available" if self.health.healthy(node["id"]) else "rebooting"
    return "failed"

  def group_status(self, group, statuses):
    """What DescribeReplicationGroups shows: the stored status while an
    operation runs; otherwise derived from the primary's health, so a group
    whose primary is down or crash-looping is never "available"."""
    status = group["Status"]
    if status != "available":
      return status
    primary = statuses.get(group["primary"])
    if primary in ("available", "busy", None):
      return "available"
    if primary == "incompatible-network":
      return "incompatible-network"
    return "modifying"    # recovery in progress: restart or failover

  def restart_node(self, node):
    """Called by the supervisor when a stopped node is due to (re)start."""
    with self.group_lock(node["group"]):
      node = self.store.get("nodes", node["id"])
      group = node and self.store.get("groups", node["group"])
      if not group or node.get("desired") != "running":
        return
      is_primary = group["primary"] == node["id"]
      if is_primary and not node.get("rdb_current"):
        # The store's primary died (a crash: its data is gone, nodes keep
        # none). Restarting it as primary would hand the replicas an empty
        # or old data set, so while any other member runs, one of them is
        # promoted instead (after_health_round) and this node comes back as
        # its replica. Decided from the store and the processes, not from
        # memory, so a restarted manager decides the same way. Only when no
        # member runs (all data is gone anyway) does it restart as primary.
        others_alive = any(self.supervisor.alive(n["id"])
                           for n in self.group_nodes(group["ReplicationGroupId"])
                           if n["id"] != node["id"])
        if others_alive:
          self.health.kick()
          return
      if not is_primary and not _port_usable(node["port"]):
        # Another socket holds the replica's port (an outgoing connection
        # given it by the kernel while the node was down, say): it would
        # exit at every start and never come back. It moves instead (its
        # clients use the reader endpoint, which follows). A primary keeps
        # its port and shows incompatible-network (node_status): with
        # other members alive it is failed over first (after_health_round)
        # and then comes back here as a replica; alone it has no data to
        # lose by waiting for the operator.
        node = self._move_node(node)
        if node is None:
          return
      primary_port = None
      if not is_primary:
        primary_port = self.store.get("nodes", group["primary"])["port"]
      try:
        self.supervisor.start_node(node, primary_port, wait=False)
        self.stats.inc("vireo_manager_node_restarts_total")
        self.events.add("cache-cluster", node["id"],
                        "Cache node restarted as " +
                        ("primary" if is_primary else "replica"))
      except OSError as e:
        self.log(f"cannot start {node['id']}: {e}")

  def _move_node(self, node):
    """Gives a stopped node a free port from the node range (the caller
    holds its group lock); returns the updated node, None when none is
    free (the next restart attempt tries again)."""
    got = self.alloc_ports(1)
    if got is None:
      self.log(f"cannot restart {node['id']}: port {node['port']} is taken "
               "and no port of the node range is free")
      return None
    try:
      self.store.update("nodes", node["id"], port=got[0])
    finally:
      self.release_ports(got)
    self.events.add("cache-cluster", node["id"],
                    f"Cache node moved from port {node['port']} to port "
                    f"{got[0]}: another process holds port {node['port']}")
    self.log(f"moved {node['id']} from port {node['port']} to {got[0]} "
             "(its port is taken)")
    return self.store.get("nodes", node["id"])

  def after_health_round(self):
    now = time.monotonic()
    for group in self.store.list("groups"):
      gid = group["ReplicationGroupId"]
      if group["Status"] in ("deleting", "create-failed"):
        continue
      primary = self.store.get("nodes", group["primary"])
      if primary is None:
        continue
      if (group["Status"] == "creating" and
          time.time() - group["created"] > CREATE_TIMEOUT and
          not ops.pending(self, gid)):
        self._create_timed_out(group)
        continue
      dead = not self.supervisor.alive(primary["id"])
      down = dead or not self.health.alive(primary["id"])
      # A primary process that is gone lost its data: a replica takes over
      # even with automatic failover off (restart_node will not bring the
      # old one back as primary). A silent but live primary is failed over
      # only when automatic failover is on.
      if (down and (group.get("AutomaticFailoverEnabled") or
                    (dead and len(self.group_nodes(gid)) > 1)) and
          group["Status"] != "creating" and
          now >= self._failover_after.get(gid, 0)):
        reason = ("primary process exited"
                  if not self.supervisor.alive(primary["id"])
                  else "primary did not answer health checks")
        ok, _ = failover.fail_over(self, gid, reason)
        if not ok:
          self._failover_after[gid] = now + self.down_after
        continue
      self._settle(group, primary, down)
    if self.sentinel_proc and now - self._last_sentinel_check > 1:
      self._last_sentinel_check = now
      self.sentinel_proc.ensure()   # restarts it if it died
    if self.endpoints and now - self._last_forwarder_check > 1:
      self._last_forwarder_check = now
      try:
        self.forwarder.ensure()   # restarts it if it died
      except OSError as e:
        self.log(f"cannot serve the engine redis endpoints "
                 f"({self.endpoint_mode}): {e}")
    if now - self._last_slow_tick > 15:
      self._last_slow_tick = now
      snapshots.auto_tick(self)

  def _create_timed_out(self, group):
    """A group that never came up (e.g. a resumed create whose node keeps
    crashing) ends as create-failed instead of creating forever."""
    from .supervisor import log_tail
    gid = group["ReplicationGroupId"]
    with self.group_lock(gid):
      primary = self.store.get("nodes", group["primary"])
      groups._stop_all(self, gid)
      self.store.update("groups", gid, Status="create-failed")
    self.events.add("replication-group", gid,
                    f"Create failed: not in sync after {CREATE_TIMEOUT:g} s; "
                    + (log_tail(primary["dir"]) if primary else ""))

  def _settle(self, group, primary, primary_down):
    """Fences stray primaries, updates status and endpoints of one group."""
    gid = group["ReplicationGroupId"]
    with self.group_lock(gid):
      group = self.store.get("groups", gid)
      if not group or group["primary"] != primary["id"]:
        return
      eps = self.endpoints.get(gid)
      if eps and not primary_down:
        eps["primary"].set_targets([primary["port"]])
      # The primary must have answered once: a node first seen is
      # given down-after before it counts as down, not taken as up.
      in_sync = (not primary_down and
                 self.health.view(primary["id"]).last_ok > 0)
      for n in self.group_nodes(gid):
        if n["id"] == primary["id"] or n.get("desired") != "running":
          continue
        h = self.health.view(n["id"])
        if not self.health.healthy(n["id"]) or h.role is None:
          in_sync = False
          continue
        if h.role != "slave" or h.master_port != primary["port"]:
          # A node the store calls a replica acts as a primary (it was
          # frozen through a failover) or follows the wrong node.
          in_sync = False
          if not primary_down:
            from . import resp
            try:
              resp.call1(n["port"], "REPLICAOF", "127.0.0.1",
                         str(primary["port"]),
                         password=self.password_for(gid))
              self.events.add("cache-cluster", n["id"],
                              "Re-pointed to the current primary")
            except (OSError, ConnectionError, resp.RespError):
              pass
        elif not h.link_up:
          in_sync = False
      if group["Status"] in ("creating", "modifying") and in_sync:
        self.store.update("groups", gid, Status="available")
        if group["Status"] == "creating":
          self.events.add("replication-group", gid,
                          "Replication group created")
      self.refresh_reader(gid)

  # --- Sentinel view ----------------------------------------------------------
  def sentinel_view(self, name):
    group = self.store.get("groups", name)
    if not group or group["Status"] in ("deleting", "create-failed"):
      return None
    primary = self.store.get("nodes", group["primary"])
    if not primary:
      return None
    now = time.monotonic()

    def age_ms(node_id):
      return int((now - self.health.view(node_id).last_ok) * 1000)

    # Sentinel clients connect to what it reports: the advertised address.
    ip = getattr(self, "advertise_address", None) or "127.0.0.1"
    replicas = []
    for n in self.group_nodes(name):
      if n["id"] == primary["id"]:
        continue
      h = self.health.view(n["id"])
      replicas.append({"ip": ip, "port": n["port"],
                       "up": self.health.healthy(n["id"]),
                       "link_up": h.link_up, "offset": h.offset,
                       "priority": replica_priority(h.info, n),
                       "last_ok_ms": age_ms(n["id"])})
    return {"name": name, "ip": ip, "port": primary["port"],
            "up": self.supervisor.alive(primary["id"]) and
            self.health.alive(primary["id"]),
            "replicas": replicas, "epoch": group.get("epoch", 0),
            "down_after_ms": int(self.down_after * 1000),
            "last_ok_ms": age_ms(primary["id"])}

  def sentinel_failover(self, name):
    ok, why = failover.fail_over(self, name, "SENTINEL FAILOVER",
                                 graceful=True)
    return ok, "ERR " + why if not ok else ""


def _port_usable(port):
  """A node could listen on `port` now, on every address nodes bind."""
  return all(ports.port_free(port, host) for host in listen.hosts())
