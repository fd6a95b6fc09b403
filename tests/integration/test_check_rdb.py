"""vireo-check-rdb against redis-check-rdb 7.0: the same report and exit
code for good files (written by redis-server and by vireo-server: every
type, streams with groups, function libraries, expiries, several
databases), for truncated files, for corrupted bytes and for bad arguments.
Where Redis reports an internal decoding error ("Internal error in RDB
reading offset 0, function at rdb.c:LINE -> reason", then a server log
line), Vireo gives its own reason on the same line; the rest must match.
"""

import os
import random
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import ServerProcess, is_vireo, server_binary

REDIS = "/usr/bin/redis-server"
REDIS_CHECK = "/usr/bin/redis-check-rdb"
DEBUG = ["--enable-debug-command", "yes"]


# Stream checks Vireo makes and Redis does not (see ARCHITECTURE.md).
STRICTER = (r"\] Stream (node keys out of order|entry IDs out of order|length inconsistent|last ID below|"
            r"PEL entry owned by two|listpack integrity check failed)")


def vireo_check():
  return os.path.join(os.path.dirname(server_binary()), "vireo-check-rdb")


def run(tool, *args, cwd=None):
  p = subprocess.run([tool] + list(args), capture_output=True, timeout=60, cwd=cwd)
  return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def normalized(out):
  """The report with Redis's internal-error details reduced to the line's
  offset, and its server log line dropped."""
  lines = []
  for line in out.splitlines():
    if re.match(r"^\d+:C .* # Terminating server", line):
      continue
    m = re.match(r"^(\[offset \d+\]) Internal error in RDB reading .* -> .*$", line)
    if m:
      line = m.group(1) + " <decoding error>"
    lines.append(line)
  return lines


def fill(r):
  r.set("str", "hello")
  r.set("int", 123)
  r.set("compressible", "abc" * 200)
  r.set("ttl", "v", px=3600 * 1000)
  r.rpush("list", *range(300))
  r.sadd("intset", 1, 2, 3)
  r.sadd("set", "a", "b")
  r.hset("hash", mapping={"a": 1, "b": "x" * 100})
  r.zadd("zset", {"a": 1, "b": 2})
  r.zadd("bigzset", {"m%d" % i: i for i in range(200)})
  for i in range(1, 150):
    r.xadd("stream", {"f": i}, id="1-%d" % i)
  r.xdel("stream", "1-5")
  r.xgroup_create("stream", "g", id="0")
  r.xreadgroup("g", "c", {"stream": ">"}, count=10)
  r.function_load("#!lua name=lib\nredis.register_function('f', function() return 1 end)")
  r.execute_command("SELECT", 3)
  r.set("db3", "x")
  r.execute_command("SELECT", 0)


@unittest.skipUnless(is_vireo(), "checks the vireo-check-rdb binary")
class CheckRdbTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.dir = tempfile.mkdtemp(prefix="vireo-check-rdb-")
    cls.files = {}
    for name, binary in (("redis", REDIS), ("vireo", server_binary())):
      s = ServerProcess(DEBUG, binary=binary)
      try:
        r = s.start().redis()
        fill(r)
        r.set("expired", "v", px=200)
        r.save()
        path = os.path.join(cls.dir, name + ".rdb")
        shutil.copy(os.path.join(s.dir, "dump.rdb"), path)
        cls.files[name] = path
      finally:
        s.cleanup()

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.dir, ignore_errors=True)

  def compare(self, path):
    want = run(REDIS_CHECK, path)
    got = run(vireo_check(), path)
    self.assertEqual(got[0], want[0], path)
    want_lines, got_lines = normalized(want[1]), normalized(got[1])
    if re.search(STRICTER, got[1]):
      # Vireo refused a stream Redis accepts (then fails on the CRC): the
      # report matches up to Vireo's error.
      cut = got_lines.index("--- RDB ERROR DETECTED ---")
      self.assertEqual(got_lines[:cut], want_lines[:cut], path)
      return got
    # Where Redis names an internal decoding error, Vireo names its own
    # reason for the same offset.
    for i, line in enumerate(want_lines):
      if line.endswith(" <decoding error>") and i < len(got_lines):
        got_lines[i] = re.sub(r"^(\[offset \d+\]) .*$", r"\1 <decoding error>", got_lines[i])
    self.assertEqual(got_lines, want_lines, path)
    return got

  def test_good_files(self):
    for name, path in self.files.items():
      code, out, _ = self.compare(path)
      self.assertEqual(code, 0, out)
      self.assertIn("\\o/ RDB looks OK! \\o/", out)
      self.assertIn("[info] 13 keys read", out)
      self.assertIn("[info] 2 expires", out)
      self.assertIn("[info] 1 already expired", out)

  def test_truncated_files(self):
    data = open(self.files["redis"], "rb").read()
    path = os.path.join(self.dir, "cut.rdb")
    step = max(1, len(data) // 150)
    for n in list(range(0, len(data), step)) + [len(data) - 1]:
      with open(path, "wb") as f:
        f.write(data[:n])
      code, out, _ = self.compare(path)
      self.assertEqual(code, 1, n)

  def test_corrupted_bytes(self):
    rng = random.Random(11)
    for name in ("redis", "vireo"):
      data = open(self.files[name], "rb").read()
      path = os.path.join(self.dir, "bad.rdb")
      for _ in range(150):
        bad = bytearray(data)
        i = rng.randrange(9, len(data))
        bad[i] ^= rng.randrange(1, 256)
        with open(path, "wb") as f:
          f.write(bad)
        code, out, _ = self.compare(path)
        self.assertEqual(code, 1, (name, i))

  def test_checksum_disabled_and_bad_header(self):
    s = ServerProcess(DEBUG + ["--rdbchecksum", "no"], binary=server_binary())
    try:
      r = s.start().redis()
      r.set("a", "b")
      r.save()
      path = os.path.join(self.dir, "nocrc.rdb")
      shutil.copy(os.path.join(s.dir, "dump.rdb"), path)
    finally:
      s.cleanup()
    code, out, _ = self.compare(path)
    self.assertEqual(code, 0)
    self.assertIn("saved with checksum disabled", out)
    data = open(self.files["redis"], "rb").read()
    for name, content in (("sig.rdb", b"REDIX" + data[5:]), ("ver.rdb", b"REDIS0011" + data[9:]),
                          ("ver0.rdb", b"REDISabcd" + data[9:]), ("empty.rdb", b""),
                          ("type.rdb", data[:9] + b"\x08")):
      path = os.path.join(self.dir, name)
      with open(path, "wb") as f:
        f.write(content)
      self.assertEqual(self.compare(path)[0], 1, name)

  def test_arguments(self):
    self.assertEqual(run(vireo_check())[0], 1)
    code, out, err = run(vireo_check(), "a", "b")
    self.assertEqual(code, 1)
    self.assertIn("<rdb-file-name>", err)
    code, out, _ = run(vireo_check(), os.path.join(self.dir, "missing.rdb"))
    self.assertEqual((code, out), run(REDIS_CHECK, os.path.join(self.dir, "missing.rdb"))[:2])
    code, out, _ = run(vireo_check(), "--version")
    self.assertEqual(code, 0)
    self.assertTrue(out.startswith("vireo-check-rdb "))
