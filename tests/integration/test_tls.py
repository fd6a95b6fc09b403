"""TLS (tls-port beside the plain port), with certificates made by openssl
in the test: redis-cli --tls, redis-py ssl=True with a client certificate, a
Node.js client; mutual TLS (tls-auth-clients yes/no/optional), certificates
reloaded by CONFIG SET, and bad input: plain text on the TLS port, a
handshake that stops half way, a client certificate from another CA. The
server must close those connections and keep serving; handshakes that
stall are closed after vireo-tls-handshake-timeout and block nobody.
"""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import REDIS_CLI, ServerProcess, encode_command, free_port, is_vireo, read_reply

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "node")


def openssl(*args, cwd):
  subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d, name):
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=%s" % name,
          "-keyout", name + ".key", "-out", name + ".crt", cwd=d)


def make_cert(d, ca, name, cn, server=True):
  ext = os.path.join(d, name + ".ext")
  with open(ext, "w") as f:
    if server:
      f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    else:
      f.write("extendedKeyUsage=clientAuth\n")
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=%s" % cn, "-keyout", name + ".key",
          "-out", name + ".csr", cwd=d)
  openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
          "-days", "2", "-extfile", ext, "-out", name + ".crt", cwd=d)


class TlsTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.certs = tempfile.mkdtemp(prefix="vireo-tls-")
    d = cls.certs
    make_ca(d, "ca")
    make_ca(d, "otherca")
    make_cert(d, "ca", "server", "server-one")
    make_cert(d, "ca", "server2", "server-two")
    make_cert(d, "ca", "client", "client", server=False)
    make_cert(d, "otherca", "stranger", "stranger", server=False)
    # An encrypted key for tls-key-file-pass.
    openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:keypass", "-out", "server-enc.key", cwd=d)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.certs, ignore_errors=True)

  def path(self, name):
    return os.path.join(self.certs, name)

  def start(self, *extra, binary=None, key="server.key"):
    self.tls_port = free_port()
    args = ["--tls-port", str(self.tls_port), "--tls-cert-file", self.path("server.crt"),
            "--tls-key-file", self.path(key), "--tls-ca-cert-file", self.path("ca.crt"), *extra]
    s = ServerProcess(args, binary=binary)
    self.addCleanup(s.cleanup)
    s.start()
    return s

  def context(self, cert="client"):
    ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
    if cert:
      ctx.load_cert_chain(self.path(cert + ".crt"), self.path(cert + ".key"))
    return ctx

  def tls_conn(self, cert="client"):
    raw = socket.create_connection(("127.0.0.1", self.tls_port), timeout=10)
    return self.context(cert).wrap_socket(raw, server_hostname="localhost")

  def call(self, sock, *args):
    sock.sendall(encode_command(*args))
    return read_reply(sock.makefile("rb"))

  def test_redis_cli_tls_and_plain_side_by_side(self):
    s = self.start()
    cli = [REDIS_CLI, "-p", str(self.tls_port), "--tls", "--cacert", self.path("ca.crt"), "--cert",
           self.path("client.crt"), "--key", self.path("client.key")]
    out = subprocess.run(cli + ["SET", "k", "over-tls"], capture_output=True, text=True, timeout=20)
    self.assertEqual(out.stdout.strip(), "OK", out.stderr)
    # The plain port serves the same data.
    self.assertEqual(s.redis().get("k"), "over-tls")
    big = subprocess.run(cli + ["--eval", "/dev/null"], capture_output=True, timeout=20)
    self.assertEqual(big.returncode, 0)
    # A pipeline of many commands through redis-cli --pipe over TLS.
    data = b"".join(encode_command("SET", "p%d" % i, "v" * 100) for i in range(5000))
    piped = subprocess.run(cli + ["--pipe"], input=data, capture_output=True, timeout=60)
    self.assertIn(b"errors: 0, replies: 5000", piped.stdout)
    self.assertEqual(s.redis().dbsize(), 5001)

  def test_redis_py_with_client_certificate(self):
    self.start()
    import redis
    r = redis.Redis(host="127.0.0.1", port=self.tls_port, ssl=True, ssl_ca_certs=self.path("ca.crt"),
                    ssl_certfile=self.path("client.crt"), ssl_keyfile=self.path("client.key"),
                    decode_responses=True)
    self.assertTrue(r.ping())
    value = "x" * (1 << 20)
    r.set("big", value)
    self.assertEqual(r.get("big"), value)
    p = r.pipeline(transaction=True)
    for i in range(100):
      p.incr("n")
    self.assertEqual(p.execute()[-1], 100)
    # Pub/sub over TLS.
    sub = redis.Redis(host="127.0.0.1", port=self.tls_port, ssl=True, ssl_ca_certs=self.path("ca.crt"),
                      ssl_certfile=self.path("client.crt"), ssl_keyfile=self.path("client.key")).pubsub()
    sub.subscribe("news")
    self.assertEqual(sub.get_message(timeout=5)["type"], "subscribe")
    r.publish("news", "hello")
    self.assertEqual(sub.get_message(timeout=5)["data"], b"hello")
    sub.close()

  def test_node_client(self):
    node = shutil.which("node")
    self.assertIsNotNone(node, "node is not installed (scripts/setup.sh installs it)")
    self.start()
    result = subprocess.run([node, "tls_test.mjs", str(self.tls_port), self.path("ca.crt"),
                             self.path("client.crt"), self.path("client.key")],
                            cwd=NODE_DIR, capture_output=True, text=True, timeout=120)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertEqual([l for l in result.stdout.splitlines() if l.startswith("ok ")],
                     ["ok node-redis RESP3 over TLS", "ok ioredis over TLS"])

  def test_client_certificate_policy(self):
    s = self.start()
    # tls-auth-clients yes (the default): no certificate, no connection.
    with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
      c = self.tls_conn(cert=None)
      self.call(c, "PING")
    # A certificate from another CA is refused too.
    with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
      c = self.tls_conn(cert="stranger")
      self.call(c, "PING")
    r = s.redis()
    self.assertTrue(r.config_set("tls-auth-clients", "optional"))
    self.assertEqual(self.call(self.tls_conn(cert=None), "PING"), b"PONG")
    self.assertEqual(self.call(self.tls_conn(), "PING"), b"PONG")
    self.assertTrue(r.config_set("tls-auth-clients", "no"))
    self.assertEqual(self.call(self.tls_conn(cert=None), "PING"), b"PONG")
    self.assertTrue(r.ping())

  def test_config_set_reloads_certificates(self):
    s = self.start()
    first = self.tls_conn()
    self.assertEqual(first.getpeercert()["subject"], ((("commonName", "server-one"),),))
    r = s.redis()
    # A certificate that does not match the key: refused, the old ones stay.
    import redis
    with self.assertRaises(redis.ResponseError) as ctx:
      r.config_set("tls-cert-file", self.path("server2.crt"))
    self.assertIn("Unable to update TLS configuration", str(ctx.exception))
    self.assertEqual(r.config_get("tls-cert-file")["tls-cert-file"], self.path("server.crt"))
    # Both at once (one CONFIG SET) reload them.
    self.assertEqual(r.execute_command("CONFIG", "SET", "tls-cert-file", self.path("server2.crt"),
                                       "tls-key-file", self.path("server2.key")), "OK")
    second = self.tls_conn()
    self.assertEqual(second.getpeercert()["subject"], ((("commonName", "server-two"),),))
    # The connection made before the reload keeps working.
    self.assertEqual(self.call(first, "PING"), b"PONG")
    with self.assertRaises(redis.ResponseError):
      r.config_set("tls-cert-file", self.path("nosuch.crt"))
    self.assertEqual(r.config_get("tls-cert-file")["tls-cert-file"], self.path("server2.crt"))
    self.assertEqual(self.call(self.tls_conn(), "PING"), b"PONG")

  def test_encrypted_key_and_protocols(self):
    s = self.start("--tls-key-file-pass", "keypass", "--tls-protocols", "TLSv1.3", key="server-enc.key")
    c = self.tls_conn()
    self.assertEqual(c.version(), "TLSv1.3")
    self.assertEqual(self.call(c, "PING"), b"PONG")
    ctx = self.context()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
      ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.tls_port), timeout=10),
                      server_hostname="localhost")
    self.assertTrue(s.redis().ping())

  def test_bad_input_is_closed_and_server_survives(self):
    s = self.start()
    # Plain RESP on the TLS port.
    raw = socket.create_connection(("127.0.0.1", self.tls_port), timeout=10)
    raw.sendall(b"PING\r\n")
    got = b""
    try:
      while True:
        chunk = raw.recv(100)  # a TLS alert at most, then the close
        if not chunk:
          break
        got += chunk
    except ConnectionResetError:
      pass
    self.assertNotIn(b"PONG", got)
    raw.close()
    # A ClientHello that stops half way, then a hang-up.
    ctx = self.context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with self.assertRaises(ssl.SSLWantReadError):
      obj.do_handshake()
    hello = outgoing.read()
    half = socket.create_connection(("127.0.0.1", self.tls_port), timeout=10)
    half.sendall(hello[:len(hello) // 2])
    time.sleep(0.1)
    half.close()
    # Random bytes after a completed handshake: the TLS layer rejects them.
    done = self.tls_conn()
    self.assertEqual(self.call(done, "PING"), b"PONG")
    raw = socket.socket(fileno=os.dup(done.fileno()))
    raw.sendall(os.urandom(4096))
    raw.settimeout(5)
    try:
      while raw.recv(4096):
        pass
    except OSError:
      pass
    raw.close()
    done.close()
    # Many connections that never finish a handshake.
    idle = [socket.create_connection(("127.0.0.1", self.tls_port), timeout=10) for _ in range(50)]
    for c in idle:
      c.close()
    self.assertTrue(s.redis().ping())
    self.assertEqual(self.call(self.tls_conn(), "PING"), b"PONG")
    info = s.redis().info("clients")
    self.assertLessEqual(info["connected_clients"], 3)

  def test_stalled_handshakes_are_dropped_and_block_nobody(self):
    # Redis 7.0 keeps a connection that never finishes its handshake until
    # `timeout` (forever with timeout 0); Vireo bounds the handshake with
    # vireo-tls-handshake-timeout (10 s by default; 1 s here to keep the
    # test short) and still applies `timeout` to everyone.
    if not is_vireo():
      self.skipTest("vireo-tls-handshake-timeout is Vireo's")
    s = self.start("--vireo-tls-handshake-timeout", "1000")
    r = s.redis()
    ctx = self.context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with self.assertRaises(ssl.SSLWantReadError):
      obj.do_handshake()
    hello = outgoing.read()
    silent = [socket.create_connection(("127.0.0.1", self.tls_port), timeout=10) for _ in range(20)]
    halfway = [socket.create_connection(("127.0.0.1", self.tls_port), timeout=10) for _ in range(20)]
    for c in halfway:
      c.sendall(hello[:len(hello) // 2])
    # A handshake done and then idle is a client like any other: it stays.
    idle = self.tls_conn()
    self.assertEqual(self.call(idle, "PING"), b"PONG")
    # Meanwhile everyone else is served at once, over TLS and plain TCP.
    t0 = time.monotonic()
    for _ in range(20):
      conn = self.tls_conn()
      self.assertEqual(self.call(conn, "SET", "k", "v"), b"OK")
      conn.close()
      self.assertEqual(r.get("k"), "v")
    self.assertLess(time.monotonic() - t0, 5.0)
    self.assertGreaterEqual(r.info("clients")["connected_clients"], 42)
    # After the bound, the stalled ones are closed by the server.
    for c in silent + halfway:
      c.settimeout(10)
      got = b""
      try:
        while True:
          chunk = c.recv(4096)
          if not chunk:
            break
          got += chunk
      except ConnectionResetError:
        pass
      self.assertNotIn(b"PONG", got)
      c.close()
    self.assertEqual(self.call(idle, "PING"), b"PONG")
    self.assertEqual(r.info("clients")["connected_clients"], 2)
    self.assertIn("Error accepting a client connection: TLS handshake timed out", s.log())
    # 0 turns the bound off (Redis's behaviour): a silent peer stays.
    r.config_set("vireo-tls-handshake-timeout", "0")
    c = socket.create_connection(("127.0.0.1", self.tls_port), timeout=10)
    time.sleep(1.5)
    self.assertEqual(r.info("clients")["connected_clients"], 3)
    c.close()

  def test_startup_errors(self):
    for extra in (["--tls-cert-file", self.path("nosuch.crt")], ["--tls-protocols", "TLSv9"],
                  ["--tls-key-file", self.path("client.key")]):
      port = free_port()
      s = ServerProcess(["--tls-port", str(port), "--tls-cert-file", self.path("server.crt"), "--tls-key-file",
                         self.path("server.key"), "--tls-ca-cert-file", self.path("ca.crt"), *extra])
      self.addCleanup(s.cleanup)
      s.launch(s.command_line(free_port()))
      self.assertNotEqual(s.proc.wait(10), 0, extra)


if __name__ == "__main__":
  unittest.main()
