"""Throughput tests that redis-benchmark cannot express (a MULTI/EXEC
block, several commands per request): a small driver with its own
connections, each sending `pipeline` requests per round trip.

A request is fixed RESP bytes whose replies are the same every time (the
driver learns their length from one probe round trip, so it never parses
replies). The load itself comes from vireo-loadgen (bench/loadgen.cc): a
C++ client costs the shared cores little. The figure that matters is the
server's own CPU time per command, read around the run.

Pure helpers; the caller owns the servers.
"""

import dataclasses
import hashlib
import socket
import time
from typing import Callable

import loadgen


@dataclasses.dataclass(frozen=True)
class ScriptedTest:
  name: str                      # label in the table
  request: Callable[[int], bytes]  # RESP bytes of request i (i < KEYS)
  commands: int                  # commands in one request
  requests: dict                 # pipeline depth -> requests per run (full mode)
  setup: bytes = b""             # sent once before a run (SCRIPT LOAD, FUNCTION LOAD)


def resp(*args):
  return b"*%d\r\n" % len(args) + b"".join(
      b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


KEYS = 1000  # distinct payloads cycled through (keys key:0..key:4999)


def multi_exec_5_sets(i):
  body = b"".join(resp(b"SET", b"key:%d" % (i * 5 + j), b"val:%012d" % j) for j in range(5))
  return resp(b"MULTI") + body + resp(b"EXEC")


# One GET and one SET per call, from a cached script and from a function
# (the reply is the value written, so every reply has the same length).
GET_SET_SCRIPT = b"redis.call('GET', KEYS[1]) redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1]"
GET_SET_SHA = hashlib.sha1(GET_SET_SCRIPT).hexdigest().encode()
GET_SET_LIBRARY = (b"#!lua name=benchlib\nredis.register_function('getset', function(keys, args) "
                   b"redis.call('GET', keys[1]) redis.call('SET', keys[1], args[1]) return args[1] end)")


def evalsha_get_set(i):
  return resp(b"EVALSHA", GET_SET_SHA, b"1", b"key:%d" % i, b"val:%012d" % i)


def fcall_get_set(i):
  return resp(b"FCALL", b"getset", b"1", b"key:%d" % i, b"val:%012d" % i)


SCRIPTED_TESTS = [
    ScriptedTest("MULTI+5 SET+EXEC", multi_exec_5_sets, 7, {1: 120000, 16: 500000}),
    ScriptedTest("EVALSHA GET+SET", evalsha_get_set, 1, {1: 120000, 16: 500000},
                 setup=resp(b"SCRIPT", b"LOAD", GET_SET_SCRIPT)),
    ScriptedTest("FCALL GET+SET", fcall_get_set, 1, {1: 120000, 16: 500000},
                 setup=resp(b"FUNCTION", b"LOAD", b"REPLACE", GET_SET_LIBRARY)),
]

CONNECTIONS = 8


@dataclasses.dataclass
class RunResult:
  rps: float              # requests per second (a request = `commands` commands)
  cpu_per_request: float  # seconds of server CPU per command


def _probe_reply_len(port, payload):
  """The byte length of the replies to `payload` (idle wait, then read all)."""
  with socket.create_connection(("127.0.0.1", port)) as s:
    s.sendall(payload)
    time.sleep(0.2)
    s.setblocking(False)
    data = b""
    while True:
      try:
        chunk = s.recv(1 << 20)
      except BlockingIOError:
        break
      if not chunk:
        break
      data += chunk
    if data.startswith(b"-") or b"\r\n-" in data:
      raise RuntimeError("error reply: %r" % data[:200])
    return len(data)


def run_scripted(server, test, pipeline, requests):
  """One run of `test` at `pipeline` requests per round trip on CONNECTIONS
  connections, driven by vireo-loadgen; the server's CPU is read around it."""
  if test.setup:
    _probe_reply_len(server.port, test.setup)
  payloads = [b"".join(test.request((k * pipeline + j) % KEYS) for j in range(pipeline))
              for k in range(max(1, KEYS // pipeline))]
  reply_len = _probe_reply_len(server.port, payloads[0])
  # Every payload of a test has replies of the same length (same commands,
  # same outcome): checked on one more.
  if _probe_reply_len(server.port, payloads[-1]) != reply_len:
    raise RuntimeError("replies differ in length between payloads")
  # Payload k goes to connection k % CONNECTIONS, each cycling its own.
  streams = [[(p, reply_len) for p in payloads[c::CONNECTIONS]] for c in range(CONNECTIONS)]
  sends = max(1, requests // pipeline // CONNECTIONS)
  seconds, done, cpu = loadgen.run(server, streams, sends)
  served = done * pipeline
  return RunResult(served / seconds, cpu / (served * test.commands))


# ---- PUBLISH fan-out ---------------------------------------------------------

PUBLISH_FANOUTS = (1, 100)   # subscribers per channel
PUBLISH_REQUESTS = {1: 100000, 100: 20000}


def run_publish(server, subscribers, requests, pipeline=1):
  """PUBLISH from redis-benchmark (50 clients) to `subscribers` redis-cli
  subscribers that discard what they read. Returns deliveries per second
  and server CPU seconds per delivered message."""
  import subprocess
  subs = []
  try:
    for _ in range(subscribers):
      subs.append(subprocess.Popen(
          ["/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", str(server.port), "subscribe", "bench:chan"],
          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
      # PUBLISH answers how many subscribers received it.
      if int(server.command("PUBLISH", "bench:chan", "probe")) >= subscribers:
        break
      time.sleep(0.05)
    else:
      raise RuntimeError("subscribers did not connect")
    cmd = ["/usr/bin/redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-c", "50",
           "-n", str(requests), "-P", str(pipeline), "--csv", "PUBLISH", "bench:chan", "hello-subscribers"]
    cpu_before = server.cpu_seconds()
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, timeout=300)
    elapsed = time.monotonic() - start
    cpu = server.cpu_seconds() - cpu_before
    if result.returncode != 0:
      raise RuntimeError("redis-benchmark failed: %s" % result.stderr[-300:])
    delivered = requests * subscribers
    return RunResult(delivered / elapsed, cpu / delivered)
  finally:
    for p in subs:
      p.kill()
      p.wait()


def run_publish_stall(server, subscribers=10000, messages=200):
  """While one client PUBLISHes `messages` messages (P1) to `subscribers`
  subscribers, another sends PINGs: returns the worst and the 99th
  percentile PING round trip in ms, i.e. how long fan-out stalls others."""
  import threading
  server.command("CONFIG", "SET", "maxclients", str(subscribers + 100))
  subs = []
  try:
    sub_cmd = resp(b"SUBSCRIBE", b"bench:wide")
    for _ in range(subscribers):
      s = socket.create_connection(("127.0.0.1", server.port))
      s.sendall(sub_cmd)  # confirmations and messages stay unread in the socket buffer
      subs.append(s)
    deadline = time.monotonic() + 30
    while int(server.command("PUBLISH", "bench:wide", "probe")) < subscribers:
      if time.monotonic() > deadline:
        raise RuntimeError("subscribers did not connect")
      time.sleep(0.1)
    done = threading.Event()
    errors = []

    def publisher():
      try:
        with socket.create_connection(("127.0.0.1", server.port)) as p:
          msg = resp(b"PUBLISH", b"bench:wide", b"m" * 64)
          for _ in range(messages):
            p.sendall(msg)
            if not p.recv(64):
              raise RuntimeError("publisher connection closed")
      except Exception as e:  # reported by the caller
        errors.append(e)
      finally:
        done.set()

    samples = []
    with socket.create_connection(("127.0.0.1", server.port)) as pinger:
      pinger.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
      t = threading.Thread(target=publisher)
      t.start()
      ping = resp(b"PING")
      while not done.is_set():
        start = time.monotonic()
        pinger.sendall(ping)
        pinger.recv(64)
        samples.append((time.monotonic() - start) * 1000)
      t.join()
    if errors:
      raise errors[0]
    samples.sort()
    return max(samples), samples[int(len(samples) * 0.99)]
  finally:
    for s in subs:
      s.close()
