"""redis-cli and redis-benchmark, unchanged, against the server under test.

These tools are what operators reach for first, so they must work without
any flags beyond the ones a person would type.
"""

import subprocess
import unittest

from harness import REDIS_BENCHMARK, REDIS_CLI, ServerTestCase, quick


class CliTest(ServerTestCase):

  def cli(self, *args, stdin=None, timeout=60):
    """Runs redis-cli against the server; returns (exit code, stdout)."""
    cmd = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.server.port)]
    result = subprocess.run(cmd + list(args), input=stdin,
                            capture_output=True, timeout=timeout)
    return result.returncode, result.stdout.decode("utf-8", "replace")

  def test_ping(self):
    self.assertEqual(self.cli("ping"), (0, "PONG\n"))

  def test_set_get_del(self):
    self.assertEqual(self.cli("set", "greeting", "hello world"), (0, "OK\n"))
    self.assertEqual(self.cli("get", "greeting"), (0, "hello world\n"))
    self.assertEqual(self.cli("del", "greeting"), (0, "1\n"))
    self.assertEqual(self.cli("get", "greeting"), (0, "\n"))

  def test_error_reply_output(self):
    code, out = self.cli("incr", "x", "y")
    self.assertEqual(code, 0)
    self.assertIn("ERR wrong number of arguments for 'incr' command", out)

  def test_pipe_mass_insert(self):
    n = 10000
    payload = b"".join(
        b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" %
        (len(k), k, len(v), v)
        for k, v in ((b"key:%d" % i, b"value:%d" % i) for i in range(n)))
    code, out = self.cli("--pipe", stdin=payload)
    self.assertEqual(code, 0, out)
    self.assertIn("errors: 0, replies: %d" % n, out)
    self.assertEqual(self.cli("dbsize"), (0, "%d\n" % n))
    self.assertEqual(self.cli("get", "key:9999"), (0, "value:9999\n"))

  def test_resp3_mode(self):
    code, out = self.cli("-3", "incr", "counter")
    self.assertEqual((code, out), (0, "1\n"))
    # In RESP3 CONFIG GET is a map; --no-raw shows its formatted form.
    self.assertEqual(self.cli("-3", "--no-raw", "config", "get", "maxclients"),
                     (0, '1# "maxclients" => "10000"\n'))
    self.assertEqual(self.cli("-3", "config", "get", "maxclients"),
                     (0, "maxclients 10000\n"))
    # A missing key is the RESP3 null: (nil) when formatted, empty when raw.
    self.assertEqual(self.cli("-3", "--no-raw", "get", "missing"),
                     (0, "(nil)\n"))
    self.assertEqual(self.cli("-3", "get", "missing"), (0, "\n"))
    code, out = self.cli("-3", "hello", "3")
    self.assertEqual(code, 0)
    self.assertIn("proto\n3\n", out.replace(" ", "\n"))

  def test_info(self):
    code, out = self.cli("info")
    self.assertEqual(code, 0)
    self.assertIn("# Server", out)
    self.assertIn("tcp_port:%d" % self.server.port, out)
    code, out = self.cli("info", "memory")
    self.assertIn("# Memory", out)
    self.assertIn("used_memory:", out)
    self.assertNotIn("# Server", out)


class BenchmarkToolTest(ServerTestCase):

  def test_redis_benchmark_runs_clean(self):
    n = 1000 if quick() else 2000
    cmd = [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(self.server.port),
           "-q", "-n", str(n), "-t", "set,get,incr,mset", "-P", "16"]
    result = subprocess.run(cmd, capture_output=True, timeout=120)
    out = result.stdout.decode("utf-8", "replace")
    err = result.stderr.decode("utf-8", "replace")
    self.assertEqual(result.returncode, 0, out + err)
    for test in ("SET", "GET", "INCR", "MSET"):
      self.assertRegex(out, r"%s[^:]*: [0-9.]+ requests per second" % test)
    self.assertNotIn("rror", out + err)
    self.assertTrue(self.server.alive())
    r = self.server.redis()
    # redis-benchmark stops counting at n but may already have sent a few more
    # pipelined requests (50 clients x 16): the counter is at least n.
    counter = int(r.get("counter:__rand_int__"))
    self.assertGreaterEqual(counter, n)
    self.assertLessEqual(counter, n + 50 * 16)


if __name__ == "__main__":
  unittest.main()
