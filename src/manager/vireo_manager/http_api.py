"""The HTTP listener: the API (api.py) on /, Prometheus text on /metrics.

One thread per connection (a slow action such as creating a group must not
block describe calls), with limits so that callers cannot exhaust the
manager: a listen backlog of BACKLOG; at most MAX_CONNECTIONS connection
threads (the accept loop waits for a free one, further clients queue in the
backlog); at most MAX_ACTIVE requests executing at once (others wait up to
QUEUE_WAIT seconds, then get AWS's Throttling error, which SDKs retry); a
request must arrive whole within REQUEST_TIMEOUT seconds of its first byte
(slow senders are cut off, however they trickle) and an idle keep-alive
connection is closed after IDLE_TIMEOUT. /metrics needs authentication too:
a SigV4-signed GET, or `Authorization: Bearer <access key id>:<secret>` for
scrapers that cannot sign.
Threading: handlers run on their own threads; api.handle is thread-safe.
"""

import hmac
import io
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import api
from .errors import ApiError

BACKLOG = 256
MAX_CONNECTIONS = 128
MAX_ACTIVE = 32
QUEUE_WAIT = 20.0
REQUEST_TIMEOUT = 10.0
IDLE_TIMEOUT = 15.0


class _DeadlineReader(io.RawIOBase):
  """Reads from a socket under an absolute deadline that the handler moves:
  each recv gets only the time left, so a client that trickles one byte at
  a time still runs out of time."""

  def __init__(self, sock):
    self.sock = sock
    self.deadline = None

  def readable(self):
    return True

  def readinto(self, buf):
    if self.deadline is not None:
      left = self.deadline - time.monotonic()
      if left <= 0:
        raise socket.timeout("request timed out")
      self.sock.settimeout(left)
    return self.sock.recv_into(buf)


class ApiServer(ThreadingHTTPServer):
  request_queue_size = BACKLOG
  daemon_threads = True
  allow_reuse_address = True

  def __init__(self, address, handler, tls_context=None):
    self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    self._tls = tls_context
    super().__init__(address, handler)

  def get_request(self):
    sock, addr = super().get_request()
    if self._tls is not None:
      # The handshake happens on the connection's thread (first read), so a
      # client that never completes it holds no one else up.
      sock = self._tls.wrap_socket(sock, server_side=True,
                                   do_handshake_on_connect=False)
    return sock, addr

  def process_request(self, request, client_address):
    self._slots.acquire()       # waits here: new clients queue in the backlog
    try:
      super().process_request(request, client_address)
    except Exception:
      self._slots.release()
      raise

  def process_request_thread(self, request, client_address):
    try:
      super().process_request_thread(request, client_address)
    finally:
      self._slots.release()

  def handle_error(self, request, client_address):
    pass   # a client that went away or timed out is not our error


def make_server(manager, host, port, auth=None, tls_context=None,
                metrics_tokens=None, request_timeout=REQUEST_TIMEOUT,
                idle_timeout=IDLE_TIMEOUT, max_active=MAX_ACTIVE,
                queue_wait=QUEUE_WAIT):
  active = threading.BoundedSemaphore(max_active)

  class Handler(BaseHTTPRequestHandler):
    server_version = "vireo-manager"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: events and logs say enough
      pass

    def setup(self):
      super().setup()
      self._reader = _DeadlineReader(self.connection)
      self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self):
      # Idle keep-alive connections wait IDLE_TIMEOUT for their next
      # request; once a request starts it must be complete in time.
      self._reader.deadline = time.monotonic() + idle_timeout
      try:
        super().handle_one_request()
      except (socket.timeout, ssl.SSLError, ConnectionError):
        self.close_connection = True

    def parse_request(self):
      self._reader.deadline = time.monotonic() + request_timeout
      return super().parse_request()

    def _body(self):
      if self.headers.get("Transfer-Encoding"):
        return None
      try:
        length = int(self.headers.get("Content-Length") or 0)
      except ValueError:
        length = -1
      if length < 0 or length > api.MAX_BODY:
        return None
      return self.rfile.read(length) if length else b""

    def _reply(self, status, data, ctype, request_id=None):
      self._reader.deadline = time.monotonic() + request_timeout
      self.send_response(status)
      self.send_header("Content-Type", ctype)
      self.send_header("Content-Length", str(len(data)))
      if request_id:
        self.send_header("x-amzn-RequestId", request_id)
      self.end_headers()
      self.wfile.write(data)

    def _error(self, status, code, message):
      body = api.query_protocol.render_error("elasticache", code, message,
                                             status, "-")
      self._reply(status, body, "text/xml")

    def _metrics_allowed(self, headers, body):
      value = self.headers.get("Authorization", "")
      if value.startswith("Bearer ") and metrics_tokens:
        token = value[7:].strip().encode()
        return any(hmac.compare_digest(token, t) for t in metrics_tokens)
      if auth is None:
        return True
      try:
        auth.verify(self.command, "/metrics", self.path.partition("?")[2],
                    headers, body, replay=False)
        return True
      except ApiError:
        return False

    def _handle(self):
      body = self._body()
      if body is None:
        self._error(400, "InvalidParameterValue",
                    "Bad Content-Length (or chunked body, not accepted).")
        self.close_connection = True
        return
      self._reader.deadline = None   # the request is in; the action may take
      headers = list(self.headers.items())
      if self.path.split("?")[0] == "/metrics":
        if self.command != "GET" or api.cross_origin(headers):
          self._error(405, "MethodNotAllowed", "/metrics takes GET only.")
        elif not self._metrics_allowed(headers, body):
          self._error(403, "MissingAuthenticationToken",
                      "Request is missing Authentication Token")
        else:
          text = manager.metrics.prometheus() if manager.metrics else ""
          self._reply(200, text.encode(), "text/plain; version=0.0.4")
        return
      if not active.acquire(timeout=queue_wait):
        self._error(400, "Throttling", "Rate exceeded")
        return
      try:
        status, ctype, data, rid = api.handle(manager, auth, self.command,
                                              self.path, headers, body)
      finally:
        active.release()
      self._reply(status, data, ctype, rid)

    do_GET = _handle
    do_POST = _handle
    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle

  return ApiServer((host, port), Handler, tls_context)
