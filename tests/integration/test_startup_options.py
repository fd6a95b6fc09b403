"""The command line that is not configuration, and protected mode.

--help prints usage with examples; --version and INFO agree (Vireo's own
release, and redis_version = the Redis version it is compatible with);
redis-server's tool modes are refused clearly; a server without a password
refuses non-loopback clients with Redis 7.0's protected-mode error.
"""

import socket
import subprocess
import unittest

from harness import ServerProcess, is_vireo, server_binary

REDIS_SERVER = "/usr/bin/redis-server"


def non_loopback_address():
  """A local IPv4 address outside 127/8, or None (no route: no address)."""
  with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    try:
      s.connect(("192.0.2.254", 9))  # no packet is sent for a UDP connect
      addr = s.getsockname()[0]
    except OSError:
      return None
  return None if addr.startswith("127.") or addr == "0.0.0.0" else addr


def run(*args):
  return subprocess.run([server_binary()] + list(args), capture_output=True,
                        text=True, timeout=10)


class CommandLineTest(unittest.TestCase):

  def setUp(self):
    if not is_vireo():
      self.skipTest("vireo-server's own command line")

  def test_help_prints_usage_with_examples(self):
    for flag in ("--help", "-h"):
      p = run(flag)
      self.assertEqual(p.returncode, 0)
      self.assertTrue(p.stdout.startswith(
          "Usage: vireo-server [/path/to/redis.conf] [options] [-]\n"), p.stdout)
      self.assertIn("\nExamples:\n", p.stdout)
      self.assertIn("vireo-server --port 7777\n", p.stdout)
      self.assertIn("echo 'maxmemory 128mb' | vireo-server -\n", p.stdout)

  def test_version_agrees_with_info(self):
    p = run("--version")
    self.assertEqual(p.returncode, 0)
    self.assertEqual(run("-v").stdout, p.stdout)
    fields = dict(w.split("=", 1) for w in p.stdout.split()[2:])
    self.assertTrue(p.stdout.startswith("Vireo server v="), p.stdout)
    server = ServerProcess()
    self.addCleanup(server.cleanup)
    info = server.start().redis().info("server")
    self.assertEqual(str(info["vireo_version"]), fields["v"])
    self.assertEqual(info["redis_version"], fields["redis_version"])
    # Clients gate features on redis_version: it is Redis's, as HELLO's.
    self.assertEqual(info["redis_version"], "7.0.15")
    hello = server.redis().execute_command("HELLO", "2")
    self.assertEqual(dict(zip(hello[::2], hello[1::2]))["version"], "7.0.15")

  def test_redis_tool_modes_are_refused(self):
    for args, text in ((["--test-memory", "64"], "--test-memory is not supported"),
                       (["--test-memory"], "--test-memory is not supported"),
                       (["--check-system"], "--check-system is not supported"),
                       (["--port", "0", "--sentinel"], "no Sentinel mode")):
      p = run(*args)
      self.assertEqual(p.returncode, 1, args)
      self.assertIn(text, p.stderr, args)


class ProtectedModeTest(unittest.TestCase):
  """Runs on both servers: the text and the decision are Redis's."""

  DENIED = ("-DENIED Redis is running in protected mode because protected "
            "mode is enabled and no password is set for the default user.")

  def check(self, binary):
    addr = non_loopback_address()
    if addr is None:
      self.skipTest("no non-loopback local address")
    server = ServerProcess(binary=binary, args=("--bind", "127.0.0.1", addr))
    self.addCleanup(server.cleanup)
    server.start()
    with socket.create_connection((addr, server.port), timeout=5) as s:
      got = b""
      while True:
        chunk = s.recv(4096)
        if not chunk:
          break
        got += chunk
    text = got.decode()
    self.assertTrue(text.startswith(self.DENIED), text)
    self.assertTrue(text.endswith("from the outside.\r\n"), text)
    r = server.redis()
    self.assertEqual(r.config_get("protected-mode"), {"protected-mode": "yes"})
    self.assertGreaterEqual(int(r.info("stats")["rejected_connections"]), 1)
    # With a password for the default user, outside clients are let in
    # (they must AUTH); without one again, they are refused again.
    self.assertTrue(r.config_set("requirepass", "outside-pw"))
    with socket.create_connection((addr, server.port), timeout=5) as s:
      s.sendall(b"PING\r\nAUTH outside-pw\r\nPING\r\n")
      got = b""
      while got.count(b"\r\n") < 3:
        chunk = s.recv(256)
        if not chunk:
          break
        got += chunk
      self.assertEqual(got, b"-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n")
    r.execute_command("AUTH", "outside-pw")
    self.assertTrue(r.config_set("requirepass", ""))
    with socket.create_connection((addr, server.port), timeout=5) as s:
      self.assertTrue(s.recv(4096).startswith(self.DENIED.encode()))
    # Loopback clients are served; turning it off admits everyone.
    self.assertTrue(r.config_set("protected-mode", "no"))
    with socket.create_connection((addr, server.port), timeout=5) as s:
      s.sendall(b"PING\r\n")
      self.assertEqual(s.recv(64), b"+PONG\r\n")
    return text

  def test_non_loopback_clients_refused(self):
    text = self.check(server_binary())
    if is_vireo():
      self.assertEqual(text, self.check(REDIS_SERVER))


if __name__ == "__main__":
  unittest.main()
