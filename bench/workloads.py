"""What the benchmark measures, as data: throughput tests run through
redis-benchmark and memory loads fed through `redis-cli --pipe`.

To add a family, append to THROUGHPUT_TESTS (a redis-benchmark -t name and
the CSV row it prints) or MEMORY_LOADS (a function writing the RESP
commands that create key i); bench.py turns each entry into table rows.

Pure data and helpers; no state, safe to import anywhere.
"""

import dataclasses
import subprocess
from typing import Callable

REDIS_BENCHMARK = "/usr/bin/redis-benchmark"
REDIS_CLI = "/usr/bin/redis-cli"
CLIENTS = 50
KEYSPACE = 100000  # -r: spread keys so the table is not one hot key


@dataclasses.dataclass(frozen=True)
class ThroughputTest:
  name: str                 # label in the table
  tool_test: str            # redis-benchmark -t value
  csv_prefix: str           # start of the CSV "test" column for our row
  requests: dict            # pipeline depth -> requests per run (full mode)


# Request counts are sized so each run lasts about 1-3 s on a busy 2-core
# machine: long enough for 10 ms CPU-clock ticks to be a small error.
THROUGHPUT_TESTS = [
    ThroughputTest("SET", "set", "SET", {1: 50000, 16: 300000}),
    ThroughputTest("GET", "get", "GET", {1: 50000, 16: 300000}),
    ThroughputTest("INCR", "incr", "INCR", {1: 50000, 16: 300000}),
    ThroughputTest("MSET", "mset", "MSET", {1: 30000, 16: 100000}),
    # Later families, once the server has them:
    ThroughputTest("LPUSH", "lpush", "LPUSH", {1: 50000, 16: 300000}),
    # LPOP runs after an LPUSH of as many elements, so it pops real ones.
    ThroughputTest("LPOP", "lpush,lpop", "LPOP", {1: 50000, 16: 300000}),
    ThroughputTest("SADD", "sadd", "SADD", {1: 50000, 16: 300000}),
    ThroughputTest("HSET", "hset", "HSET", {1: 50000, 16: 300000}),
    ThroughputTest("ZADD", "zadd", "ZADD", {1: 50000, 16: 300000}),
    ThroughputTest("LRANGE_100", "lrange_100", "LRANGE_100",
                   {1: 20000, 16: 50000}),
]

PIPELINES = (1, 16)


@dataclasses.dataclass
class RunResult:
  rps: float
  cpu_per_request: float  # seconds of server CPU per request


def run_throughput(server, test, pipeline, requests, timeout=180, port=None, extra_args=()):
  """One redis-benchmark run; the server's CPU time is read around it.
  port/extra_args: another port and options (TLS, an ACL user)."""
  cmd = [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(port or server.port),
         "-c", str(CLIENTS), "-n", str(requests), "-P", str(pipeline),
         "-r", str(KEYSPACE), "-t", test.tool_test, "--csv", *extra_args]
  cpu_before = server.cpu_seconds()
  result = subprocess.run(cmd, capture_output=True, timeout=timeout)
  cpu_after = server.cpu_seconds()
  out = result.stdout.decode("utf-8", "replace")
  if result.returncode != 0:
    raise RuntimeError("redis-benchmark failed (%d): %s%s" % (
        result.returncode, out[-300:],
        result.stderr.decode("utf-8", "replace")[-300:]))
  rps = parse_csv_rps(out, test.csv_prefix)
  # Requests of helper rows (LRANGE fills its list with LPUSH first) also
  # cost CPU; count them so the figure stays per request actually served.
  served = requests * count_csv_rows(out)
  return RunResult(rps, (cpu_after - cpu_before) / served)


def csv_rows(out):
  for line in out.splitlines():
    cols = [c.strip('"') for c in line.split('","')]
    if len(cols) >= 2 and cols[0] != "test":
      yield cols


def parse_csv_rps(out, prefix):
  for cols in csv_rows(out):
    if cols[0] == prefix or cols[0].startswith(prefix + " "):
      return float(cols[1])
  raise RuntimeError("no %s row in redis-benchmark output: %r" %
                     (prefix, out[-300:]))


def count_csv_rows(out):
  return max(1, sum(1 for _ in csv_rows(out)))


def resp(*args):
  return b"*%d\r\n" % len(args) + b"".join(
      b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def string_key(i):
  # "val:" + 12 digits = 16 bytes; the leading text keeps servers from
  # storing the value as an integer, which would flatter the figure.
  return resp(b"SET", b"key:%d" % i, b"val:%012d" % i)


def hash_key(i):
  # 10 fields "field:N" with 32-byte values ("val:" + 28 digits, not
  # integers): a listpack-encoded hash in both servers.
  args = [b"HSET", b"hash:%d" % i]
  for j in range(10):
    args += [b"field:%d" % j, b"val:%028d" % (i * 10 + j)]
  return resp(*args)


def set_int_key(i):
  # 10 distinct integers below 2^31: an intset in both servers.
  return resp(b"SADD", b"iset:%d" % i, *[b"%d" % (i * 10 + j) for j in range(10)])


def set_str_key(i):
  # 10 members of 16 bytes ("mem:" + 12 digits): a hashtable set.
  return resp(b"SADD", b"sset:%d" % i, *[b"mem:%012d" % (i * 10 + j) for j in range(10)])


def zset_key(i):
  # 10 members of 16 bytes ("mem:" + 12 digits) scored 0..9: a listpack
  # sorted set in both servers (Redis 7.0: about 310 bytes per key).
  args = [b"ZADD", b"zset:%d" % i]
  for j in range(10):
    args += [b"%d" % j, b"mem:%012d" % (i * 10 + j)]
  return resp(*args)


def stream_entry(i):
  # One stream, auto IDs, the XADD row's 5 fields with 8-byte values that
  # differ per entry (the field names repeat, as in most streams).
  args = [b"XADD", b"bigstream", b"*"]
  for j in range(5):
    args += [b"f%d" % j, b"v%07d" % ((i * 5 + j) % 10000000)]
  return resp(*args)


@dataclasses.dataclass(frozen=True)
class MemoryLoad:
  name: str
  keys: int                            # keys created (full mode)
  command_for: Callable[[int], bytes]  # RESP for key i
  commands_per_key: int = 1
  # Keys expected after the load when it is not `keys` (one big collection
  # filled by `keys` commands: the figures are then per element).
  dbsize: int = None
  # vireo/redis ratio to meet (issue goals: strings 0.6x, collections 1.0x).
  goal: float = 1.0
  # Name for bench.py --only (memory loads run with --only only when named).
  only: str = ""


def list_element(i):
  # One list; 16-byte elements like the string load's values.
  return resp(b"RPUSH", b"biglist", b"val:%012d" % i)


MEMORY_LOADS = [
    MemoryLoad("string 16B", 1000000, string_key, goal=0.6, only="mem-string"),
    MemoryLoad("list 1M, per elem", 1000000, list_element,
               dbsize=1, only="mem-list"),
    MemoryLoad("hash 10 fields", 100000, hash_key, only="mem-hash"),
    MemoryLoad("set 10 integers", 100000, set_int_key, only="mem-intset"),
    MemoryLoad("set 10 strings", 100000, set_str_key, only="mem-set"),
    MemoryLoad("zset 10 members", 100000, zset_key, only="mem-zset"),
    MemoryLoad("stream 1M, per entry", 1000000, stream_entry, dbsize=1,
               only="mem-stream"),
    # Later: hashes/sets/zsets/lists, e.g.
    # MemoryLoad("hash 10 fields", 100000, hash_key, commands_per_key=1),
]


def write_load_file(load, keys, path):
  """Writes the RESP stream for `keys` keys of `load` to `path` once, so
  both servers receive byte-identical input."""
  with open(path, "wb") as f:
    batch = []
    for i in range(keys):
      batch.append(load.command_for(i))
      if len(batch) == 10000:
        f.write(b"".join(batch))
        batch.clear()
    f.write(b"".join(batch))


def pipe_file(server, path, expected_replies, timeout=300):
  """Feeds a RESP file to the server with redis-cli --pipe; checks that
  every command was answered without error."""
  with open(path, "rb") as f:
    result = subprocess.run(
        [REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"],
        stdin=f, capture_output=True, timeout=timeout)
  out = result.stdout.decode("utf-8", "replace")
  wanted = "errors: 0, replies: %d" % expected_replies
  if result.returncode != 0 or wanted not in out:
    raise RuntimeError("%s: redis-cli --pipe: %s" % (server.label, out[-300:]))

