"""The event log a managed service keeps: what happened to which resource.

Events are rows in the store; DescribeEvents reads them back with the
ElastiCache defaults (the last hour unless told otherwise, 14 days kept).
Thread-safe: the store serializes access.
"""

import time
from datetime import datetime, timezone

from .paging import page

RETENTION_SECONDS = 14 * 24 * 3600
DEFAULT_WINDOW_SECONDS = 3600


def iso(ts):
  return datetime.fromtimestamp(ts, timezone.utc).isoformat(
      timespec="milliseconds").replace("+00:00", "Z")


class Events:
  def __init__(self, store, clock=time.time):
    self.store = store
    self.clock = clock
    self._last_prune = 0.0

  def add(self, source_type, source_id, message):
    now = self.clock()
    self.store.add_event(now, source_type, source_id, message)
    if now - self._last_prune > 600:
      self._last_prune = now
      self.store.prune_events(now - RETENTION_SECONDS)

  def describe(self, p):
    now = self.clock()
    if "Duration" in p:
      start, end = now - p["Duration"] * 60, now
    else:
      end = p.get("EndTime", now)
      start = p.get("StartTime", end - DEFAULT_WINDOW_SECONDS)
    start = max(start, now - RETENTION_SECONDS)
    rows = self.store.events(start, end, p.get("SourceType"),
                             p.get("SourceIdentifier"))
    # Newest first, as ElastiCache lists them.
    events = [{"SourceIdentifier": sid, "SourceType": stype,
               "Message": msg, "Date": iso(ts)}
              for ts, stype, sid, msg in reversed(rows)]
    chunk, nxt = page(events, p)
    out = {"Events": chunk}
    if nxt is not None:
      out["Marker"] = nxt
    return out
