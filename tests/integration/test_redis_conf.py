"""Config files written for redis-server start the server under test.

Debian's stock redis.conf (daemonize and supervised off, paths and port moved
to a temporary directory) and the files our own suites write for
redis-server (the manager's node config) must start, and CONFIG GET must
then show what a real redis-server shows for the same file. A file asking
for behaviours Vireo lacks is refused with every such directive listed in
one message.
"""

import os
import re
import subprocess
import sys
import unittest

from harness import ServerProcess, free_port, is_vireo, wait_for_port

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "manager"))

from vireo_manager import nodeconfig  # noqa: E402

STOCK_CONF = "/etc/redis/redis.conf"
REDIS_SERVER = "/usr/bin/redis-server"


def directive(line):
  """The lowercase directive name of a config line, or None."""
  words = line.split()
  if not words or words[0].startswith("#"):
    return None
  return words[0].lower()


def rewrite_stock(text, port, directory):
  """The stock file with daemonize/supervised off and paths and port moved."""
  out = []
  for line in text.splitlines():
    name = directive(line)
    if name == "daemonize":
      line = "daemonize no"
    elif name == "supervised":
      line = "supervised no"
    elif name == "port":
      line = "port %d" % port
    elif name == "pidfile":
      line = "pidfile %s" % os.path.join(directory, "server.pid")
    elif name == "logfile":
      line = 'logfile ""'
    elif name == "dir":
      line = "dir %s" % directory
    out.append(line)
  return "\n".join(out) + "\n"


class RedisConfTest(unittest.TestCase):

  def start_with(self, make_text, binary=None):
    """Starts `binary` with the config file make_text(port, dir) alone."""
    server = ServerProcess(binary=binary)
    self.addCleanup(server.cleanup)
    for _ in range(3):
      port = free_port()
      server.config_text = make_text(port, server.dir)
      server.command_line(port)  # writes the config file
      server.launch([server.binary, server.config_path])
      if wait_for_port(port, 10, server.proc):
        server.port = port
        return server
      server.kill()
    self.fail("server did not start with:\n%s\nlog:\n%s" %
              (server.config_text, server.log()))

  def run_to_exit(self, text):
    server = ServerProcess(config_text=text)
    self.addCleanup(server.cleanup)
    server.command_line(0)
    server.launch([server.binary, server.config_path])
    code = server.proc.wait(timeout=10)
    server.kill()
    return code, server.log()

  def config_all(self, server):
    return server.redis().config_get("*")

  @unittest.skipUnless(os.path.exists(STOCK_CONF), "no stock redis.conf")
  def test_stock_redis_conf_starts_and_matches_redis(self):
    with open(STOCK_CONF) as f:
      stock = f.read()
    make = lambda port, d: rewrite_stock(stock, port, d)  # noqa: E731
    server = self.start_with(make)
    r = server.redis()
    self.assertTrue(r.ping())
    r.set("k", "v")
    self.assertEqual(r.get("k"), "v")
    reference = self.start_with(make, binary=REDIS_SERVER)
    got, want = self.config_all(server), self.config_all(reference)
    for name in ("port", "dir", "pidfile"):
      got.pop(name), want.pop(name)
    # Every directive Redis knows, with the value this file gives it.
    self.assertEqual(sorted(set(want) - set(got)), [])
    for name in sorted(want):
      self.assertEqual(got[name], want[name], name)
    with open(os.path.join(server.dir, "server.pid")) as f:
      self.assertEqual(int(f.read()), server.pid)

  def manager_conf(self, overrides, primary_port=None, token=None):
    """The file vireo-manager writes for a redis-server node."""
    def make(port, d):
      node = {"port": port, "dir": d, "priority": 100}
      group = {"CacheNodeType": "cache.t4g.micro", "Engine": "redis",
               "auth_tokens": [token] if token else []}
      path = os.path.join(d, "node.conf")
      nodeconfig.write_config(node, group, primary_port, overrides, path)
      with open(path) as f:
        return f.read()
    return make

  def test_manager_node_conf_starts(self):
    server = self.start_with(
        self.manager_conf({"maxmemory-policy": "noeviction"}))
    r = server.redis()
    self.assertEqual(r.config_get("repl-diskless-sync-delay"),
                     {"repl-diskless-sync-delay": "0"})
    self.assertEqual(r.config_get("replica-priority"), {"replica-priority": "100"})
    self.assertEqual(r.config_get("maxmemory"), {"maxmemory": str(512 << 20)})
    self.assertEqual(r.config_get("maxmemory-samples"), {"maxmemory-samples": "5"})

  def test_missing_behaviours_are_listed_together(self):
    if not is_vireo():
      self.skipTest("Vireo's refusals")
    make = self.manager_conf({}, primary_port=6379, token="secret")
    text = make(free_port(), "/tmp")
    code, log = self.run_to_exit(text + "daemonize yes\ncluster-enabled yes\n")
    self.assertNotEqual(code, 0)
    self.assertIn("Reading the configuration file: 2 directives ask for what "
                  "vireo-server does not support yet", log)
    self.assertNotIn("maxmemory-policy", log)  # every eviction policy is built
    for name in ("daemonize yes", "cluster-enabled yes"):
      self.assertRegex(log, r">>> line \d+: '%s'" % re.escape(name))
    # requirepass and replication are built; masterauth tunes replication:
    # none is listed.
    self.assertNotIn("masterauth", log)
    self.assertNotIn("requirepass", log)
    self.assertNotIn("replicaof", log)
    self.assertEqual(log.count("FATAL CONFIG FILE ERROR"), 1)

  def test_cli_options_of_the_test_harnesses(self):
    # What tests/integration, tests/differential and bench pass to
    # redis-server on the command line (ServerProcess adds --port, --bind,
    # --save "", --appendonly no, --dir), plus the knobs some tests add.
    server = ServerProcess(args=("--enable-debug-command", "yes",
                                 "--active-expire-effort", "3"))
    self.addCleanup(server.cleanup)
    server.start()
    self.assertEqual(server.redis().config_get("appendonly"), {"appendonly": "no"})


if __name__ == "__main__":
  unittest.main()
