"""Replication over TLS (tls-replication yes), between vireo-server and a
real redis-server 7.0 in both roles and between two vireo-servers, with
certificates made by openssl in the test.

Each pairing: the primary serves its replica on its tls-port with
tls-auth-clients yes (so the replica must present a certificate signed by
the CA), the replica verifies the primary's certificate; a full sync, the
stream, a partial resync after the link is cut; datasets compared with
DEBUG DIGEST and offsets with INFO replication; the primary sees the
replica at its tls-port, as Redis announces it. A wrong CA on either side
is refused with the log lines Redis writes, and the link stays down.
Every process started here is stopped by the test's cleanups.
"""

import os
import shutil
import tempfile
import unittest

from harness import ServerProcess, free_port, wait_until
from test_tls import make_ca, openssl

REDIS_SERVER = "/usr/bin/redis-server"


def make_node_cert(d, ca, name):
  """A certificate for both ends of a link: a primary serves with it, a
  replica presents it as its client certificate."""
  with open(os.path.join(d, name + ".ext"), "w") as f:
    f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", name + ".key",
          "-out", name + ".csr", cwd=d)
  openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
          "-days", "2", "-extfile", name + ".ext", "-out", name + ".crt", cwd=d)


class TlsReplicationTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.certs = tempfile.mkdtemp(prefix="vireo-tlsrepl-")
    d = cls.certs
    make_ca(d, "ca")
    make_ca(d, "otherca")
    make_node_cert(d, "ca", "server")
    make_node_cert(d, "otherca", "stranger")

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.certs, ignore_errors=True)

  def path(self, name):
    return os.path.join(self.certs, name)

  def start(self, binary=None, cert="server", ca="ca", args=()):
    """A server with a plain port and a tls-port; .tls_port is set."""
    tls_port = free_port()
    s = ServerProcess(["--tls-port", str(tls_port), "--tls-cert-file", self.path(cert + ".crt"),
                       "--tls-key-file", self.path(cert + ".key"), "--tls-ca-cert-file", self.path(ca + ".crt"),
                       "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes", *args],
                      binary=binary)
    self.addCleanup(s.cleanup)
    s.start()
    s.tls_port = tls_port
    return s

  def start_replica(self, primary, binary=None, cert="server", ca="ca"):
    return self.start(binary, cert, ca, ["--tls-replication", "yes", "--replicaof", "127.0.0.1",
                                         str(primary.tls_port)])

  def fill(self, r, prefix, n=500):
    p = r.pipeline(transaction=False)
    for i in range(n):
      p.set("%s:s:%d" % (prefix, i), "v%d" % i)
      p.hset("%s:h:%d" % (prefix, i % 50), "f%d" % i, i)
      p.rpush("%s:l" % prefix, i)
      p.zadd("%s:z" % prefix, {"m%d" % i: i})
    p.execute()
    r.set("%s:big" % prefix, "x" * 300000)  # several TLS records in one value
    r.expire("%s:s:1" % prefix, 1000)

  def assert_in_sync(self, p, r):
    wait_until(lambda: r.info("replication").get("master_link_status") == "up", what="link up")
    wait_until(lambda: r.info("replication")["slave_repl_offset"] == p.info("replication")["master_repl_offset"],
               what="offsets equal")
    self.assertEqual(p.execute_command("DEBUG", "DIGEST"), r.execute_command("DEBUG", "DIGEST"))
    self.assertEqual(p.dbsize(), r.dbsize())
    self.assertEqual(r.info("replication")["master_repl_offset"], p.info("replication")["master_repl_offset"])
    self.assertEqual(r.info("replication")["master_replid"], p.info("replication")["master_replid"])

  def pairing(self, primary_binary, replica_binary):
    primary = self.start(primary_binary)
    p = primary.redis()
    self.fill(p, "before")
    replica = self.start_replica(primary, replica_binary)
    r = replica.redis()
    self.assert_in_sync(p, r)
    # The primary lists the replica at its tls-port, as Redis announces it.
    wait_until(lambda: p.info("replication").get("slave0", {}).get("state") == "online", what="replica online")
    self.assertEqual(p.info("replication")["slave0"]["port"], replica.tls_port)
    # The stream over TLS.
    self.fill(p, "after")
    p.delete("before:l")
    self.assert_in_sync(p, r)
    # Cut the link on the replica's side: it reconnects over TLS and
    # continues with PSYNC.
    partial = p.info("stats")["sync_partial_ok"]
    self.fill(p, "cut", 50)
    r.client_kill_filter(_type="master")
    self.fill(p, "cut2", 50)
    wait_until(lambda: p.info("stats")["sync_partial_ok"] == partial + 1, what="partial resync")
    self.assert_in_sync(p, r)
    self.assertEqual(r.get("after:s:7"), "v7")

  def test_vireo_primary_redis_replica(self):
    self.pairing(None, REDIS_SERVER)

  def test_redis_primary_vireo_replica(self):
    self.pairing(REDIS_SERVER, None)

  def test_vireo_primary_vireo_replica(self):
    self.pairing(None, None)

  def test_replica_with_wrong_ca_is_refused(self):
    # The replica trusts another CA: it refuses the primary's certificate.
    primary = self.start(REDIS_SERVER)
    replica = self.start_replica(primary, cert="stranger", ca="otherca")
    line = "Error condition on socket for SYNC: error:0A000086:SSL routines::certificate verify failed"
    wait_until(lambda: line in replica.log(), what="the replica's log line")
    self.assertEqual(replica.redis().info("replication")["master_link_status"], "down")
    self.assertEqual(primary.redis().info("replication")["connected_slaves"], 0)
    # The redis-server primary saw the replica's alert.
    wait_until(lambda: "Error accepting a client connection: error:0A000418:SSL routines::tlsv1 alert unknown ca"
               in primary.log(), what="the primary's log line")

  def test_primary_refuses_replica_certificate_of_another_ca(self):
    # The replica trusts the primary but presents a certificate the
    # primary's CA did not sign (tls-auth-clients yes).
    primary = self.start()
    replica = self.start_replica(primary, REDIS_SERVER, cert="stranger", ca="ca")
    line = "Error accepting a client connection: error:0A000086:SSL routines::certificate verify failed"
    wait_until(lambda: line in primary.log(), what="the primary's log line")
    self.assertEqual(primary.redis().info("replication")["connected_slaves"], 0)
    self.assertEqual(replica.redis().info("replication")["master_link_status"], "down")

  def test_config_set_tls_replication(self):
    # Without a CA, TLS replication cannot verify a primary: refused, with
    # Redis's error; with one it is accepted and used by the next link.
    s = ServerProcess(["--tls-cert-file", self.path("server.crt"), "--tls-key-file", self.path("server.key"),
                       "--enable-debug-command", "yes"])
    self.addCleanup(s.cleanup)
    s.start()
    r = s.redis()
    with self.assertRaises(Exception) as e:
      r.config_set("tls-replication", "yes")
    self.assertIn("Unable to update TLS configuration. Check server logs.", str(e.exception))
    self.assertEqual(r.config_get("tls-replication")["tls-replication"], "no")
    r.config_set("tls-ca-cert-file", self.path("ca.crt"))
    r.config_set("tls-replication", "yes")
    primary = self.start()
    p = primary.redis()
    p.set("k", "v")
    r.replicaof("127.0.0.1", primary.tls_port)
    self.assert_in_sync(p, r)
    self.assertEqual(r.get("k"), "v")


if __name__ == "__main__":
  unittest.main()
