"""Promotes a replica to primary and moves the group's endpoints to it.

Order matters, and is why this lives in one function: first the primary
endpoint stops routing (existing connections closed, new ones held), then the
best replica (lowest replica-priority, then largest replication offset;
priority 0 never) is promoted, the store records the new roles (so a
restarting old primary is configured as a replica before it can accept a
client), the other replicas follow the new primary, and only then does the
endpoint open again. A graceful failover (TestFailover with a live primary)
also pauses writes on the old primary and waits for the chosen replica to
catch up, so no acknowledged write is lost.

Threading: runs under the group's lock; callable from any thread.
"""

import time

from . import engines, health, ops, resp

# How long a graceful failover pauses the old primary's writes. The pause
# ends when it is demoted (normally well within a second); the timeout only
# matters when the manager dies in between, and a restarted manager demotes
# it (_resume).
PAUSE_MS = 15000


def _offset(info):
  return int(info.get("slave_repl_offset") or
             info.get("master_repl_offset") or 0)


def _replication_info(port, password):
  return resp.parse_info(resp.call1(port, "INFO", "replication",
                                    password=password, timeout=0.5))


def fail_over(m, group_id, reason, graceful=False):
  """Returns (True, new primary node id) or (False, why)."""
  with m.group_lock(group_id):
    group = m.store.get("groups", group_id)
    if group is None or group["Status"] == "deleting":
      return False, "group is being deleted"
    nodes = {n["id"]: n for n in m.group_nodes(group_id)}
    old = nodes[group["primary"]]
    replicas = [n for n in nodes.values()
                if n["id"] != old["id"] and n.get("desired") == "running"]
    if not replicas:
      return False, "the group has no replica to promote"
    old_alive = m.supervisor.alive(old["id"])
    if old_alive and not graceful:
      m.supervisor.kill_node(old["id"])   # see "Fencing" below; at once
    password = m.password_for(group_id)
    endpoint = m.endpoints.get(group_id)
    m.events.add("replication-group", group_id,
                 f"Failover from primary node {old['id']} started: {reason}")

    if endpoint:
      endpoint["primary"].set_targets([])
    # Fencing: before a replica is promoted the old primary must be unable
    # to acknowledge a write the new primary will not have. Left running,
    # it would take writes from clients connected straight to it (as
    # Sentinel clients are; on engine vireo its own listener also serves
    # the primary endpoint), replicas not yet re-pointed would acknowledge
    # them to WAIT, and its demotion would then drop them.
    # - A failover the health checks decided (the primary showed no sign of
    #   life for down-after) stops it with SIGKILL, whatever it does now: a
    #   primary that runs again (a flapping one: SIGSTOP/SIGCONT, a stall)
    #   is not trusted, and it is never asked anything (each call would
    #   wait for its timeout and keep writes down that long). The
    #   supervisor restarts it as a replica of the new primary.
    # - A graceful failover (TestFailover, SENTINEL FAILOVER) pauses writes
    #   on an old primary whose latest check was normal (CLIENT PAUSE
    #   WRITE), lets the chosen replica catch up, and demotes it before
    #   unpausing; if the pause cannot be set (it stopped answering, it is
    #   busy), it is stopped as above.
    paused = False
    target_offset = None
    if old_alive and graceful and m.health.responsive(old["id"]):
      try:
        resp.call1(old["port"], "CLIENT", "PAUSE", str(PAUSE_MS), "WRITE",
                   password=password, timeout=0.5)
        paused = True
      except (OSError, ConnectionError, resp.RespError):
        pass
      if paused and engines.native_endpoints(group["Engine"]) and \
          not m.set_endpoint_ports(old, []):
        paused = False   # it froze again: stop it
      if paused:
        try:
          target_offset = _offset(_replication_info(old["port"], password))
        except (OSError, ConnectionError, resp.RespError, ValueError):
          target_offset = None
    if old_alive and not paused:
      _fence(m, old, "its writes could not be paused for the failover"
             if graceful else "a primary failed over by the health checks "
             "is fenced, even if it answers again")
    # Steps (faults.POINTS["failover"]): before a replica is promoted an
    # interrupted failover is undone (the old primary unpaused); after,
    # it is finished (_resume).
    m.stats.inc("vireo_manager_failover_attempts_total")
    op = ops.begin(m, "failover", group_id,
                   {"old": old["id"], "paused": paused})

    candidates = _rank(m, replicas, password, target_offset)
    chosen = None
    for _, _, _, node in candidates:
      try:
        resp.call1(node["port"], "REPLICAOF", "NO", "ONE", password=password)
        chosen = node
        break
      except (OSError, ConnectionError, resp.RespError):
        continue

    if chosen is None:
      if paused:
        _quiet(old["port"], password, "CLIENT", "UNPAUSE")
      op.finish()
      if endpoint:
        endpoint["primary"].set_targets([old["port"]])
      m.refresh_reader(group_id)   # native endpoints: back to the old one
      m.events.add("replication-group", group_id,
                   "Failover failed: no healthy replica could be promoted")
      return False, "no healthy replica could be promoted"
    op.step("promoted", chosen=chosen["id"])
    _complete(m, op, paused)
    m.stats.inc("vireo_manager_failovers_total")
    m.events.add("replication-group", group_id,
                 f"Failover to replica node {chosen['id']} completed")
    m.events.add("cache-cluster", chosen["id"],
                 "Promoted to primary by failover")
    return True, chosen["id"]


def _complete(m, op, old_answers):
  """The steps after the promotion: demote, record, re-point, reopen."""
  group_id = op.doc["group"]
  group = m.store.get("groups", group_id)
  old = m.store.get("nodes", op.data["old"])
  chosen = m.store.get("nodes", op.data["chosen"])
  password = m.password_for(group_id)
  if old_answers:
    # First of all, so the old primary never takes a write the new one
    # does not have once its pause ends; one that cannot be demoted (it
    # stopped answering) is stopped instead.
    try:
      resp.call1(old["port"], "REPLICAOF", "127.0.0.1", str(chosen["port"]),
                 password=password, timeout=0.5)
    except (OSError, ConnectionError, resp.RespError):
      _fence(m, old, "the old primary could not be demoted")
    else:
      if op.data.get("paused"):
        _quiet(old["port"], password, "CLIENT", "UNPAUSE")
  if engines.native_endpoints(group["Engine"]) and not op.done("recorded"):
    # The new primary takes the primary endpoint before the store names
    # it, so a client that sees the new roles finds the endpoint served.
    m.set_endpoint_ports(chosen, [group["primary_port"]])
  if not op.done("recorded"):
    op.step("recorded", [
        ("update", "nodes", chosen["id"], {"role": "primary"}),
        ("update", "nodes", old["id"], {"role": "replica"}),
        ("update", "groups", group_id,
         {"primary": chosen["id"], "epoch": group.get("epoch", 0) + 1})])
  for node in m.group_nodes(group_id):
    if (node["id"] not in (chosen["id"], old["id"]) and
        node.get("desired") == "running" and
        m.supervisor.alive(node["id"]) and m.health.answering(node["id"])):
      _quiet(node["port"], password, "REPLICAOF", "127.0.0.1",
             str(chosen["port"]))
  op.step("repointed")
  op.finish()
  endpoint = m.endpoints.get(group_id)
  if endpoint:
    endpoint["primary"].set_targets([chosen["port"]])
  m.refresh_reader(group_id)
  m.sentinel_publish("+switch-master",
                     f"{group_id} 127.0.0.1 {old['port']} 127.0.0.1 "
                     f"{chosen['port']}")


def _resume(m, op):
  group_id = op.doc["group"]
  with m.group_lock(group_id):
    old = m.store.get("nodes", op.data["old"])
    if (m.store.get("groups", group_id) is None or old is None or
        (op.done("promoted") and
         m.store.get("nodes", op.data.get("chosen", "")) is None)):
      op.finish()
      return
    old_answers = m.supervisor.alive(old["id"])
    if not op.done("promoted"):
      if op.data.get("paused") and old_answers:
        _quiet(old["port"], m.password_for(group_id), "CLIENT", "UNPAUSE")
      op.finish()
      m.events.add("replication-group", group_id,
                   "Failover interrupted by a manager restart before a "
                   "replica was promoted: undone")
      return
    _complete(m, op, old_answers)
  m.events.add("replication-group", group_id,
               f"Failover to replica node {op.data['chosen']} completed "
               "after a manager restart")


ops.register("failover", _resume)


def _rank(m, replicas, password, target_offset):
  """Live candidates sorted best first; waits (up to 2 s) for catch-up."""
  deadline = time.monotonic() + 2.0
  while True:
    ranked = []
    for node in replicas:
      if (not m.supervisor.alive(node["id"]) or
          not m.health.answering(node["id"])):
        continue
      try:
        info = _replication_info(node["port"], password)
      except (OSError, ConnectionError, resp.RespError, ValueError):
        continue
      # The node's own replica-priority (CONFIG SET on it), as Sentinel.
      priority = health.replica_priority(info, node)
      if priority == 0:
        continue
      ranked.append((priority, -_offset(info), node["id"], node))
    ranked.sort(key=lambda t: t[:3])
    caught_up = target_offset is None or (
        ranked and -ranked[0][1] >= target_offset)
    if caught_up or time.monotonic() > deadline:
      if target_offset is not None and ranked:
        # Prefer a replica that has everything the paused primary had.
        ranked.sort(key=lambda t: (-t[1] < target_offset,) + t[:3])
      return ranked
    time.sleep(0.02)


def _fence(m, node, why):
  """Stops a node with SIGKILL (it restarts in the role the store gives
  it); never waits on it."""
  m.supervisor.kill_node(node["id"])
  m.events.add("cache-cluster", node["id"], f"Stopped: {why}")


def _quiet(port, password, *args):
  try:
    resp.call1(port, *args, password=password)
  except (OSError, ConnectionError, resp.RespError):
    pass
