"""Streams, bitmaps, HyperLogLog and geo rows of `make bench`.

Each row is CPU per request of vireo-server against redis-server in the same
run (bench.py's measure_pair: interleaved rounds, medians), goal <= 0.9x:

  XADD (auto ID, 5 fields)        redis-benchmark, one stream, P1 and P16
  XREADGROUP+XACK                 one message read and acknowledged = one
                                  request; each connection drains its own
                                  stream so it knows the ID it acknowledges
  SETBIT / BITCOUNT               on 1 MB bitmaps of random bits (SETBIT at
                                  random offsets, BITCOUNT of the whole key)
  PFADD / PFCOUNT                 PFADD of random elements (redis-benchmark
                                  -r); PFCOUNT of two dense HLLs (the merge)
  GEOSEARCH / GEOADD              on a sorted set of 1,000,000 points spread
                                  over a 40x25 degree box; radius 10 km
                                  queries (about 40 results, ASC); GEOADD of
                                  new members into that set

The requests redis-benchmark cannot randomize (its __rand_int__ has leading
zeros, which SETBIT offsets and coordinates refuse) go through a small
driver: CONNECTIONS connections, each with one pipeline of requests in
flight, replies counted by their known byte length (every request's reply
length is known in advance: fixed-width integers and IDs, or probed once for
read-only queries). The load comes from vireo-loadgen (bench/loadgen.cc),
a C++ client that leaves the server most of a core; the server's CPU per
request is the figure that counts.

Pure helpers over bench.py's servers and rows; no state of its own.
"""

import random
import socket
import subprocess

import loadgen
import workloads

CONNECTIONS = 8
GROUPS = ("xadd", "xreadgroup", "setbit", "bitcount", "pfadd", "pfcount",
          "geosearch", "geoadd")
BITMAP_BYTES = 1 << 20
GEO_POINTS = 1000000
GEO_BOX = (-10.0, 30.0, 35.0, 60.0)  # lon min, lon max, lat min, lat max
XADD_FIELDS = [b"f0", b"v0000000", b"f1", b"v1111111", b"f2", b"v2222222",
               b"f3", b"v3333333", b"f4", b"v4444444"]

resp = workloads.resp


def _pipe_bytes(server, payload, expected_replies, timeout=300):
  """Feeds RESP bytes through redis-cli --pipe; checks for no errors."""
  result = subprocess.run(
      [workloads.REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"],
      input=payload, capture_output=True, timeout=timeout)
  out = result.stdout.decode("utf-8", "replace")
  if result.returncode != 0 or ("errors: 0, replies: %d" % expected_replies) not in out:
    raise RuntimeError("%s: redis-cli --pipe: %s" % (server.label, out[-300:]))


def _reply_end(data, pos=0):
  """Index just past the RESP2 reply starting at data[pos], or None when
  data holds only part of it."""
  eol = data.find(b"\r\n", pos)
  if eol < 0:
    return None
  kind, head = data[pos:pos + 1], data[pos + 1:eol]
  if kind in (b"+", b"-", b":"):
    return eol + 2
  n = int(head)
  if kind == b"$":
    end = eol + 2 + max(n, 0) + (2 if n >= 0 else 0)
    return end if end <= len(data) else None
  pos = eol + 2
  for _ in range(max(n, 0)):  # "*"
    pos = _reply_end(data, pos)
    if pos is None:
      return None
  return pos


def _raw(server, payload):
  """Sends requests, returns the bytes of their replies (all of them)."""
  wanted = 0
  p = 0
  while p < len(payload):  # count the requests: each is a RESP array
    p = _reply_end(payload, p)
    wanted += 1
  with socket.create_connection(("127.0.0.1", server.port), timeout=60) as s:
    s.sendall(payload)
    data = b""
    while True:
      end, n = 0, 0
      while n < wanted:
        nxt = _reply_end(data, end) if end < len(data) else None
        if nxt is None:
          break
        end, n = nxt, n + 1
      if n == wanted:
        break
      chunk = s.recv(1 << 20)
      if not chunk:
        raise RuntimeError("%s: connection closed" % server.label)
      data += chunk
    if data.startswith(b"-") or b"\r\n-" in data:
      raise RuntimeError("%s: error reply %r" % (server.label, data[:200]))
    return data


def run_benchmark(server, args, requests, pipeline, keyspace=None):
  """redis-benchmark with an arbitrary command; CPU per request."""
  cmd = [workloads.REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(server.port),
         "-c", str(workloads.CLIENTS), "-n", str(requests), "-P", str(pipeline), "--csv"]
  if keyspace:
    cmd += ["-r", str(keyspace)]
  cpu_before = server.cpu_seconds()
  result = subprocess.run(cmd + list(args), capture_output=True, timeout=300)
  cpu = server.cpu_seconds() - cpu_before
  out = result.stdout.decode("utf-8", "replace")
  if result.returncode != 0:
    raise RuntimeError("redis-benchmark failed: %s" % (out + result.stderr.decode())[-300:])
  return workloads.RunResult(workloads.parse_csv_rps(out, args[0]), cpu / requests)


def drive(server, streams, requests_per_payload):
  """streams[c] is connection c's list of (payload, reply_len), sent one at a
  time in order by vireo-loadgen. Returns requests/s and server CPU seconds
  per request."""
  seconds, done, cpu = loadgen.run(server, streams)
  served = done * requests_per_payload
  return workloads.RunResult(served / seconds, cpu / served)


def _split(requests, pipeline, make, reply_len):
  """requests requests (make(i) -> RESP) spread over CONNECTIONS connections
  in payloads of `pipeline`, each reply reply_len bytes."""
  per_conn = max(1, requests // CONNECTIONS // pipeline)
  streams = []
  i = 0
  for _ in range(CONNECTIONS):
    stream = []
    for _ in range(per_conn):
      stream.append((b"".join(make(i + j) for j in range(pipeline)), reply_len * pipeline))
      i += pipeline
    streams.append(stream)
  return streams


# ---- streams -----------------------------------------------------------------

def run_xadd(server, pipeline, requests):
  server.command("DEL", "bench:xadd")
  try:
    return run_benchmark(server, ["XADD", "bench:xadd", "*"] +
                         [a.decode() for a in XADD_FIELDS], requests, pipeline)
  finally:
    server.command("DEL", "bench:xadd")


def _xrg_key(c):
  return b"bx:%d" % c  # one digit: every reply has the same length


def _xrg_id(i):
  return b"%d-0" % (1000000 + i)  # fixed width


def _xrg_request(key, i):
  return (resp(b"XREADGROUP", b"GROUP", b"g", b"c", b"COUNT", b"1", b"STREAMS", key, b">") +
          resp(b"XACK", key, b"g", _xrg_id(i)))


def _xrg_fill(server, key, entries):
  body = b"".join(resp(b"XADD", key, _xrg_id(i), *XADD_FIELDS) for i in range(entries))
  body += resp(b"XGROUP", b"CREATE", key, b"g", b"0")
  _pipe_bytes(server, body, entries + 1)


def run_xreadgroup(server, pipeline, requests):
  """Each connection reads its own stream through group g, one message per
  XREADGROUP, and acknowledges it: a request is the XREADGROUP+XACK pair."""
  per_conn = max(1, requests // CONNECTIONS // pipeline) * pipeline
  keys = [_xrg_key(c) for c in range(CONNECTIONS)]
  server.command("DEL", "bx:9", *[k.decode() for k in keys])
  try:
    _xrg_fill(server, b"bx:9", 1)
    reply_len = len(_raw(server, _xrg_request(b"bx:9", 0)))
    for key in keys:
      _xrg_fill(server, key, per_conn)
    streams = []
    for key in keys:
      streams.append([(b"".join(_xrg_request(key, r * pipeline + j) for j in range(pipeline)),
                       reply_len * pipeline) for r in range(per_conn // pipeline)])
    result = drive(server, streams, pipeline)
    for key in keys:  # every message was acknowledged
      if not _raw(server, resp(b"XPENDING", key, b"g")).startswith(b"*4\r\n:0\r\n"):
        raise RuntimeError("%s: messages left pending" % server.label)
    return result
  finally:
    server.command("DEL", "bx:9", *[k.decode() for k in keys])


# ---- bitmaps -----------------------------------------------------------------

def _random_bytes(n, seed):
  return random.Random(seed).randbytes(n)


def setup_bitmaps(servers):
  for key, seed in ((b"bench:bits:set", 1), (b"bench:bits:count", 2)):
    payload = resp(b"SET", key, _random_bytes(BITMAP_BYTES, seed))
    for server in servers:
      _raw(server, payload)


def run_setbit(server, pipeline, requests):
  rnd = random.Random(pipeline)
  bits = BITMAP_BYTES * 8
  streams = _split(requests, pipeline, lambda i: resp(
      b"SETBIT", b"bench:bits:set", b"%d" % rnd.randrange(bits), b"%d" % (i & 1)), 4)
  return drive(server, streams, pipeline)


def run_bitcount(server, pipeline, requests):
  request = resp(b"BITCOUNT", b"bench:bits:count")
  reply_len = len(_raw(server, request))
  return drive(server, _split(requests, pipeline, lambda i: request, reply_len), pipeline)


# ---- HyperLogLog -------------------------------------------------------------

def run_pfadd(server, pipeline, requests):
  server.command("DEL", "bench:hll")
  try:
    return run_benchmark(server, ["PFADD", "bench:hll", "__rand_int__"], requests,
                         pipeline, keyspace=100000000)
  finally:
    server.command("DEL", "bench:hll")


def setup_hll(servers):
  body = b""
  for key in (b"bench:hll:a", b"bench:hll:b"):
    for batch in range(100):
      body += resp(b"PFADD", key, *[b"%s:%d" % (key, batch * 1000 + j) for j in range(1000)])
  for server in servers:
    _pipe_bytes(server, body, 200)


def run_pfcount(server, pipeline, requests):
  return run_benchmark(server, ["PFCOUNT", "bench:hll:a", "bench:hll:b"], requests, pipeline)


# ---- geo ---------------------------------------------------------------------

def _geo_point(rnd):
  lon0, lon1, lat0, lat1 = GEO_BOX
  return b"%.6f" % rnd.uniform(lon0, lon1), b"%.6f" % rnd.uniform(lat0, lat1)


def setup_geo(servers, points):
  rnd = random.Random(42)
  parts = []
  for start in range(0, points, 100):
    args = [b"GEOADD", b"bench:geo"]
    for i in range(start, min(points, start + 100)):
      lon, lat = _geo_point(rnd)
      args += [lon, lat, b"m:%d" % i]
    parts.append(resp(*args))
  body = b"".join(parts)
  for server in servers:
    _pipe_bytes(server, body, len(parts))
    if int(server.command("ZCARD", "bench:geo")) != points:
      raise RuntimeError("%s: geo load incomplete" % server.label)


GEO_QUERIES = 1000


def geo_queries(server):
  """GEO_QUERIES distinct radius queries and their reply lengths on `server`
  (read-only, so probing them first changes nothing)."""
  rnd = random.Random(7)
  out = []
  for _ in range(GEO_QUERIES):
    lon, lat = _geo_point(rnd)
    q = resp(b"GEOSEARCH", b"bench:geo", b"FROMLONLAT", lon, lat, b"BYRADIUS", b"10", b"km", b"ASC")
    out.append((q, len(_raw(server, q))))
  return out


def run_geosearch(server, pipeline, requests, queries):
  per_conn = max(1, requests // CONNECTIONS // pipeline)
  streams = []
  n = 0
  for _ in range(CONNECTIONS):
    stream = []
    for _ in range(per_conn):
      batch = [queries[(n + j) % len(queries)] for j in range(pipeline)]
      n += pipeline
      stream.append((b"".join(q for q, _ in batch), sum(l for _, l in batch)))
    streams.append(stream)
  return drive(server, streams, pipeline)


_geoadd_serial = [0]


def run_geoadd(server, pipeline, requests):
  """New members (never added before, so every reply is :1) into the
  1,000,000-point set."""
  rnd = random.Random(pipeline)
  base = _geoadd_serial[0]
  _geoadd_serial[0] += requests
  streams = _split(requests, pipeline,
                   lambda i: resp(b"GEOADD", b"bench:geo", *_geo_point(rnd), b"n:%d" % (base + i)), 4)
  return drive(server, streams, pipeline)


# ---- rows --------------------------------------------------------------------

# name -> requests per run at P1 and P16 (full mode)
REQUESTS = {
    "xadd": {1: 50000, 16: 300000},
    "xreadgroup": {1: 100000, 16: 300000},
    "setbit": {1: 150000, 16: 600000},
    "bitcount": {1: 16000, 16: 24000},
    "pfadd": {1: 50000, 16: 300000},
    "pfcount": {1: 20000, 16: 40000},
    "geosearch": {1: 40000, 16: 60000},
    "geoadd": {1: 80000, 16: 200000},
}

LABELS = {
    "xadd": "XADD 5 fields", "xreadgroup": "XREADGROUP+XACK", "setbit": "SETBIT 1MB",
    "bitcount": "BITCOUNT 1MB", "pfadd": "PFADD", "pfcount": "PFCOUNT 2 keys",
    "geosearch": "GEOSEARCH 10km of 1M", "geoadd": "GEOADD into 1M",
}


def measure(servers, wanted, rounds, quick, rows, measure_pair):
  """Adds the rows of the groups in `wanted` (GROUPS names)."""
  div = 5 if quick else 1
  runners = {
      "xadd": run_xadd, "xreadgroup": run_xreadgroup, "setbit": run_setbit,
      "bitcount": run_bitcount, "pfadd": run_pfadd, "pfcount": run_pfcount,
      "geoadd": run_geoadd,
  }
  if wanted & {"setbit", "bitcount"}:
    setup_bitmaps(servers)
  if "pfcount" in wanted:
    setup_hll(servers)
  queries = {}
  if wanted & {"geosearch", "geoadd"}:
    points = GEO_POINTS // div
    print("  loading %d geo points into each server" % points, flush=True)
    setup_geo(servers, points)
    if "geosearch" in wanted:
      for server in servers:
        queries[server.label] = geo_queries(server)
      runners["geosearch"] = lambda server, p, n: run_geosearch(server, p, n, queries[server.label])
  try:
    for name in GROUPS:
      if name not in wanted:
        continue
      for pipeline in workloads.PIPELINES:
        requests = REQUESTS[name][pipeline] // div
        measure_pair(servers, rounds,
                     lambda server: runners[name](server, pipeline, requests),
                     "%s P%d" % (LABELS[name], pipeline), "throughput",
                     "CPU/request", 0.9, rows)
  finally:
    for server in servers:
      try:
        server.command("DEL", "bench:bits:set", "bench:bits:count", "bench:hll:a",
                       "bench:hll:b", "bench:geo")
      except Exception:
        pass  # a dead server is already reported by its row
