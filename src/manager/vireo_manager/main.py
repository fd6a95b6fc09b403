"""vireo-manager's command line: parse flags, start the Manager, serve HTTP.

Runs until SIGINT/SIGTERM. Node processes are left running on exit (the next
manager adopts them) unless --stop-nodes-on-exit is given.
"""

import argparse
import os
import signal
import sys
import threading

from .http_api import make_server
from .manager import Manager


def _host_port(text):
  host, _, port = text.rpartition(":")
  return host or "127.0.0.1", int(port)


def _port_range(text):
  lo, _, hi = text.partition("-")
  lo, hi = int(lo), int(hi)
  if not 1024 <= lo <= hi <= 65535:
    raise argparse.ArgumentTypeError("expected FROM-TO within 1024-65535")
  return lo, hi


def main(argv=None):
  ap = argparse.ArgumentParser(prog="vireo-manager")
  ap.add_argument("--data-dir", required=True)
  ap.add_argument("--listen", type=_host_port, default=("127.0.0.1", 8080))
  ap.add_argument("--sentinel-port", type=int)
  ap.add_argument("--node-ports", type=_port_range, default=(30000, 30999))
  ap.add_argument("--health-interval-ms", type=int, default=200)
  ap.add_argument("--down-after-ms", type=int, default=1000)
  ap.add_argument("--stop-nodes-on-exit", action="store_true")
  args = ap.parse_args(argv)

  os.makedirs(args.data_dir, exist_ok=True)
  manager = Manager(args.data_dir, node_ports=args.node_ports,
                    sentinel_port=args.sentinel_port,
                    health_interval=args.health_interval_ms / 1000,
                    down_after=args.down_after_ms / 1000,
                    stop_nodes_on_exit=args.stop_nodes_on_exit)
  manager.start()
  server = make_server(manager, *args.listen)
  done = threading.Event()

  def on_signal(signum, frame):
    done.set()

  signal.signal(signal.SIGINT, on_signal)
  signal.signal(signal.SIGTERM, on_signal)
  threading.Thread(target=server.serve_forever, daemon=True).start()
  print(f"vireo-manager: API on http://{args.listen[0]}:{args.listen[1]}"
        f" data in {os.path.abspath(args.data_dir)}", file=sys.stderr,
        flush=True)
  done.wait()
  server.shutdown()
  manager.stop()
  return 0


if __name__ == "__main__":
  sys.exit(main())
