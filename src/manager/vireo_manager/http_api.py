"""The HTTP listener: JSON API on POST/GET, Prometheus text on /metrics.

A ThreadingHTTPServer: one thread per request, so a slow action (creating a
group waits for its nodes) does not block describe calls; handlers are
thread-safe (see api.py).
"""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import api


def make_server(manager, host, port):
  class Handler(BaseHTTPRequestHandler):
    server_version = "vireo-manager"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: events and logs say enough
      pass

    def _body(self):
      try:
        length = int(self.headers.get("Content-Length") or 0)
      except ValueError:
        length = -1
      if length < 0 or length > api.MAX_BODY:
        return None
      return self.rfile.read(length) if length else b""

    def _reply(self, status, payload, ctype="application/json"):
      data = payload if isinstance(payload, bytes) else (
          json.dumps(payload, indent=1) + "\n").encode()
      self.send_response(status)
      self.send_header("Content-Type", ctype)
      self.send_header("Content-Length", str(len(data)))
      self.end_headers()
      self.wfile.write(data)

    def _handle(self):
      if self.command == "GET" and self.path.split("?")[0] == "/metrics":
        text = manager.metrics.prometheus() if manager.metrics else ""
        self._reply(200, text.encode(), "text/plain; version=0.0.4")
        return
      body = self._body()
      if body is None:
        self._reply(400, {"Error": {"Code": "InvalidParameterValue",
                                    "Message": "Bad Content-Length."}})
        self.close_connection = True
        return
      status, payload = api.handle(manager, self.command, self.path, body)
      self._reply(status, payload)

    do_GET = _handle
    do_POST = _handle

  server = ThreadingHTTPServer((host, port), Handler)
  server.daemon_threads = True
  return server
