"""Stable TCP endpoints of a group: byte forwarders owned by the manager.

The primary endpoint always leads to the current primary; the reader endpoint
spreads new connections round-robin over the replicas that are in sync (the
primary when there are none). When the primary changes, every connection
through the primary endpoint is closed so clients reconnect, as they would
when a managed service moves its DNS name; while a failover is in progress
(target None) new connections are held for up to HOLD_SECONDS instead of
refused, so clients that retry land on the new primary at once.

Threading: Endpoint objects belong to the NetLoop thread. Other threads call
set_targets() which posts onto the loop.
"""

import asyncio

from . import listen

HOLD_SECONDS = 10.0


class Endpoint:
  def __init__(self, netloop, port, kind):
    self.netloop = netloop
    self.port = port
    self.kind = kind            # "primary" or "reader"
    self._targets = []          # ports; [] means "hold new connections"
    self._rr = 0
    self._changed = None        # asyncio.Event, created on the loop
    self._conns = set()         # (client writer, node writer, target port)
    self._server = None

  async def open(self):
    self._changed = asyncio.Event()
    self._server = await asyncio.start_server(self._serve, listen.hosts(),
                                              self.port, reuse_address=True)

  async def close(self):
    if self._server:
      self._server.close()
      await self._server.wait_closed()
    for conn in list(self._conns):
      _close(conn)
    self._conns.clear()

  def set_targets(self, ports):
    """Thread-safe: changes where new connections go."""
    self.netloop.post(self._apply, list(ports))

  def _apply(self, ports):
    if ports == self._targets:
      return
    for conn in list(self._conns):
      # Primary: any change means the old primary may be gone or demoted.
      # Reader: only connections to nodes that left the set are cut.
      if self.kind == "primary" or conn[2] not in ports:
        _close(conn)
        self._conns.discard(conn)
    self._targets = ports
    self._changed.set()
    self._changed = asyncio.Event()

  async def _pick(self):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HOLD_SECONDS
    while not self._targets:
      remaining = deadline - loop.time()
      if remaining <= 0:
        return None
      try:
        await asyncio.wait_for(self._changed.wait(), remaining)
      except asyncio.TimeoutError:
        return None
    self._rr += 1
    return self._targets[self._rr % len(self._targets)]

  async def _serve(self, creader, cwriter):
    target = await self._pick()
    if target is None:
      cwriter.close()
      return
    try:
      nreader, nwriter = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
      cwriter.close()
      return
    if target not in self._targets:  # switched while we were connecting
      nwriter.close()
      cwriter.close()
      return
    conn = (cwriter, nwriter, target)
    self._conns.add(conn)
    try:
      await asyncio.gather(_pump(creader, nwriter), _pump(nreader, cwriter))
    finally:
      self._conns.discard(conn)
      _close(conn)


async def _pump(reader, writer):
  try:
    while True:
      data = await reader.read(65536)
      if not data:
        break
      writer.write(data)
      await writer.drain()
  except (OSError, asyncio.CancelledError):
    pass
  finally:
    # Closing both directions when either side ends keeps half-open
    # connections from piling up after a node dies.
    try:
      writer.close()
    except RuntimeError:
      pass


def _close(conn):
  for w in conn[:2]:
    try:
      w.close()
    except RuntimeError:
      pass
