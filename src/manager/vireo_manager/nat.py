"""The endpoints of engine redis groups as kernel NAT rules (nftables).

When the manager runs as root and `nft` and `conntrack` work, an engine
redis endpoint is not a process at all: it is a rule in an nftables table
this manager owns (`inet vireo_<8 hex of the data directory>`), the way
kube-proxy implements a Service. A client's connection to an endpoint port
is redirected by the kernel to a node's port when it is opened, and from
then on its packets go straight to the node: no relay, no copy, no extra
system call. Rules live in the kernel, so they keep working while the
manager is stopped, killed or restarted.

  primary endpoint -> the primary's port
  reader endpoint  -> the readers, one per new connection
                      (numgen inc mod N map {...})
  no target        -> new connections dropped (the SYN is retried by the
                      client's kernel: held, as the forwarder holds them)

Local clients are redirected in a nat output chain (to 127.0.0.1, where
every node listens); with --bind-address, remote clients in a nat
prerouting chain, DNAT to the same address and the node's port (so
route_localnet is not needed). The whole table is written in one `nft -f`
transaction (create, delete, define), so a change is atomic and a stale
table left by an earlier manager of the same data directory is replaced.

When an endpoint's targets change, its connections to nodes it no longer
lists (all of a primary endpoint's, as the forwarder does) are cut after
the new rules are in: local clients' sockets are destroyed with `ss -K`
(the client sees the connection end at once, the node gets a reset), and
the conntrack entries are deleted, so a remote client's next packet is
NATed anew, reaches a node that has no such connection and gets a reset.
Either way a client cannot keep writing to a demoted primary through the
endpoint.

The same interface as ForwarderProcess (set/remove/push/ensure/running/
stop, table, deferred, previous), so manager.py and ForwardedEndpoint use
either. The table it applied is also kept in DATA_DIR/nat/state (the
forwarder's line format) so a restarted manager knows the reader targets
in force.

Threading: NatTable is safe from any thread (one lock).
"""

import hashlib
import ipaddress
import os
import shutil
import subprocess
import threading

from . import listen
from .forwarder import parse_state

PRIORITY = -100   # dstnat


def table_name(data_dir):
  h = hashlib.sha1(os.path.abspath(data_dir).encode()).hexdigest()[:8]
  return f"vireo_{h}"


def available():
  """None when NAT endpoints can be used here, else why not."""
  if os.geteuid() != 0:
    return "not running as root"
  for host in listen.hosts():
    # The rules match and rewrite IPv4 destinations; an IPv6 or wildcard
    # --bind-address is served by the forwarder.
    try:
      a = ipaddress.ip_address(host)
    except ValueError:
      return f"bind address {host} is not an IP address"
    if a.version != 4 or a.is_unspecified or a.is_multicast:
      return f"bind address {host} is not one IPv4 unicast address"
  for tool in ("nft", "conntrack", "ss"):
    if not shutil.which(tool):
      return f"{tool} not found"
  probe = "vireo_probe_%d" % os.getpid()
  text = (f"table inet {probe} {{\n chain output {{\n  type nat hook output "
          f"priority {PRIORITY}; policy accept;\n }}\n}}\n"
          f"delete table inet {probe}\n")
  r = subprocess.run(["nft", "-f", "-"], input=text, capture_output=True,
                     text=True, timeout=10)
  if r.returncode != 0:
    return "nft cannot create a nat table: " + r.stderr.strip()[:200]
  r = subprocess.run(["conntrack", "-L", "-p", "tcp", "--orig-port-dst", "1"],
                     capture_output=True, text=True, timeout=10)
  if r.returncode != 0:
    return "conntrack cannot read the connection table: " + \
        r.stderr.strip()[:200]
  return None


def table_exists(name):
  r = subprocess.run(["nft", "list", "table", "inet", name],
                     capture_output=True, text=True, timeout=10)
  return r.returncode == 0


class NatTable:
  mode = "nat"

  def __init__(self, m):
    self.m = m
    self.name = table_name(m.data_dir)
    self.dir = os.path.join(m.data_dir, "nat")
    self.state_file = os.path.join(self.dir, "state")
    self._lock = threading.RLock()
    self.table = {}
    self.applied = {}    # what the kernel has (after the last good push)
    self.generation = 0
    self.previous = {}
    self.deferred = False
    if table_exists(self.name):
      try:
        with open(self.state_file) as f:
          self.previous = parse_state(f.read())
        self.applied = dict(self.previous)
      except OSError:
        pass

  # --- the table ------------------------------------------------------------
  def set(self, port, kind, targets):
    with self._lock:
      entry = (kind, [int(t) for t in targets])
      if self.table.get(port) == entry:
        return True
      self.table[port] = entry
      return self.deferred or self._push()

  def remove(self, port):
    with self._lock:
      if self.table.pop(port, None) is None:
        return True
      return self.deferred or self._push()

  def push(self):
    with self._lock:
      return self._push()

  @staticmethod
  def _action(targets, address=None):
    if not targets:
      return "drop"
    if len(targets) == 1:
      dest = f":{targets[0]}"
    else:
      m = ", ".join(f"{i} : {t}" for i, t in enumerate(targets))
      dest = f":numgen inc mod {len(targets)} map {{ {m} }}"
    return (f"dnat ip to {address}{dest}" if address
            else f"redirect to {dest}")

  def _text(self):
    hosts = listen.hosts()
    out = [f"table inet {self.name}", f"delete table inet {self.name}",
           f"table inet {self.name} {{",
           "  chain output {",
           f"    type nat hook output priority {PRIORITY}; policy accept;"]
    daddr = "{ " + ", ".join(hosts) + " }"
    for port in sorted(self.table):
      _, targets = self.table[port]
      out.append(f"    ip daddr {daddr} tcp dport {port} "
                 + self._action(targets))
    out.append("  }")
    if len(hosts) > 1:
      out += ["  chain prerouting {",
              f"    type nat hook prerouting priority {PRIORITY}; "
              "policy accept;"]
      for address in hosts[1:]:
        for port in sorted(self.table):
          _, targets = self.table[port]
          out.append(f"    ip daddr {address} tcp dport {port} "
                     + self._action(targets, address))
      out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"

  def _push(self):
    """Applies the whole table in one transaction (no endpoint: no table),
    then cuts the connections whose target went away. True once applied."""
    text = self._text() if self.table else \
        f"table inet {self.name}\ndelete table inet {self.name}\n"
    r = subprocess.run(["nft", "-f", "-"], input=text,
                       capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
      self.m.log(f"nft refused the endpoint table {self.name}: "
                 + r.stderr.strip()[:300])
      return False
    self.generation += 1
    os.makedirs(self.dir, exist_ok=True)
    lines = ["vireo-nat-state 1", f"generation {self.generation}"]
    for port in sorted(self.table):
      kind, targets = self.table[port]
      lines.append(" ".join(["endpoint", str(port), kind] +
                            [str(t) for t in targets]))
    tmp = self.state_file + ".tmp"
    with open(tmp, "w") as f:
      f.write("\n".join(lines) + "\n")
    os.replace(tmp, self.state_file)
    old, self.applied = self.applied, dict(self.table)
    for port, (kind, targets) in old.items():
      new = self.table.get(port)
      if new == (kind, targets):
        continue
      if new is None or kind == "primary":
        self._cut(port, None)
      else:
        for t in set(targets) - set(new[1]):
          self._cut(port, t)
    return True

  def _cut(self, port, target):
    """Ends the endpoint connections through `port` to node port `target`
    (None: to any node). Local clients' sockets are destroyed (ss -K: the
    client's next call fails at once, a reset goes to the node); then the
    conntrack entries go, so a remote client's next packet is NATed anew
    and answered with a reset."""
    cmd = ["conntrack", "-L", "-p", "tcp", "--orig-port-dst", str(port)]
    if target is not None:
      cmd += ["--reply-port-src", str(target)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    local = set(listen.hosts())
    sports = []
    for line in r.stdout.splitlines():
      # The first src=/sport= of a line are the original direction's.
      f = {}
      for w in line.split():
        k, eq, v = w.partition("=")
        if eq and k not in f:
          f[k] = v
      if f.get("src") in local and f.get("sport", "").isdigit():
        sports.append(f["sport"])
    for i in range(0, len(sports), 100):
      ors = " or ".join(f"sport = :{p}" for p in sports[i:i + 100])
      subprocess.run(["ss", "-K", "-t", "-n", f"dport = :{port} and "
                      f"( {ors} )"], capture_output=True, timeout=10)
    cmd[1] = "-D"
    # Exit status 1 with "0 flow entries" when there was none: not an error.
    subprocess.run(cmd, capture_output=True, timeout=10)

  # --- the "process": the kernel table ---------------------------------------
  def running(self):
    return table_exists(self.name)

  def ensure(self):
    """Re-asserts the table (e.g. someone flushed the ruleset)."""
    with self._lock:
      if self.table and not table_exists(self.name):
        self.m.log(f"nft table {self.name} was missing; re-created")
        self.applied = {}
        if not self._push():
          raise OSError(f"cannot create nft table {self.name}")
      return None

  def stop(self, cut=False):
    """Removes the table (manager shutdown with cleanup; cut: also ends
    the connections it redirected, when the forwarder takes over)."""
    with self._lock:
      subprocess.run(["nft", "delete", "table", "inet", self.name],
                     capture_output=True, timeout=10)
      if cut:
        for port in self.applied:
          self._cut(port, None)
      self.applied = {}
      try:
        os.unlink(self.state_file)
      except OSError:
        pass


def retire(m):
  """In forwarder mode: removes the NAT table a manager of this data
  directory left when it ran in NAT mode (the forwarder already listens),
  and ends the connections it redirected, whose target no rule follows any
  more. Returns True when there was one."""
  if os.geteuid() != 0 or not shutil.which("nft") or \
      not table_exists(table_name(m.data_dir)):
    return False
  t = NatTable(m)
  t.stop(cut=bool(shutil.which("conntrack") and shutil.which("ss")))
  return True
