"""The README's "What works today" table is true of the built server.

Each row names a probe: `cmd:NAME` (a command, or `container|sub`, that must
be known when the row says yes and unknown when it says not yet, as COMMAND
INFO reports it) or `config:NAME VALUE` (a directive value that CONFIG SET
must refuse while the row says not yet, and accept when it says yes) or
`save:stream` (SAVE of a dataset holding a stream succeeds only when yes) or
`tls:port` (with certificates made by openssl, CONFIG SET tls-port opens a
port that completes a TLS handshake and answers PING only when yes)."""

import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile

import redis

from harness import ServerTestCase, free_port


def tls_port_works(r):
  d = tempfile.mkdtemp(prefix="vireo-readme-tls-")
  try:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-keyout", "k.pem", "-out", "c.pem"], cwd=d, check=True,
                   capture_output=True)
    port = free_port()
    try:
      r.config_set("tls-cert-file", os.path.join(d, "c.pem"))
      r.config_set("tls-key-file", os.path.join(d, "k.pem"))
      r.config_set("tls-ca-cert-file", os.path.join(d, "c.pem"))
      r.config_set("tls-auth-clients", "no")
      r.config_set("tls-port", str(port))
    except redis.ResponseError:
      return False
    ctx = ssl.create_default_context(cafile=os.path.join(d, "c.pem"))
    ctx.check_hostname = False
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10)) as s:
      s.sendall(b"PING\r\n")
      ok = s.recv(64) == b"+PONG\r\n"
    r.config_set("tls-port", "0")
    return ok
  finally:
    shutil.rmtree(d, ignore_errors=True)

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
ROW = re.compile(r"^\|\s*(?P<feature>[^|]+?)\s*\|\s*(?P<status>yes|not yet)\s*\|\s*`(?P<probe>[^`]+)`\s*\|\s*$")


def table_rows():
  rows = []
  with open(README) as f:
    for line in f:
      m = ROW.match(line.strip().replace("\\|", "\x00"))
      if m:
        rows.append((m["feature"].replace("\x00", "|"), m["status"], m["probe"].replace("\x00", "|")))
  return rows


class ReadmeFeaturesTest(ServerTestCase):

  def test_table_exists(self):
    self.assertGreaterEqual(len(table_rows()), 10)

  def test_every_row_matches_the_server(self):
    r = self.server.redis()
    for feature, status, probe in table_rows():
      with self.subTest(feature=feature):
        kind, _, what = probe.partition(":")
        if kind == "cmd":
          conn = r.connection_pool.get_connection("COMMAND")
          try:
            conn.send_command("COMMAND", "INFO", what)  # raw: redis-py's reply callback chokes on nil
            info = conn.read_response()
          finally:
            r.connection_pool.release(conn)
          known = bool(info) and info[0] is not None
          self.assertEqual(known, status == "yes", "%s: %s known=%s" % (feature, what, known))
        elif kind == "config":
          name, value = what.split(" ", 1)
          try:
            old = r.config_get(name).get(name)
            r.config_set(name, value)
            accepted = True
            r.config_set(name, old)
          except redis.ResponseError:
            accepted = False
          self.assertEqual(accepted, status == "yes", "%s: CONFIG SET %s %s" % (feature, name, value))
        elif kind == "save":
          # save:stream: a dataset holding a stream can be saved (SAVE succeeds).
          self.assertEqual(what, "stream")
          r.xadd("readme:probe", {"f": "v"})
          try:
            saved = bool(r.save())
          except redis.ResponseError:
            saved = False
          finally:
            r.delete("readme:probe")
          self.assertEqual(saved, status == "yes", "%s: SAVE with a stream" % feature)
        elif kind == "tls":
          self.assertEqual(what, "port")
          self.assertEqual(tls_port_works(r), status == "yes", "%s: TLS port" % feature)
        else:
          self.fail("unknown probe kind in README: %r" % probe)
