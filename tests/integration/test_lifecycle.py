"""Start-up and shut-down: signals, SHUTDOWN, and configuration files.

The server must stop cleanly and promptly when asked (supervisors rely on
the exit status), and must refuse a bad configuration at start-up with an
error that names the offending line rather than run with a half-applied
config.
"""

import re
import signal
import subprocess
import time
import unittest

import redis

from harness import ServerProcess, ServerTestCase, free_port, is_vireo, \
    wait_for_port

FATAL_HEADER = re.compile(
    r"\*\*\* FATAL CONFIG FILE ERROR \((Redis|Vireo) [^)]*\) \*\*\*")


class SignalTest(ServerTestCase):

  def assert_exits_cleanly_on(self, signum):
    r = self.server.redis()
    r.set("k", "v")
    start = time.monotonic()
    self.server.proc.send_signal(signum)
    code = self.server.proc.wait(timeout=10)
    self.assertEqual(code, 0, self.server.log())
    self.assertLess(time.monotonic() - start, 5.0)
    with self.assertRaises(OSError):
      self.server.connect(timeout=1).close()

  def test_sigterm_exits_zero(self):
    self.assert_exits_cleanly_on(signal.SIGTERM)

  def test_sigint_exits_zero(self):
    self.assert_exits_cleanly_on(signal.SIGINT)

  def test_sigterm_with_clients_connected(self):
    idle = [self.server.connect() for _ in range(5)]
    try:
      self.assert_exits_cleanly_on(signal.SIGTERM)
    finally:
      for s in idle:
        s.close()


class ShutdownCommandTest(ServerTestCase):

  def shutdown_with(self, *args):
    with self.server.connect() as sock:
      sock.sendall(b"SHUTDOWN %s\r\n" % b" ".join(args))
      sock.settimeout(10)
      # A successful SHUTDOWN never replies: the connection just closes.
      self.assertEqual(sock.recv(1024), b"")
    code = self.server.proc.wait(timeout=10)
    self.assertEqual(code, 0, self.server.log())

  def test_shutdown(self):
    self.shutdown_with()

  def test_shutdown_nosave(self):
    self.shutdown_with(b"NOSAVE")

  def test_shutdown_through_redis_py(self):
    r = self.server.redis()
    try:
      r.shutdown(nosave=True)
    except redis.ConnectionError:
      pass
    self.assertEqual(self.server.proc.wait(timeout=10), 0)

  def test_shutdown_bad_argument(self):
    r = self.server.redis()
    with self.assertRaisesRegex(redis.ResponseError, "syntax error"):
      r.execute_command("SHUTDOWN", "BOGUS")
    self.assertTrue(r.ping())


class ConfigFileTest(unittest.TestCase):

  def spawn(self, config_text, args=()):
    """Runs the binary with `config_text` as its only config file and the
    given arguments (no defaults added); the process is always reaped."""
    server = ServerProcess(args, config_text)
    self.addCleanup(server.cleanup)
    server.command_line(0)  # writes the config file
    server.launch([server.binary, server.config_path] + list(args))
    return server

  def run_to_exit(self, config_text):
    server = self.spawn(config_text)
    code = server.proc.wait(timeout=10)
    server.kill()
    return code, server.log()

  def test_unknown_directive_is_fatal(self):
    code, out = self.run_to_exit(
        "port %d\nbind 127.0.0.1\nno-such-directive yes\nsave \"\"\n"
        % free_port())
    self.assertNotEqual(code, 0)
    self.assertRegex(out, FATAL_HEADER)
    self.assertIn("Reading the configuration file, at line 3", out)
    self.assertIn(">>> 'no-such-directive yes'", out)
    self.assertIn("Bad directive or wrong number of arguments", out)

  def test_bad_value_is_fatal(self):
    code, out = self.run_to_exit(
        "port %d\nbind 127.0.0.1\nmaxmemory-policy bogus\n" % free_port())
    self.assertNotEqual(code, 0)
    self.assertRegex(out, FATAL_HEADER)
    self.assertIn("at line 3", out)
    self.assertIn(">>> 'maxmemory-policy bogus'", out)
    self.assertIn("argument(s) must be one of the following", out)

  def test_port_and_bind_from_file(self):
    port = free_port()
    server = self.spawn(
        "# comment lines and blank lines are fine\n\n"
        "port %d\nbind 127.0.0.1\nsave \"\"\nappendonly no\n"
        "maxclients 77\n" % port)
    self.assertTrue(wait_for_port(port, 10, server.proc), server.log())
    server.port = port
    r = server.redis()
    self.assertEqual(r.config_get("maxclients"), {"maxclients": "77"})
    self.assertEqual(r.config_get("bind"), {"bind": "127.0.0.1"})

  def test_command_line_overrides_file(self):
    file_port, cli_port = free_port(), free_port()
    server = self.spawn(
        "port %d\nbind 127.0.0.1\nsave \"\"\nmaxclients 77\n" % file_port,
        ["--port", str(cli_port), "--maxclients", "88"])
    self.assertTrue(wait_for_port(cli_port, 10, server.proc), server.log())
    server.port = cli_port
    self.assertEqual(server.redis().config_get("maxclients"),
                     {"maxclients": "88"})
    with self.assertRaises(OSError):
      server.port = file_port
      server.connect(timeout=1).close()


if __name__ == "__main__":
  unittest.main()
