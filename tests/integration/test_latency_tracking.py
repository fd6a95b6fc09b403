"""Latency tracking over TCP: INFO latencystats and LATENCY HISTOGRAM under a
load, checked against the latencies the client measured (loose bounds: the
server's time is part of each round trip), plus latency-tracking no and
CONFIG RESETSTAT."""

import time
import unittest

import redis

from harness import ServerTestCase

N = 2000


def latencystats(r):
  # redis-py parses "p50=1.0,p99=2.0" into a dict of numbers.
  out = {}
  for key, value in r.info("latencystats").items():
    if key.startswith("latency_percentiles_usec_"):
      name = key[len("latency_percentiles_usec_"):]
      out[name] = {k: float(v) for k, v in value.items()} if isinstance(value, dict) else value
  return out


class LatencyTrackingTest(ServerTestCase):
  def client(self):
    r = redis.Redis(host="127.0.0.1", port=self.server.port)
    self.addCleanup(r.close)
    return r

  def test_percentiles_against_client_latencies(self):
    r = self.client()
    r.config_resetstat()
    client_us = []
    for i in range(N):
      t0 = time.perf_counter()
      r.set("k%d" % (i % 50), "v")
      client_us.append((time.perf_counter() - t0) * 1e6)
    client_us.sort()
    stats = latencystats(r)["set"]
    self.assertEqual(set(stats), {"p50", "p99", "p99.9"})
    self.assertLessEqual(stats["p50"], stats["p99"])
    self.assertLessEqual(stats["p99"], stats["p99.9"])
    # The server's part of a round trip is smaller than the round trip
    # (2 significant digits: allow 1% plus a microsecond).
    self.assertLessEqual(stats["p50"], client_us[N // 2] * 1.01 + 1)
    self.assertLessEqual(stats["p99"], client_us[int(N * 0.99)] * 1.01 + 1)
    self.assertGreater(stats["p50"], 0)

    hist = r.execute_command("LATENCY", "HISTOGRAM", "set")
    self.assertEqual(hist[0], b"set")
    body = dict(zip(hist[1][::2], hist[1][1::2]))
    self.assertEqual(body[b"calls"], N)
    points = body[b"histogram_usec"]
    counts = points[1::2]
    self.assertEqual(counts, sorted(counts))
    self.assertEqual(counts[-1], N)
    usecs = points[::2]
    self.assertEqual(usecs, sorted(usecs))

  def test_tracking_off_and_resetstat(self):
    r = self.client()
    r.get("x")
    self.assertIn("get", latencystats(r))
    r.config_resetstat()
    self.assertNotIn("get", latencystats(r))
    r.config_set("latency-tracking", "no")
    r.get("x")
    self.assertEqual(r.execute_command("LATENCY", "HISTOGRAM", "get"), [])
    self.assertEqual(latencystats(r), {})
    r.config_set("latency-tracking", "yes")
    r.get("x")
    r.get("x")
    hist = r.execute_command("LATENCY", "HISTOGRAM", "get")
    self.assertEqual(dict(zip(hist[1][::2], hist[1][1::2]))[b"calls"], 2)


if __name__ == "__main__":
  unittest.main()
