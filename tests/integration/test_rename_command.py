"""rename-command in the config file, compared with redis-server 7.0.

The same config starts both servers; every reply (raw RESP bytes) of a
renamed, a disabled and an untouched command must be identical, and a bad
rename-command line must fail start-up with Redis's fatal-config text (the
banner names the product, the rest is the same). The managed layer relies on
this to keep admin commands away from its users.
"""

import subprocess
import unittest

from harness import ServerProcess, encode_command, is_vireo, read_reply, \
    server_binary

REDIS_SERVER = "/usr/bin/redis-server"
CONFIG = ('rename-command config "vireo-admin-config"\n'
          'rename-command FLUSHALL ""\n'
          'rename-command get fetch\n'
          'rename-command fetch get2\n')


def replies(server, commands):
  sock = server.connect()
  f = sock.makefile("rb")
  out = []
  for cmd in commands:
    sock.sendall(encode_command(*cmd))
    out.append(read_reply(f))
  sock.close()
  return out


class RenameCommandTest(unittest.TestCase):

  def setUp(self):
    if not is_vireo():
      self.skipTest("compares vireo-server with redis-server")

  def start(self, binary):
    server = ServerProcess(config_text=CONFIG, binary=binary)
    self.addCleanup(server.cleanup)
    return server.start()

  def test_replies_match_redis(self):
    commands = [
        ("CONFIG", "GET", "maxmemory"),
        ("config", "set", "timeout", "5"),
        ("vireo-admin-config", "GET", "timeout"),
        ("VIREO-ADMIN-CONFIG", "SET", "timeout", "7"),
        ("vireo-admin-config", "get", "timeout"),
        ("FLUSHALL",),
        ("SET", "k", "v"),
        ("GET", "k"),
        ("fetch", "k"),
        ("get2", "k"),
        ("COMMAND", "INFO", "get2", "flushall", "config"),
        ("COMMAND", "GETKEYS", "get2", "k"),
        ("MULTI",),
        ("config", "get", "x"),
        ("EXEC",),
    ]
    vireo = replies(self.start(server_binary()), commands)
    redis = replies(self.start(REDIS_SERVER), commands)
    for cmd, a, b in zip(commands, vireo, redis):
      with self.subTest(cmd=cmd):
        self.assertEqual(a, b)

  def test_command_list_and_count(self):
    plain = ServerProcess()
    self.addCleanup(plain.cleanup)
    before = replies(plain.start(), [("COMMAND", "COUNT")])[0]
    server = self.start(server_binary())
    count, names = replies(server, [("COMMAND", "COUNT"),
                                    ("COMMAND", "LIST")])
    # A disabled command leaves the table; a renamed one is listed by its
    # original name, as Redis does.
    self.assertEqual(count, before - 1)
    self.assertNotIn(b"flushall", names)
    self.assertIn(b"config", names)
    self.assertIn(b"get", names)

  def test_bad_lines_fail_like_redis(self):
    for line in ("rename-command nosuch foo", "rename-command get set",
                 "rename-command get", "rename-command a b c"):
      with self.subTest(line=line):
        outs = []
        for binary in (server_binary(), REDIS_SERVER):
          p = subprocess.run([binary, "-"], input=f"port 0\n{line}\n",
                             capture_output=True, text=True, timeout=10)
          self.assertEqual(p.returncode, 1)
          text = p.stdout + p.stderr
          outs.append(text[text.index(") ***"):].rstrip("\n"))
        self.assertEqual(outs[0], outs[1])


if __name__ == "__main__":
  unittest.main()
