"""CONFIG SET with several parameters is all or nothing, as in Redis 7.0.

Values are checked first (a bad one changes nothing); then what changed is
applied, and when applying one fails (a port already in use, an address
that cannot be bound) every value goes back and what was already applied
(AOF turned on, maxmemory) is undone. Also CONFIG SET port/bind at run time
and CONFIG RESETSTAT's reach (statistics reset, slowlog kept). Runs against
redis-server too (VIREO_SERVER=/usr/bin/redis-server), which is how the
expectations were checked.
"""

import os
import socket
import unittest

import redis

from harness import ServerTestCase, free_port

PORT_FAIL = ("CONFIG SET failed (possibly related to argument 'port') - "
             "Unable to listen on this port. Check server logs.")
BIND_FAIL = ("CONFIG SET failed (possibly related to argument 'bind') - "
             "Failed to bind to specified addresses.")
# TEST-NET-1 (RFC 5737): never an address of this machine.
FOREIGN_ADDR = "192.0.2.1"


def accepts(port, host="127.0.0.1"):
  try:
    with socket.create_connection((host, port), timeout=1) as s:
      s.sendall(b"PING\r\n")
      return s.recv(16) == b"+PONG\r\n"
  except OSError:
    return False


class ConfigSetAtomic(ServerTestCase):
  def setUp(self):
    super().setUp()
    self.r = self.server.redis()
    # A port someone else listens on.
    self.taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    self.addCleanup(self.taken.close)
    self.taken.bind(("127.0.0.1", free_port()))
    self.taken.listen(1)
    self.taken_port = self.taken.getsockname()[1]

  def get(self, *names):
    out = {}
    for n in names:
      out.update(self.r.config_get(n))
    return out

  def assert_set_fails(self, expected, *args):
    with self.assertRaises(redis.ResponseError) as cm:
      self.r.execute_command("CONFIG", "SET", *args)
    self.assertEqual(str(cm.exception), expected)

  def test_port_in_use_undoes_everything(self):
    names = ("port", "maxmemory", "appendonly", "hz", "maxmemory-policy")
    before = self.get(*names)
    # The failing option last, first and in the middle: nothing changes.
    self.assert_set_fails(PORT_FAIL, "maxmemory", "20mb", "appendonly", "yes",
                          "hz", "50", "port", str(self.taken_port))
    self.assertEqual(self.get(*names), before)
    self.assert_set_fails(PORT_FAIL, "port", str(self.taken_port), "maxmemory",
                          "30mb", "maxmemory-policy", "allkeys-lru")
    self.assertEqual(self.get(*names), before)
    self.assert_set_fails(PORT_FAIL, "hz", "40", "port", str(self.taken_port),
                          "appendonly", "yes")
    self.assertEqual(self.get(*names), before)
    info = self.r.info("persistence")
    self.assertEqual(info["aof_enabled"], 0)
    self.assertEqual(self.r.info("server")["hz"], int(before["hz"]))
    self.assertTrue(accepts(self.server.port))
    # A bad value is found before anything is applied.
    with self.assertRaises(redis.ResponseError) as cm:
      self.r.execute_command("CONFIG", "SET", "port", str(free_port()),
                             "maxmemory", "12x")
    self.assertIn("argument 'maxmemory'", str(cm.exception))
    self.assertEqual(self.get(*names), before)
    self.assertTrue(accepts(self.server.port))

  def test_port_moves(self):
    held = self.server.connect()
    held.sendall(b"PING\r\n")
    self.assertEqual(held.recv(16), b"+PONG\r\n")
    new = free_port()
    self.assertTrue(self.r.config_set("port", str(new)))
    self.assertTrue(accepts(new))
    self.assertFalse(accepts(self.server.port))
    # Established connections stay.
    held.sendall(b"CONFIG GET port\r\n")
    self.assertIn(str(new).encode(), held.recv(64))
    held.sendall(("CONFIG SET port %d\r\n" % self.server.port).encode())
    self.assertEqual(held.recv(16), b"+OK\r\n")
    held.close()
    self.assertTrue(accepts(self.server.port))
    self.assertFalse(accepts(new))

  def test_bind_failure_keeps_listeners(self):
    self.assert_set_fails(BIND_FAIL, "maxmemory", "10mb", "bind",
                          "127.0.0.1 " + FOREIGN_ADDR)
    self.assertEqual(self.get("bind", "maxmemory"),
                     {"bind": "127.0.0.1", "maxmemory": "0"})
    self.assertTrue(accepts(self.server.port))
    # An optional address ('-') that cannot be bound is skipped.
    self.assertTrue(self.r.config_set("bind", "127.0.0.1 -" + FOREIGN_ADDR))
    self.assertTrue(accepts(self.server.port))
    self.assertEqual(self.r.config_get("bind")["bind"], "127.0.0.1 -" + FOREIGN_ADDR)
    self.assertTrue(self.r.config_set("bind", "127.0.0.1"))
    self.assertTrue(accepts(self.server.port))

  def test_bind_and_port_together(self):
    new = free_port()
    self.assert_set_fails(PORT_FAIL, "port", str(self.taken_port), "bind", "*")
    self.assertEqual(self.get("bind", "port")["bind"], "127.0.0.1")
    self.assertTrue(accepts(self.server.port))
    held = self.server.connect()
    self.addCleanup(held.close)
    held.sendall(("CONFIG SET bind * port %d\r\n" % new).encode())
    self.assertEqual(held.recv(16), b"+OK\r\n")
    self.assertTrue(accepts(new))
    held.sendall(("CONFIG SET port %d bind 127.0.0.1\r\n" % self.server.port).encode())
    self.assertEqual(held.recv(16), b"+OK\r\n")
    self.assertTrue(accepts(self.server.port))


class ConfigResetstat(ServerTestCase):
  def test_resets_statistics_not_slowlog(self):
    r = self.server.redis()
    r.config_set("slowlog-log-slower-than", "0")
    r.set("k", "v")
    r.get("nokey")
    r.get("k")
    with self.assertRaises(redis.ResponseError):
      r.execute_command("NOSUCHCOMMAND")
    r.save()
    self.assertEqual(r.info("persistence")["rdb_saves"], 1)
    logged = r.slowlog_len()
    self.assertGreater(logged, 4)
    self.assertTrue(r.config_resetstat())
    r.config_set("slowlog-log-slower-than", "10000")
    stats = r.info("stats")
    for field in ("keyspace_hits", "keyspace_misses", "total_error_replies",
                  "expired_keys", "evicted_keys", "rejected_connections",
                  "sync_full", "sync_partial_ok", "sync_partial_err",
                  "unexpected_error_replies", "total_connections_received"):
      self.assertEqual(stats[field], 0, field)
    # RESETSTAT and CONFIG SET ran since the reset.
    self.assertEqual(stats["total_commands_processed"], 2)
    self.assertEqual(r.info("persistence")["rdb_saves"], 0)
    self.assertEqual(r.info("errorstats"), {})
    self.assertEqual(set(r.info("commandstats")),
                     {"cmdstat_config|resetstat", "cmdstat_config|set", "cmdstat_info"})
    # The slowlog has a reset of its own.
    self.assertGreaterEqual(r.slowlog_len(), logged)


if __name__ == "__main__":
  unittest.main()


class ConfigNamesAsRedis(unittest.TestCase):
  """CONFIG GET * lists the same parameters as redis-server 7.0.15 (hidden
  test knobs left out, aliases under their new names only), and aliases and
  hidden knobs answer when named."""

  def test_same_names_as_redis(self):
    from harness import ServerProcess
    ours = ServerProcess().start()
    self.addCleanup(ours.cleanup)
    ref = ServerProcess(binary="/usr/bin/redis-server").start()
    self.addCleanup(ref.cleanup)
    a, b = ours.redis(), ref.redis()
    self.assertEqual(sorted(a.config_get("*")), sorted(b.config_get("*")))
    for name in ("key-load-delay", "rdb-key-save-delay", "loading-process-events-interval-bytes",
                 "slaveof", "replicaof", "lua-time-limit", "hash-max-ziplist-entries",
                 "list-max-ziplist-size", "zset-max-ziplist-value", "slave-read-only"):
      self.assertEqual(a.config_get(name), b.config_get(name), name)
