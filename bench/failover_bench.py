#!/usr/bin/python3
"""Failover benchmark: kill -9 the primary N times (then SIGSTOP it H
times: a hung primary), time the way back.

For each engine (vireo, redis: --engines), starts a vireo-manager, creates a
group with two replicas, and while a background client keeps writing with WAIT 1 through
the primary endpoint, kills the current primary with SIGKILL N times. For
each failover it measures the time from the kill to the first write accepted
through the same primary endpoint; at the end it counts writes that were
acknowledged by WAIT 1 but are missing from the final primary.

A hung primary is failed over after down-after without waiting on it: its
time is the one to compare with down-after (+200 ms is the goal); the
failover fences it (stops it) and it rejoins as a replica.

  failover_bench.py [--failovers 20] [--hung 5] [--down-after-ms 1000]
                    [--interval-ms 200] [--engines vireo,redis]
"""

import argparse
import os
import signal
import statistics
import sys
import threading
import time

import redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "manager"))
from harness import ManagerProcess  # noqa: E402


def wait_in_sync(client, replicas, timeout=30):
  deadline = time.time() + timeout
  while time.time() < deadline:
    try:
      info = client.info("replication")
      online = [v for k, v in info.items() if k.startswith("slave") and
                isinstance(v, dict) and v.get("state") == "online"]
      if info["role"] == "master" and len(online) == replicas:
        return
    except redis.RedisError:
      pass
    time.sleep(0.05)
  raise RuntimeError("replicas did not get back in sync")


def first_write_after(port, key):
  client = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
  while True:
    try:
      client.set(key, "1")
      return time.time()
    except redis.RedisError:
      time.sleep(0.005)


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--failovers", type=int, default=20)
  ap.add_argument("--hung", type=int, default=5)
  ap.add_argument("--down-after-ms", type=int, default=1000)
  ap.add_argument("--interval-ms", type=int, default=200)
  ap.add_argument("--engines", default="vireo,redis")
  args = ap.parse_args()
  status = 0
  for engine in args.engines.split(","):
    status |= run(args, engine)
  return status


def run(args, engine):
  mgr = ManagerProcess(down_after_ms=args.down_after_ms,
                       interval_ms=args.interval_ms).start()
  try:
    mgr.call("CreateReplicationGroup", ReplicationGroupId="bench",
             Engine=engine, ReplicasPerNodeGroup=2)
    g = mgr.wait_status("bench")
    port = g["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    acked, stop = [], threading.Event()

    def writer():
      c = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
      i = 0
      while not stop.is_set():
        try:
          c.set(f"acked:{i}", i)
          if c.wait(1, 500) >= 1:
            acked.append(i)
        except redis.RedisError:
          time.sleep(0.005)
        i += 1

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    times, hung = [], []
    for n in range(args.failovers + args.hung):
      stop_it = n >= args.failovers
      wait_in_sync(redis.Redis(port=port, socket_timeout=1), 2)
      time.sleep(0.2)
      g = mgr.group("bench")
      primary = [x["CacheClusterId"] for x in
                 g["NodeGroups"][0]["NodeGroupMembers"]
                 if x["CurrentRole"] == "primary"][0]
      with open(os.path.join(mgr.data_dir, "nodes", primary,
                             "node.pid")) as f:
        pid = int(f.read())
      killed = time.time()
      os.kill(pid, signal.SIGSTOP if stop_it else signal.SIGKILL)
      took = first_write_after(port, f"probe:{n}") - killed
      if stop_it:
        try:
          os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
          pass   # fenced: the failover stopped it
        hung.append(took)
      else:
        times.append(took)
      print(f"{engine} failover {n + 1:2d} "
            f"({'hung' if stop_it else 'killed'}): "
            f"{took * 1000:7.1f} ms", flush=True)
    wait_in_sync(redis.Redis(port=port, socket_timeout=1), 2)
    stop.set()
    t.join()
    final = redis.Redis(port=port)
    lost = 0
    pipe = final.pipeline(transaction=False)
    for i in acked:
      pipe.exists(f"acked:{i}")
    lost = sum(1 for present in pipe.execute() if not present)
    times.sort()
    p90 = times[max(0, int(round(0.9 * len(times))) - 1)]
    print(f"failover_bench {engine}: {len(times)} failovers, median "
          f"{statistics.median(times) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms,"
          f" max {times[-1] * 1000:.1f} ms; {len(acked)} writes acknowledged "
          f"with WAIT 1, {lost} lost")
    if hung:
      print(f"failover_bench {engine}: {len(hung)} hung primaries (SIGSTOP), writes "
            f"back after median {statistics.median(hung) * 1000:.1f} ms, max "
            f"{max(hung) * 1000:.1f} ms (down-after {args.down_after_ms} ms)")
    return 0 if lost == 0 else 1
  finally:
    mgr.stop()


if __name__ == "__main__":
  sys.exit(main())
