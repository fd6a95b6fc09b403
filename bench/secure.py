"""Access control and TLS in `make bench`:

- SET/GET at P1 and P16 as an ACL user with key patterns, against the same
  server's default user in the same round: the cost of the permission check
  (goal: under 5% CPU per request), and the ACL user vs redis-server's.
- SET/GET at P1 and P16 over TLS (redis-benchmark --tls), vireo-server vs
  redis-server, both serving TLS with the same certificates made by openssl
  (goal: <= 0.9x CPU per request).

Pure helpers over bench.py's servers and rows; no state of its own.
"""

import os
import shutil
import statistics
import subprocess
import tempfile

import workloads
from server_proc import BenchServer

ACL_USER = ["bench", "on", ">benchpw", "~key:*", "~counter:*", "~mylist*", "+@all"]
ACL_ARGS = ["--user", "bench", "-a", "benchpw"]
TESTS = [t for t in workloads.THROUGHPUT_TESTS if t.name in ("SET", "GET")]


def _ssl(d, *args):
  subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)


def make_certs(d):
  _ssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench-ca",
       "-keyout", "ca.key", "-out", "ca.crt")
  with open(os.path.join(d, "ext"), "w") as f:
    f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
  _ssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
       "-out", "server.csr")
  _ssl(d, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
       "-days", "2", "-extfile", "ext", "-out", "server.crt")


def measure_acl(servers, rounds, quick, rows, Row, measure_pair):
  for server in servers:
    server.command("ACL", "SETUSER", *ACL_USER)
  for test in TESTS:
    for pipeline in workloads.PIPELINES:
      requests = test.requests[pipeline] // (5 if quick else 1)
      label = "%s P%d" % (test.name, pipeline)
      default, acl = {s.label: [] for s in servers}, {s.label: [] for s in servers}
      for round_no in range(rounds):
        for server in servers:
          # Alternate which user goes first: a drift of the shared machine's
          # load within a round then falls on both sides alike.
          runs = [(default, ()), (acl, ACL_ARGS)]
          for bucket, extra in (runs if round_no % 2 == 0 else runs[::-1]):
            bucket[server.label].append(workloads.run_throughput(server, test, pipeline, requests,
                                                                 extra_args=list(extra)))
      rate = Row("%s ACL user throughput" % label, "req/s", better="higher", goal=1.0)
      cpu = Row("%s ACL user CPU/request" % label, "us/req", better="lower", goal=1.0)
      for name in acl:
        setattr(rate, name, statistics.median(r.rps for r in acl[name]))
        setattr(cpu, name, statistics.median(r.cpu_per_request for r in acl[name]) * 1e6)
      rows += [rate, cpu]
      for name in acl:
        # Mean over the paired runs: steadier than medians for a cost this small.
        d = statistics.mean(r.cpu_per_request for r in default[name])
        a = statistics.mean(r.cpu_per_request for r in acl[name])
        print("  %-22s %s: ACL user vs default user CPU/request %+.1f%%%s" % (
            label, name, (a / d - 1) * 100, " (goal < +5%)" if name == "vireo" else ""), flush=True)


def measure_tls(vireo_binary, redis_binary, rounds, quick, rows, measure_pair):
  d = tempfile.mkdtemp(prefix="vireo-bench-tls-")
  servers = []
  try:
    make_certs(d)
    tls = ["--tls-cert-file", os.path.join(d, "server.crt"), "--tls-key-file", os.path.join(d, "server.key"),
           "--tls-ca-cert-file", os.path.join(d, "ca.crt"), "--tls-auth-clients", "no"]
    for label, binary in (("vireo", vireo_binary), ("redis", redis_binary)):
      port = workloads_free_port()
      s = BenchServer(label, binary, ["--tls-port", str(port)] + tls)
      s.tls_port = port
      servers.append(s.start())
    for test in TESTS:
      for pipeline in workloads.PIPELINES:
        requests = test.requests[pipeline] // (5 if quick else 1)
        measure_pair(servers, rounds,
                     lambda server: workloads.run_throughput(
                         server, test, pipeline, requests, port=server.tls_port,
                         extra_args=["--tls", "--cacert", os.path.join(d, "ca.crt")]),
                     "TLS %s P%d" % (test.name, pipeline), "throughput", "CPU/request", 0.9, rows)
  finally:
    for s in servers:
      s.cleanup()
    shutil.rmtree(d, ignore_errors=True)


def workloads_free_port():
  from server_proc import free_port
  return free_port()
