"""Which ports may serve as listening ports the manager gives out.

The kernel picks the local port of every outgoing connection on this host
from its ephemeral range (net.ipv4.ip_local_port_range). A node port in
that range is lost the moment the node stops: any connection made while it
is down (a replica's link to its primary, a client, the forwarder) may be
given that port, and then the node cannot listen there again until that
connection closes, which for a replication link is never. So the manager
refuses to be configured with such ports (unless the administrator listed
them in net.ipv4.ip_local_reserved_ports, which the kernel then skips), and
a replica whose port is taken anyway is moved to a free one
(Manager.restart_node).

Pure functions over /proc reads: thread-safe.
"""

import socket

RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
RESERVED_FILE = "/proc/sys/net/ipv4/ip_local_reserved_ports"


def ephemeral_range(path=RANGE_FILE):
  """(low, high) of the kernel's ephemeral range; Linux's default when the
  file cannot be read."""
  try:
    with open(path) as f:
      lo, hi = (int(x) for x in f.read().split()[:2])
      return lo, hi
  except (OSError, ValueError):
    return 32768, 60999


def reserved_ports(path=RESERVED_FILE):
  """The set of ports the kernel never hands to outgoing connections."""
  out = set()
  try:
    with open(path) as f:
      text = f.read().strip()
  except OSError:
    return out
  for part in filter(None, text.split(",")):
    lo, _, hi = part.partition("-")
    try:
      out.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
      continue
  return out


def ephemeral_conflicts(lo, hi, eph=None, reserved=None):
  """The ports of lo..hi the kernel may give to outgoing connections."""
  elo, ehi = eph or ephemeral_range()
  start, end = max(lo, elo), min(hi, ehi)
  if start > end:
    return []
  reserved = reserved_ports() if reserved is None else reserved
  return [p for p in range(start, end + 1) if p not in reserved]


def conflict_message(what, lo, hi, eph=None, reserved=None):
  """An error text when lo..hi overlaps the ephemeral range, else None."""
  bad = ephemeral_conflicts(lo, hi, eph, reserved)
  if not bad:
    return None
  elo, ehi = eph or ephemeral_range()
  span = f"{lo}-{hi}" if lo != hi else str(lo)
  return (f"{what} {span} overlaps the kernel's ephemeral port range "
          f"{elo}-{ehi} (net.ipv4.ip_local_port_range; {len(bad)} ports "
          f"from {bad[0]}): an outgoing connection can take the port of a "
          "stopped node, which then cannot restart. Choose ports outside "
          "that range or add them to net.ipv4.ip_local_reserved_ports.")


def port_free(port, host="127.0.0.1"):
  """True when a listener could bind host:port now (SO_REUSEADDR as the
  nodes use it, so TIME_WAIT leftovers do not count as taken)."""
  with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
      s.bind((host, port))
      return True
    except OSError:
      return False
