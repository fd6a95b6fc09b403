"""A Redis Sentinel protocol listener backed by the manager's own state.

Sentinel-aware clients (redis-py's Sentinel, Jedis, ioredis...) ask it where
a group's primary is, using the group id as the master name: SENTINEL
get-master-addr-by-name / masters / master / replicas (slaves) / sentinels,
PING, and SUBSCRIBE/PSUBSCRIBE to hear "+switch-master <name> <old ip> <old
port> <new ip> <new port>" after a failover. There is one "sentinel" (this
manager), so quorum is 1 and there are no other sentinels.

Threading: the server runs on the NetLoop; publish() may be called from any
thread. State is read through manager.sentinel_view(name), which is
thread-safe.
"""

import asyncio
import fnmatch
import hashlib

from . import listen
from .resp import encode_reply, error, simple

MAX_ARGS = 64
MAX_LINE = 64 * 1024


class SentinelServer:
  def __init__(self, manager, netloop, port):
    self.m = manager
    self.netloop = netloop
    self.port = port
    self._server = None
    self._subs = {}   # writer -> (set of channels, set of patterns)
    self.myid = hashlib.sha1(f"vireo-manager:{port}".encode()).hexdigest()

  async def open(self):
    self._server = await asyncio.start_server(self._serve, listen.hosts(),
                                              self.port, reuse_address=True)

  async def close(self):
    if self._server:
      self._server.close()
      for w in list(self._subs):
        w.close()
      await self._server.wait_closed()

  def publish(self, channel, message):
    """Thread-safe."""
    self.netloop.post(self._publish, channel, message)

  def _publish(self, channel, message):
    for w, (chans, pats) in list(self._subs.items()):
      if channel in chans:
        w.write(encode_reply(["message", channel, message]))
      for p in pats:
        if fnmatch.fnmatchcase(channel, p):
          w.write(encode_reply(["pmessage", p, channel, message]))

  async def _serve(self, reader, writer):
    try:
      while True:
        args = await _read_command(reader)
        if args is None:
          break
        if not args:
          continue
        reply = self._dispatch(writer, args)
        if reply is None:
          break
        writer.write(reply)
        await writer.drain()
    except (OSError, ValueError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError):
      pass
    finally:
      self._subs.pop(writer, None)
      writer.close()

  def _dispatch(self, writer, args):
    cmd = args[0].lower()
    if cmd == "ping":
      return simple("PONG") if len(args) == 1 else encode_reply(args[1])
    if cmd in ("subscribe", "psubscribe", "unsubscribe", "punsubscribe"):
      return self._subscription(writer, cmd, args[1:])
    if writer in self._subs and any(self._subs[writer]):
      return error(f"ERR Can't execute '{cmd}': only (P|S)SUBSCRIBE / "
                   "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                   "this context")
    if cmd == "quit":
      writer.write(simple("OK"))
      return None
    if cmd == "sentinel":
      return self._sentinel(args[1:])
    if cmd in ("client", "auth", "hello", "select"):
      return simple("OK")
    if cmd == "info":
      names = [g["ReplicationGroupId"] for g in self.m.store.list("groups")]
      body = ("# Sentinel\r\nsentinel_masters:%d\r\nsentinel_tilt:0\r\n"
              "sentinel_running_scripts:0\r\n" % len(names))
      for i, name in enumerate(names):
        v = self.m.sentinel_view(name)
        if v:
          body += (f"master{i}:name={name},status=ok,address={v['ip']}:"
                   f"{v['port']},slaves={len(v['replicas'])},sentinels=1\r\n")
      return encode_reply(body)
    return error(f"ERR unknown command '{args[0][:64]}', with args beginning "
                 "with: ")

  def _subscription(self, writer, cmd, names):
    chans, pats = self._subs.setdefault(writer, (set(), set()))
    target = pats if cmd.startswith("p") else chans
    kind = cmd
    if cmd.endswith("unsubscribe") and not names:
      names = sorted(target)
      if not names:
        return encode_reply([kind, None, 0])
    out = b""
    for n in names:
      if cmd.endswith("unsubscribe"):
        target.discard(n)
      else:
        target.add(n)
      out += encode_reply([kind, n, len(chans) + len(pats)])
    return out

  def _sentinel(self, args):
    if not args:
      return error("ERR wrong number of arguments for 'sentinel' command")
    sub = args[0].lower()
    if sub == "myid":
      return encode_reply(self.myid)
    if sub == "masters":
      views = [self.m.sentinel_view(g["ReplicationGroupId"])
               for g in self.m.store.list("groups")]
      return encode_reply([_master_fields(v) for v in views if v])
    if len(args) < 2:
      return error(f"ERR wrong number of arguments for 'sentinel|{sub}' "
                   "command")
    view = self.m.sentinel_view(args[1])
    if sub == "get-master-addr-by-name":
      if not view:
        return b"*-1\r\n"
      return encode_reply([view["ip"], str(view["port"])])
    if view is None:
      return error("ERR No such master with that name")
    if sub == "master":
      return encode_reply(_master_fields(view))
    if sub in ("replicas", "slaves"):
      return encode_reply([_replica_fields(view, r)
                           for r in view["replicas"]])
    if sub == "sentinels":
      return encode_reply([])
    if sub == "ckquorum":
      return simple("OK 1 usable Sentinels. Quorum and failover "
                    "authorization can be reached")
    if sub == "failover":
      ok, msg = self.m.sentinel_failover(args[1])
      return simple("OK") if ok else error(msg)
    return error(f"ERR Unknown sentinel subcommand '{args[0][:64]}'")


def _master_fields(v):
  flags = "master" if v["up"] else "master,s_down,o_down"
  fields = {
      "name": v["name"], "ip": v["ip"], "port": v["port"],
      "runid": v.get("runid", ""), "flags": flags,
      "link-pending-commands": 0, "link-refcount": 1,
      "last-ping-sent": 0, "last-ok-ping-reply": v["last_ok_ms"],
      "last-ping-reply": v["last_ok_ms"],
      "down-after-milliseconds": v["down_after_ms"],
      "info-refresh": v["last_ok_ms"], "role-reported": "master",
      "role-reported-time": 0, "config-epoch": v["epoch"],
      "num-slaves": len(v["replicas"]), "num-other-sentinels": 0,
      "quorum": 1, "failover-timeout": 60000, "parallel-syncs": 1,
  }
  return _flatten(fields)


def _replica_fields(v, r):
  flags = "slave" if r["up"] else "slave,s_down"
  fields = {
      "name": f"{r['ip']}:{r['port']}", "ip": r["ip"], "port": r["port"],
      "runid": r.get("runid", ""), "flags": flags,
      "link-pending-commands": 0, "link-refcount": 1, "last-ping-sent": 0,
      "last-ok-ping-reply": r["last_ok_ms"], "last-ping-reply":
      r["last_ok_ms"], "down-after-milliseconds": v["down_after_ms"],
      "info-refresh": r["last_ok_ms"], "role-reported": "slave",
      "role-reported-time": 0, "master-link-down-time": 0,
      "master-link-status": "ok" if r["link_up"] else "err",
      "master-host": v["ip"], "master-port": v["port"],
      "slave-priority": r["priority"], "slave-repl-offset": r["offset"],
      "replica-announced": 1,
  }
  return _flatten(fields)


def _flatten(fields):
  out = []
  for k, val in fields.items():
    out += [k, str(val)]
  return out


async def _read_command(reader):
  """Reads one command (RESP array or inline); None at EOF."""
  line = await reader.readline()
  if not line:
    return None
  if len(line) > MAX_LINE:
    raise ValueError("line too long")
  line = line.rstrip(b"\r\n")
  if not line.startswith(b"*"):
    return [p.decode(errors="replace") for p in line.split()]
  n = int(line[1:])
  if not 0 <= n <= MAX_ARGS:
    raise ValueError("bad multibulk length")
  args = []
  for _ in range(n):
    head = (await reader.readline()).rstrip(b"\r\n")
    if not head.startswith(b"$"):
      raise ValueError("expected bulk string")
    size = int(head[1:])
    if not 0 <= size <= MAX_LINE:
      raise ValueError("bad bulk length")
    data = await reader.readexactly(size + 2)
    args.append(data[:-2].decode(errors="replace"))
  return args
