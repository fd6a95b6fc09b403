"""ACL users, AUTH and requirepass over TCP, compared with redis-server 7.0.

The same configuration (users declared with `user` lines) starts a
vireo-server and a redis-server; a matrix of users x commands x keys x
channels runs on both, every reply (raw RESP) and the ACL log must be
identical. Then what happens to connections: a deleted user's clients are
closed, CLIENT KILL USER, a subscriber whose channels are revoked, ACL
LOAD/SAVE with an aclfile, SLOWLOG/MONITOR hiding passwords, start-up
errors of bad `user` lines and ACL files.
"""

import os
import re
import socket
import time
import unittest

from harness import ServerProcess, encode_command, free_port, is_vireo, read_reply

REDIS_SERVER = "/usr/bin/redis-server"

USERS = [
    "user reader on >pw ~r:* %R~shared:* +@read +@connection",
    "user writer on >pw %W~w:* ~both:* +@write +@read -@dangerous +@connection",
    "user pubber on >pw &news.* &alerts +publish +subscribe +psubscribe +ping +@connection",
    "user mixed on >pw ~m:* +get +@connection (~s:* +set) (%R~x:* +@read)",
    "user firstarg on >pw ~* -@all +select|0 +client|getname +auth +hello",
    "user sleeper off >pw ~* +@all",
    "user admin on >pw ~* &* +@all -flushall -debug",
]
PASSWORD = "pw"

KEYS = ["r:1", "shared:1", "w:1", "both:1", "m:1", "s:1", "x:1", "other"]
CHANNELS = ["news.today", "alerts", "other", "news.*", "al*"]

# Commands with a {K} key slot, {K2} a second key, {C} a channel.
KEY_COMMANDS = [
    ["GET", "{K}"], ["SET", "{K}", "v"], ["SET", "{K}", "v", "GET"], ["DEL", "{K}"],
    ["EXISTS", "{K}"], ["INCR", "{K}"], ["LPUSH", "{K}", "a"], ["MGET", "{K}", "{K2}"],
    ["MSET", "{K}", "1", "{K2}", "2"], ["COPY", "{K}", "{K2}"], ["RENAME", "{K}", "{K2}"],
    ["LMOVE", "{K}", "{K2}", "LEFT", "LEFT"], ["SORT", "{K}", "STORE", "{K2}"],
    ["EVAL", "return 1", "1", "{K}"], ["OBJECT", "ENCODING", "{K}"],
]
CHANNEL_COMMANDS = [["PUBLISH", "{C}", "m"]]
SUBSCRIBE_COMMANDS = [["SUBSCRIBE", "{C}"], ["PSUBSCRIBE", "{C}"]]
OTHER_COMMANDS = [
    ["PING"], ["SELECT", "0"], ["SELECT", "1"], ["CLIENT", "GETNAME"], ["FLUSHALL"], ["DEBUG", "SLEEP", "0"],
    ["CONFIG", "GET", "maxclients"], ["ACL", "WHOAMI"], ["INFO", "nosuchsection"], ["KEYS", "nomatch*"],
]

MASK_CLIENT = re.compile(rb"\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|"
                         rb"omem|tot-mem|events|sub|psub|ssub|cmd|redir|resp|name|flags|db|multi)=\S*")


class Conn:
  """A raw RESP2 connection: exact reply bytes are compared."""

  def __init__(self, server):
    self.sock = server.connect()
    self.f = self.sock.makefile("rb")

  def call(self, *args):
    self.sock.sendall(encode_command(*args))
    return read_reply(self.f)

  def close(self):
    self.sock.close()


def start_locked(testcase, args=(), config_text=None, binary=None):
  """Starts a server that may answer PING with -NOAUTH (requirepass, default
  user off): ready once it answers at all."""
  s = ServerProcess(args, config_text, binary=binary)
  testcase.addCleanup(s.cleanup)
  for _ in range(3):
    port = free_port()
    s.launch(s.command_line(port))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and s.alive():
      try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
          sock.sendall(b"PING\r\n")
          if sock.recv(64)[:1] in (b"+", b"-"):
            s.port = port
            return s
      except OSError:
        time.sleep(0.02)
    s.kill()
  raise RuntimeError("server did not start:\n" + s.log())


def start_pair(testcase, config_text, args=()):
  return (start_locked(testcase, args, config_text),
          start_locked(testcase, args, config_text, REDIS_SERVER))


def authed(server, user):
  c = Conn(server)
  reply = c.call("AUTH", user, PASSWORD)
  return c, reply


def normalize_log(entries):
  """ACL LOG entries without what differs between servers (ages, client info
  numbers)."""
  out = []
  for e in entries:
    e = list(e)
    for i in range(0, len(e) - 1, 2):
      if e[i] == b"age-seconds":
        e[i + 1] = b"*"
      elif e[i] == b"client-info":
        e[i + 1] = MASK_CLIENT.sub(lambda m: m.group(1) + b"=*", e[i + 1])
    out.append(e)
  return out


class AclMatrixTest(unittest.TestCase):

  def setUp(self):
    if not is_vireo():
      self.skipTest("compares vireo-server with redis-server")

  def run_matrix(self, server):
    out = []
    conns = {}
    for line in USERS:
      user = line.split()[1]
      conns[user], reply = authed(server, user)
      out.append(("AUTH", user, reply))
    admin = Conn(server)
    for user, c in conns.items():
      for tmpl in KEY_COMMANDS:
        for k in KEYS:
          for k2 in (["w:2", "r:2", "other2"] if "{K2}" in tmpl else [None]):
            cmd = [a.replace("{K}", k).replace("{K2}", k2 or "") for a in tmpl]
            admin.call("FLUSHALL")
            out.append((user, cmd, c.call(*cmd)))
            out.append(("dryrun", user, cmd, admin.call("ACL", "DRYRUN", user, *cmd)))
      for tmpl in CHANNEL_COMMANDS:
        for ch in CHANNELS:
          cmd = [a.replace("{C}", ch) for a in tmpl]
          out.append((user, cmd, c.call(*cmd)))
      for tmpl in SUBSCRIBE_COMMANDS:
        for ch in CHANNELS:
          cmd = [a.replace("{C}", ch) for a in tmpl]
          sub, reply = authed(server, user)
          out.append((user, cmd, reply, sub.call(*cmd)))
          sub.close()
      for cmd in OTHER_COMMANDS:
        out.append((user, cmd, c.call(*cmd)))
        out.append(("dryrun", user, cmd, admin.call("ACL", "DRYRUN", user, *cmd)))
      # A transaction: a denied command is refused at queue time and EXEC aborts.
      out.append((user, "multi", c.call("MULTI"), c.call("GET", "r:1"), c.call("SET", "other", "1"),
                  c.call("EXEC")))
    out.append(("log", normalize_log(admin.call("ACL", "LOG", "1000"))))
    # Redis lists single-command rules in hash order: compare the words.
    out.append(("list", [sorted(line.split()) for line in admin.call("ACL", "LIST")]))
    for c in conns.values():
      c.close()
    admin.close()
    return out

  def test_matrix_same_as_redis(self):
    config = "\n".join(USERS) + "\nuser default on nopass ~* &* +@all\nacllog-max-len 100000\n"
    vireo, redis = start_pair(self, config)
    got, want = self.run_matrix(vireo), self.run_matrix(redis)
    self.assertGreater(len(want), 1000)
    for g, w in zip(got, want):
      self.assertEqual(g, w)
    self.assertEqual(len(got), len(want))


class AclConnectionsTest(unittest.TestCase):

  def setUp(self):
    if not is_vireo():
      self.skipTest("compares vireo-server with redis-server")

  def scenario(self, server):
    out = []
    admin = Conn(server)
    out.append(admin.call("ACL", "SETUSER", "u1", "on", ">p", "~*", "&chan*", "+@all"))
    a, b = Conn(server), Conn(server)
    out.append(a.call("AUTH", "u1", "p"))
    out.append(b.call("AUTH", "u1", "p"))
    # CLIENT KILL USER closes every connection of that user.
    out.append(admin.call("CLIENT", "KILL", "USER", "u1"))
    out.append(admin.call("CLIENT", "KILL", "USER", "nosuch"))
    for c in (a, b):
      try:
        out.append(c.call("PING"))
      except (ConnectionError, OSError):
        out.append("closed")
    # Deleting the user closes its connections, even the one deleting it.
    c1 = Conn(server)
    out.append(c1.call("AUTH", "u1", "p"))
    out.append(c1.call("ACL", "DELUSER", "u1"))
    try:
      out.append(c1.call("PING"))
    except (ConnectionError, OSError):
      out.append("closed")
    # Revoking a subscriber's channels closes it; adding channels does not.
    out.append(admin.call("ACL", "SETUSER", "u2", "on", ">p", "~*", "&chan*", "&other", "+@all"))
    sub = Conn(server)
    out.append(sub.call("AUTH", "u2", "p"))
    out.append(sub.call("SUBSCRIBE", "chan1"))
    out.append(admin.call("ACL", "SETUSER", "u2", "&more"))
    out.append(sub.call("PING"))
    out.append(admin.call("ACL", "SETUSER", "u2", "resetchannels", "&other"))
    try:
      out.append(sub.call("PING"))
    except (ConnectionError, OSError):
      out.append("closed")
    # A user switched off keeps its connections but cannot log in again.
    keep = Conn(server)
    out.append(keep.call("AUTH", "u2", "p"))
    out.append(admin.call("ACL", "SETUSER", "u2", "off"))
    out.append(keep.call("ACL", "WHOAMI"))
    out.append(Conn(server).call("AUTH", "u2", "p"))
    # Permissions changed between MULTI and EXEC.
    out.append(admin.call("ACL", "SETUSER", "u3", "on", ">p", "~*", "+@all"))
    t = Conn(server)
    out.append(t.call("AUTH", "u3", "p"))
    out.append(t.call("MULTI"))
    out.append(t.call("SET", "k", "v"))
    out.append(t.call("GET", "k"))
    out.append(admin.call("ACL", "SETUSER", "u3", "-set"))
    out.append(t.call("EXEC"))
    out.append(admin.call("ACL", "SETUSER", "u3", "resetkeys", "~j*", "+set"))
    out.append(t.call("MULTI"))
    out.append(t.call("SET", "j1", "v"))
    out.append(admin.call("ACL", "SETUSER", "u3", "resetkeys", "~z*"))
    out.append(t.call("EXEC"))
    # Scripts run as their caller.
    out.append(admin.call("ACL", "SETUSER", "u4", "on", ">p", "~a*", "+@scripting", "+get"))
    s = Conn(server)
    out.append(s.call("AUTH", "u4", "p"))
    out.append(s.call("EVAL", "return redis.call('get', KEYS[1])", "1", "a1"))
    out.append(s.call("EVAL", "return redis.pcall('set', KEYS[1], 'x')", "1", "a1"))
    out.append(s.call("EVAL", "return redis.pcall('get', 'b')", "0"))
    out.append(s.call("EVAL", "return redis.acl_check_cmd('get', 'a1')", "0"))
    out.append(s.call("EVAL", "return redis.acl_check_cmd('get', 'b1')", "0"))
    out.append(s.call("EVAL", "return redis.acl_check_cmd('set', 'a1', 'v')", "0"))
    out.append(normalize_log(admin.call("ACL", "LOG")))
    out.append(admin.call("ACL", "LIST"))
    # RESET makes a client the default user again.
    r = Conn(server)
    out.append(r.call("ACL", "SETUSER", "u5", "on", ">p", "+@all", "~*"))
    out.append(r.call("AUTH", "u5", "p"))
    out.append(r.call("RESET"))
    out.append(r.call("ACL", "WHOAMI"))
    return out

  def big_input_scenario(self, server):
    out = []
    c = Conn(server)
    names = ["get", "set", "hget", "lpush", "config|get", "client|kill", "zadd", "xadd", "ping", "eval"]
    rules = []
    for i in range(10000):
      kind = i % 4
      if kind == 0:
        rules.append("~pat%d:*" % i)
      elif kind == 1:
        rules.append("&ch%d" % i)
      elif kind == 2:
        rules.append(("+" if i % 8 == 2 else "-") + names[i % len(names)])
      else:
        rules.append("+@%s" % ["read", "write", "hash", "list"][i % 4] if i % 3 else "-@dangerous")
    out.append(c.call("ACL", "SETUSER", "many", "on", ">pw", *rules))
    out.append(sorted(c.call("ACL", "GETUSER", "many")[7].split()))
    out.append(c.call("ACL", "SETUSER", "many", *(rules[:5000] + ["+nosuch"] + rules[5000:])))
    big = "p" * (1 << 20)
    out.append(c.call("ACL", "SETUSER", "huge", "on", ">" + big, "+@all", "~*"))
    d = Conn(server)
    out.append(d.call("AUTH", "huge", big))
    out.append(d.call("AUTH", "huge", big[:-1]))
    out.append(d.call("ACL", "WHOAMI"))
    out.append(c.call("ACL", "SETUSER", "huge", "<" + big))
    out.append(c.call("ACL", "GETUSER", "huge")[3])
    out.append(c.call("PING"))
    return out

  def test_big_rule_sets_and_passwords_same_as_redis(self):
    vireo, redis = start_pair(self, "")
    self.assertEqual(self.big_input_scenario(vireo), self.big_input_scenario(redis))

  def test_connections_same_as_redis(self):
    vireo, redis = start_pair(self, "")
    got, want = self.scenario(vireo), self.scenario(redis)
    self.assertEqual(got, want)

  def requirepass_scenario(self, server):
    out = []
    c = Conn(server)
    out.append(c.call("PING"))
    out.append(c.call("AUTH", "pw"))
    out.append(c.call("AUTH", "default", "pw"))
    out.append(len(c.call("HELLO", "3", "AUTH", "default", "pw")))
    c.call("HELLO", "2")
    out.append(c.call("CONFIG", "SET", "requirepass", "again"))
    out.append(c.call("PING"))  # still authenticated
    d = Conn(server)
    out.append(d.call("HELLO", "3"))
    d.call("HELLO", "2")
    out.append(d.call("AUTH", "pw"))
    out.append(d.call("AUTH", "again"))
    out.append(d.call("ACL", "GETUSER", "default")[:4])
    out.append(d.call("CONFIG", "SET", "requirepass", ""))
    out.append(Conn(server).call("PING"))
    return out

  def test_requirepass_same_as_redis(self):
    vireo, redis = start_pair(self, "requirepass pw\n")
    self.assertEqual(self.requirepass_scenario(vireo), self.requirepass_scenario(redis))

  def test_redis_py_auth(self):
    # (redis-py 4.3 speaks RESP2 only; RESP3 AUTH flows are in the
    # differential cases: HELLO 3 AUTH.)
    server = start_locked(self, ["--requirepass", "sekret"])
    import redis
    with self.assertRaises((redis.AuthenticationError, redis.ResponseError)):
      server.redis(password="wrong").ping()
    r = server.redis(password="sekret")
    self.assertTrue(r.ping())
    r.acl_setuser("app", enabled=True, passwords=["+apppw"], keys=["app:*"],
                  commands=["+get", "+set", "+acl|whoami"])
    u = server.redis(username="app", password="apppw")
    self.assertEqual(u.acl_whoami(), "app")
    u.set("app:1", "x")
    self.assertEqual(u.get("app:1"), "x")
    with self.assertRaises(redis.exceptions.NoPermissionError):
      u.set("other", "x")
    self.assertEqual(r.acl_getuser("app")["keys"], ["~app:*"])
    r.acl_deluser("app")
    # Its connection was closed; redis-py reconnects and the login fails.
    with self.assertRaises((redis.ConnectionError, redis.ResponseError, redis.AuthenticationError)):
      u.get("app:1")

  def test_secrets_hidden_in_slowlog_and_monitor(self):
    server = ServerProcess(["--slowlog-log-slower-than", "0"])
    self.addCleanup(server.cleanup)
    server.start()
    c = Conn(server)
    c.call("ACL", "SETUSER", "s", "on", ">topsecret", "+@all", "~*")
    c.call("AUTH", "s", "topsecret")
    c.call("HELLO", "2", "AUTH", "s", "topsecret")
    log = c.call("SLOWLOG", "GET", "10")
    text = repr(log).encode()
    self.assertNotIn(b"topsecret", text)
    self.assertIn(b"(redacted)", text)
    mon = Conn(server)
    self.assertEqual(mon.call("MONITOR"), b"OK")
    c.call("AUTH", "s", "topsecret")
    c.call("PING")
    lines = [mon.f.readline(), mon.f.readline()]
    self.assertNotIn(b"topsecret", b"".join(lines))
    self.assertIn(b"\"AUTH\" \"(redacted)\" \"(redacted)\"", lines[0])


class AclFileTest(unittest.TestCase):

  def setUp(self):
    if not is_vireo():
      self.skipTest("compares vireo-server with redis-server")

  def file_scenario(self, server):
    path = os.path.join(server.dir, "users.acl")
    out = []
    c = Conn(server)
    out.append(c.call("ACL", "SETUSER", "fileuser", "on", ">pw", "~f:*", "&f.*", "+get", "(~g* +set)"))
    out.append(c.call("ACL", "SAVE"))
    with open(path, "rb") as f:
      out.append(f.read())
    other = Conn(server)
    out.append(other.call("AUTH", "fileuser", "pw"))
    out.append(c.call("ACL", "DELUSER", "fileuser"))
    out.append(c.call("ACL", "LOAD"))
    out.append(c.call("ACL", "LIST"))
    try:
      out.append(other.call("PING"))
    except (ConnectionError, OSError):
      out.append("closed")
    # A broken file changes nothing and names every problem.
    with open(path, "w") as f:
      f.write("user ok on nopass +@all ~*\n# a comment\nuser bad on +nosuch foo\nuser ok off\n"
              "usr x\nuser \"sp ace\" on\nuser sel (~a\n\n")
    out.append(c.call("ACL", "LOAD"))
    out.append(c.call("ACL", "USERS"))
    with open(path, "w") as f:
      f.write("user default on >pw2 ~* +@all\nuser second on nopass -@all +ping\n")
    out.append(c.call("ACL", "LOAD"))
    out.append(c.call("ACL", "LIST"))
    out.append(c.call("PING"))
    out.append(Conn(server).call("PING"))
    os.chmod(server.dir, 0o500)
    try:
      out.append(c.call("ACL", "SAVE") if os.geteuid() != 0 else b"OK")
    finally:
      os.chmod(server.dir, 0o700)
    os.unlink(path)
    out.append(c.call("ACL", "LOAD")[:40])
    return out

  def test_aclfile_same_as_redis(self):
    vireo = ServerProcess(["--aclfile", "users.acl"])
    redis = ServerProcess(["--aclfile", "users.acl"], binary=REDIS_SERVER)
    for s in (vireo, redis):
      self.addCleanup(s.cleanup)
      open(os.path.join(s.dir, "users.acl"), "w").close()
      s.start()
    self.assertEqual(self.file_scenario(vireo), self.file_scenario(redis))

  def startup_error(self, binary, config, aclfile=None):
    s = ServerProcess((), config, binary=binary)
    self.addCleanup(s.cleanup)
    if aclfile is not None:
      with open(os.path.join(s.dir, "users.acl"), "w") as f:
        f.write(aclfile)
    s.launch(s.command_line(1))
    s.proc.wait(10)
    return s.proc.returncode, s.log()

  def test_bad_user_lines_stop_startup(self):
    for config in ("user u on +nosuch\n", "user u on foo\n", "user u (~a\n", "user u on\nuser u off\n",
                   "aclfile users.acl\nuser u on\n"):
      rc, log = self.startup_error(None, config)
      self.assertNotEqual(rc, 0, config)
      rrc, rlog = self.startup_error(REDIS_SERVER, config)
      self.assertNotEqual(rrc, 0, config)

  def test_bad_aclfile_stops_startup(self):
    rc, log = self.startup_error(None, "aclfile users.acl\n", "user u on +nosuch\n")
    self.assertNotEqual(rc, 0)
    self.assertIn("Aborting Redis startup because of ACL errors: users.acl:1: Error in applying operation "
                  "'+nosuch': Unknown command or category name in ACL.", log)

  def test_good_config_users(self):
    s = start_locked(self, (), "user app on >pw ~app:* +@all\nuser default off\n")
    c = Conn(s)
    self.assertEqual(c.call("PING"), "NOAUTH Authentication required.")
    self.assertEqual(c.call("AUTH", "app", "pw"), b"OK")
    self.assertEqual(c.call("SET", "app:1", "v"), b"OK")
    self.assertEqual(c.call("ACL", "LIST"), [b"user app on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~app:* resetchannels +@all", b"user default off sanitize-payload resetchannels -@all"])


if __name__ == "__main__":
  unittest.main()
