#!/usr/bin/python3
"""Server CPU spent while a client is held by CLIENT PAUSE with a pipeline of
writes pending in its socket, for vireo-server and redis-server in one run.

A paused client must not keep the server busy: its unread input stays in the
kernel and the server stops polling that socket until the pause ends.

Usage: VIREO_SERVER=build/vireo-server /usr/bin/python3 bench/pause_cpu.py [--seconds 2]
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

from server_proc import BenchServer  # noqa: E402


def command(*args):
  out = b"*%d\r\n" % len(args)
  for a in args:
    a = a if isinstance(a, bytes) else str(a).encode()
    out += b"$%d\r\n%s\r\n" % (len(a), a)
  return out


def measure(label, binary, seconds):
  server = BenchServer(label, binary).start()
  try:
    admin = socket.create_connection(("127.0.0.1", server.port))
    admin.sendall(command("CLIENT", "PAUSE", int(seconds * 1000) + 500, "WRITE"))
    admin.recv(100)
    writer = socket.create_connection(("127.0.0.1", server.port))
    writer.sendall(b"".join(command("SET", "k%d" % i, "v") for i in range(100)))
    time.sleep(0.2)
    before = server.cpu_seconds()
    time.sleep(seconds)
    spent = server.cpu_seconds() - before
    admin.close()
    writer.close()
    return spent
  finally:
    server.stop()


def main():
  p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  p.add_argument("--seconds", type=float, default=2.0)
  a = p.parse_args()
  vireo = os.path.abspath(os.environ.get("VIREO_SERVER", "build/vireo-server"))
  v = measure("vireo", vireo, a.seconds)
  r = measure("redis", "/usr/bin/redis-server", a.seconds)
  print("pause_cpu: server CPU during a %.0f s CLIENT PAUSE with 100 writes pending: "
        "vireo %.2f s, redis %.2f s" % (a.seconds, v, r))


if __name__ == "__main__":
  main()
