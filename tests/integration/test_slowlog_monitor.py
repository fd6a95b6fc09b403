"""SLOWLOG and MONITOR as Redis 7.0 shows them.

The commands run inside MULTI/EXEC and scripts are logged, EXEC itself is
not (MONITOR shows EXEC after them, as Redis); EVAL/EVALSHA/FCALL are shown
by MONITOR before the commands they run, whatever their outcome; secrets
read "(redacted)" in both (AUTH, HELLO AUTH, ACL SETUSER, CONFIG SET
masterauth/requirepass, MIGRATE AUTH/AUTH2); a blocked command is logged
when it is served (not when it blocks, not at all when it times out);
slowlog-log-slower-than -1 disables and 0 logs everything; SLOWLOG GET -1
returns every entry; commands that propagate in another form (SET EX,
INCRBYFLOAT, GETEX, SPOP) are logged as the client issued them; the entries
of commands a script ran show Redis's peer id of a connection-less client
("?:0"). The expected lists were read from redis-server 7.0.15;
the test runs against it too (VIREO_SERVER=/usr/bin/redis-server).
"""

import socket
import threading
import time
import unittest

import redis

from harness import ServerTestCase


def slowlog_args(r):
  return [" ".join(e[3]) for e in reversed(r.execute_command("SLOWLOG", "GET", "-1"))]


class SlowlogMonitor(ServerTestCase):
  def setUp(self):
    super().setUp()
    self.r = self.server.redis()
    self.r.config_set("slowlog-log-slower-than", "0")
    self.r.slowlog_reset()

  def monitor(self):
    m = self.server.connect()
    self.addCleanup(m.close)
    m.sendall(b"MONITOR\r\n")
    self.assertEqual(m.recv(16), b"+OK\r\n")
    return m

  def read_monitor(self, m, count):
    m.settimeout(5)
    data = b""
    deadline = time.monotonic() + 5
    while data.count(b"\r\n") < count and time.monotonic() < deadline:
      data += m.recv(65536)
    lines = data.decode().split("\r\n")[:count]
    # "+<time> [db addr] args": keep the source kind and the arguments.
    return [("lua" if "lua]" in l else "client") + " " + l.split("] ", 1)[1] for l in lines]

  def run_sample(self, c):
    p = c.pipeline(transaction=True)
    p.set("a", "1")
    p.get("a")
    p.execute()
    c.eval("redis.call('set','b','2') return redis.call('get','b')", 0)
    with self.assertRaises(redis.ResponseError):
      c.eval("return (", 0)
    with self.assertRaises(redis.ResponseError):
      c.execute_command("AUTH", "secretpw")
    # The default user has no password: any password authenticates.
    c.execute_command("HELLO", "2", "AUTH", "default", "secretpw")
    c.execute_command("ACL", "SETUSER", "bob", ">pw1", "on")
    c.execute_command("ACL", "DELUSER", "bob")
    c.execute_command("CONFIG", "SET", "masterauth", "mpw", "hz", "10")
    c.execute_command("CONFIG", "SET", "requirepass", "")

  def test_slowlog_entries(self):
    c = self.server.redis()
    self.run_sample(c)
    self.assertEqual(slowlog_args(self.r)[1:], [
        "MULTI", "SET a 1", "GET a",
        "set b 2", "get b",
        "EVAL redis.call('set','b','2') return redis.call('get','b') 0",
        "EVAL return ( 0",
        "AUTH (redacted)",
        "HELLO 2 AUTH (redacted) (redacted)",
        "ACL SETUSER (redacted) (redacted) (redacted)",
        "ACL DELUSER bob",
        "CONFIG SET masterauth (redacted) hz 10",
        "CONFIG SET requirepass (redacted)",
    ])

  def test_monitor_lines(self):
    m = self.monitor()
    c = self.server.redis()
    self.run_sample(c)
    c.set("last", "1")
    # ACL and CONFIG are admin commands: MONITOR never shows them.
    self.assertEqual(self.read_monitor(m, 11), [
        'client "MULTI"', 'client "SET" "a" "1"', 'client "GET" "a"', 'client "EXEC"',
        'client "EVAL" "redis.call(\'set\',\'b\',\'2\') return redis.call(\'get\',\'b\')" "0"',
        'lua "set" "b" "2"', 'lua "get" "b"',
        'client "EVAL" "return (" "0"',
        'client "AUTH" "(redacted)"',
        'client "HELLO" "2" "AUTH" "(redacted)" "(redacted)"',
        'client "SET" "last" "1"',
    ])

  def run_rewritten(self, c):
    c.set("k", "v", ex=100)
    c.incrbyfloat("f", 1.5)
    c.execute_command("GETEX", "k", "PX", "50000")
    c.sadd("s", "a", "b")
    c.spop("s")
    # Port 1 refuses the connection: MIGRATE fails, but is logged redacted.
    for auth in (["AUTH", "secretpw"], ["AUTH2", "user", "secretpw"]):
      with self.assertRaises(redis.ResponseError):
        c.execute_command("MIGRATE", "127.0.0.1", "1", "", "0", "100", *auth, "KEYS", "k")
    c.eval("redis.call('set','x','1','EX','10') return redis.call('incrbyfloat','f','2')", 0)

  def test_rewritten_commands_and_migrate_auth(self):
    c = self.server.redis()
    self.run_rewritten(c)
    entries = list(reversed(self.r.execute_command("SLOWLOG", "GET", "-1")))[1:]
    self.assertEqual([" ".join(e[3]) for e in entries], [
        "SET k v EX 100", "INCRBYFLOAT f 1.5", "GETEX k PX 50000", "SADD s a b", "SPOP s",
        "MIGRATE 127.0.0.1 1  0 100 AUTH (redacted) KEYS k",
        "MIGRATE 127.0.0.1 1  0 100 AUTH2 (redacted) (redacted) KEYS k",
        "set x 1 EX 10", "incrbyfloat f 2",
        "EVAL redis.call('set','x','1','EX','10') return redis.call('incrbyfloat','f','2') 0",
    ])
    self.assertEqual([e[4] for e in entries[7:9]], ["?:0", "?:0"])
    self.assertTrue(entries[0][4].startswith("127.0.0.1:"), entries[0])

  def test_rewritten_commands_and_migrate_auth_monitor(self):
    m = self.monitor()
    c = self.server.redis()
    self.run_rewritten(c)
    self.assertEqual(self.read_monitor(m, 10), [
        'client "SET" "k" "v" "EX" "100"', 'client "INCRBYFLOAT" "f" "1.5"',
        'client "GETEX" "k" "PX" "50000"', 'client "SADD" "s" "a" "b"', 'client "SPOP" "s"',
        'client "MIGRATE" "127.0.0.1" "1" "" "0" "100" "AUTH" "(redacted)" "KEYS" "k"',
        'client "MIGRATE" "127.0.0.1" "1" "" "0" "100" "AUTH2" "(redacted)" "(redacted)" "KEYS" "k"',
        'client "EVAL" "redis.call(\'set\',\'x\',\'1\',\'EX\',\'10\') return '
        'redis.call(\'incrbyfloat\',\'f\',\'2\')" "0"',
        'lua "set" "x" "1" "EX" "10"', 'lua "incrbyfloat" "f" "2"',
    ])

  def test_blocked_command_logged_when_served(self):
    c = self.server.redis()
    c.blpop("bl", 0.2)  # times out: not logged
    pusher = threading.Timer(0.3, lambda: self.server.redis().rpush("bl", "x"))
    pusher.start()
    self.assertEqual(c.blpop("bl", 5), ("bl", "x"))
    pusher.join()
    self.assertEqual(slowlog_args(self.r)[1:], ["RPUSH bl x", "BLPOP bl 5"])
    self.assertEqual(self.r.info("commandstats")["cmdstat_blpop"]["calls"], 2)

  def test_thresholds_and_get_all(self):
    for i in range(150):
      self.r.set("k%d" % i, i)
    self.assertEqual(self.r.slowlog_len(), 128)
    self.assertEqual(len(self.r.execute_command("SLOWLOG", "GET", "-1")), 128)
    self.assertEqual(len(self.r.execute_command("SLOWLOG", "GET")), 10)
    self.r.config_set("slowlog-log-slower-than", "-1")
    self.r.slowlog_reset()
    self.r.set("x", "y")
    self.assertEqual(self.r.slowlog_len(), 0)
    self.r.config_set("slowlog-log-slower-than", "0")
    self.r.set("x", "y")
    self.assertEqual(slowlog_args(self.r), ["CONFIG SET slowlog-log-slower-than 0", "SET x y"])


if __name__ == "__main__":
  unittest.main()
