"""Marker/MaxRecords pagination as ElastiCache does it: the Marker a page
returns is the index of the next record; a Marker this endpoint did not
issue is InvalidParameterValue. Pure function: thread-safe."""

from .errors import invalid


def page(items, p, default=100):
  """(the page of `items`, next Marker or None) for request params p."""
  marker = p.get("Marker")
  if marker is not None and (not marker.isdigit() or len(marker) > 9):
    raise invalid(f"Marker {marker[:40]!r} is not valid: pass the Marker of "
                  "the previous page.")
  offset = int(marker) if marker else 0
  limit = p.get("MaxRecords", default)
  nxt = str(offset + limit) if offset + limit < len(items) else None
  return items[offset:offset + limit], nxt
