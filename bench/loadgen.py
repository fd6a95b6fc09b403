"""Runs vireo-loadgen (bench/loadgen.cc), the C++ load driver of the rows
redis-benchmark cannot express, and reads the server's CPU around the run.

streams[c] is connection c's list of (payload, reply_len): the payload's
RESP bytes and the exact byte length of its replies. Pure helper; the
caller owns the server.
"""

import os
import struct
import subprocess
import tempfile


def binary():
  """vireo-loadgen, built next to vireo-server by `make build`."""
  server = os.environ.get("VIREO_SERVER", "build/vireo-server")
  path = os.path.join(os.path.dirname(os.path.abspath(server)), "vireo-loadgen")
  if not os.access(path, os.X_OK):
    raise RuntimeError("%s not built (make build)" % path)
  return path


def run(server, streams, sends_per_conn=0, timeout=600):
  """Each connection sends its payloads in order, one in flight at a time,
  cycling until it has sent sends_per_conn (0: each once). Returns
  (seconds, payloads answered, server CPU seconds)."""
  with tempfile.NamedTemporaryFile(prefix="vireo-loadgen-") as f:
    for c, stream in enumerate(streams):
      for payload, reply_len in stream:
        f.write(struct.pack("<III", c, reply_len, len(payload)) + payload)
    f.flush()
    cmd = [binary(), str(server.port), str(sends_per_conn), f.name]
    cpu_before = server.cpu_seconds()
    result = subprocess.run(cmd, capture_output=True, timeout=timeout)
    cpu = server.cpu_seconds() - cpu_before
  if result.returncode != 0:
    raise RuntimeError("%s: vireo-loadgen failed (%d): %s" % (
        server.label, result.returncode, result.stderr.decode("utf-8", "replace")[-300:]))
  seconds, done = result.stdout.split()
  return float(seconds), int(done), cpu
