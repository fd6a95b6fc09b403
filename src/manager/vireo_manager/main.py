"""vireo-manager's command line: parse flags, start the Manager, serve HTTP.

Runs until SIGINT/SIGTERM. Node processes are left running on exit (the next
manager adopts them) unless --stop-nodes-on-exit is given.
"""

import argparse
import ipaddress
import os
import signal
import ssl
import sys
import threading

from . import credentials, listen, ports
from .auth import Authenticator
from .http_api import make_server
from .manager import Manager


def _host_port(text):
  host, _, port = text.rpartition(":")
  return host.strip("[]") or "127.0.0.1", int(port)


def _port_range(text):
  lo, _, hi = text.partition("-")
  lo, hi = int(lo), int(hi)
  if not 1024 <= lo <= hi <= 65535:
    raise argparse.ArgumentTypeError("expected FROM-TO within 1024-65535")
  return lo, hi


def _account(text):
  if len(text) != 12 or not text.isdigit():
    raise argparse.ArgumentTypeError("an account id is 12 digits")
  return text


def is_loopback(host):
  if host == "localhost":
    return True
  try:
    return ipaddress.ip_address(host).is_loopback
  except ValueError:
    return False


def main(argv=None):
  ap = argparse.ArgumentParser(prog="vireo-manager")
  ap.add_argument("--data-dir", required=True)
  ap.add_argument("--listen", type=_host_port, default=("127.0.0.1", 8080),
                  help="HOST:PORT of the API (default 127.0.0.1:8080; a "
                  "non-loopback HOST exposes it to the network)")
  ap.add_argument("--credentials",
                  help="aws-cli credentials file with the API keys "
                  "(default: DATA_DIR/credentials, created on first start)")
  ap.add_argument("--region", default="us-east-1",
                  help="region name requests must be signed for")
  ap.add_argument("--account-id", type=_account, default="000000000000",
                  help="account number shown in ARNs")
  ap.add_argument("--max-clock-skew-s", type=float, default=300.0)
  ap.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
  ap.add_argument("--tls-key", help="PEM private key for --tls-cert")
  ap.add_argument("--request-timeout-s", type=float, default=10.0,
                  help="a request must arrive whole within this time")
  ap.add_argument("--idle-timeout-s", type=float, default=15.0,
                  help="idle keep-alive connections are closed after this")
  ap.add_argument("--max-active-requests", type=int, default=32,
                  help="requests executing at once; others queue")
  ap.add_argument("--queue-wait-s", type=float, default=20.0,
                  help="a queued request gets Throttling after this")
  ap.add_argument("--bind-address",
                  help="host address nodes, endpoints and the Sentinel port "
                  "listen on besides 127.0.0.1 (reachable from the network)")
  ap.add_argument("--advertise-address",
                  help="address clients are told to use for endpoints "
                  "(default: --bind-address, else 127.0.0.1)")
  ap.add_argument("--sentinel-port", type=int)
  ap.add_argument("--node-ports", type=_port_range, default=(30000, 30999))
  ap.add_argument("--health-interval-ms", type=int, default=200)
  ap.add_argument("--down-after-ms", type=int, default=1000)
  ap.add_argument("--stop-nodes-on-exit", action="store_true")
  ap.add_argument("--endpoint-mode", choices=("auto", "nat", "forwarder"),
                  default="auto",
                  help="how engine redis endpoints are served: kernel NAT "
                  "rules (nftables; needs root, nft and conntrack), the "
                  "vireo-forwarder process, or NAT when possible (auto)")
  args = ap.parse_args(argv)
  # Ports that must be listenable again after a stop stay out of the range
  # the kernel gives outgoing connections (ports.py says why).
  for what, lo, hi in (("--node-ports", *args.node_ports),
                       ("--sentinel-port", args.sentinel_port,
                        args.sentinel_port),
                       ("--listen port", args.listen[1], args.listen[1])):
    why = lo and ports.conflict_message(what, lo, hi)
    if why:
      ap.error(why)

  os.makedirs(args.data_dir, exist_ok=True)
  cred_path = args.credentials or os.path.join(args.data_dir, "credentials")
  try:
    if not args.credentials and credentials.ensure(cred_path):
      print(f"vireo-manager: created API credentials in "
            f"{os.path.abspath(cred_path)} (mode 0600)", file=sys.stderr)
    keys = credentials.load(cred_path)
    if credentials.readable_by_others(cred_path):
      print(f"vireo-manager: warning: {cred_path} is readable by other "
            "users; chmod 600 it", file=sys.stderr)
  except (credentials.CredentialsError, OSError) as e:
    ap.error(f"credentials: {e}")
  auth = Authenticator(keys, args.region, ("elasticache", "monitoring"),
                       max_skew=args.max_clock_skew_s)
  tls = None
  if args.tls_cert or args.tls_key:
    if not (args.tls_cert and args.tls_key):
      ap.error("--tls-cert and --tls-key go together")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
      tls.load_cert_chain(args.tls_cert, args.tls_key)
    except (OSError, ssl.SSLError) as e:
      ap.error(f"TLS: {e}")
  if args.bind_address:
    try:
      ipaddress.ip_address(args.bind_address)
    except ValueError:
      ap.error("--bind-address takes an IP address")
    listen.set_bind_address(args.bind_address)
    if not is_loopback(args.bind_address):
      print(f"vireo-manager: warning: nodes, endpoints and the Sentinel port "
            f"listen on {args.bind_address} too: clients on the network can "
            "reach groups (use AuthToken or user groups)", file=sys.stderr,
            flush=True)
  host, port = args.listen
  if not is_loopback(host) and tls is None:
    print(f"vireo-manager: warning: the API listens on {host}, beyond this "
          "machine, without TLS: signed requests cannot be forged, but "
          "requests and replies can be read on the network (give "
          "--tls-cert/--tls-key)", file=sys.stderr, flush=True)

  try:
    manager = Manager(args.data_dir, node_ports=args.node_ports,
                      sentinel_port=args.sentinel_port,
                      health_interval=args.health_interval_ms / 1000,
                      down_after=args.down_after_ms / 1000,
                      stop_nodes_on_exit=args.stop_nodes_on_exit,
                      endpoint_mode=args.endpoint_mode)
  except OSError as e:
    ap.error(str(e))
  manager.region = args.region
  manager.account_id = args.account_id
  manager.advertise_address = (args.advertise_address or args.bind_address
                               or "127.0.0.1")
  if args.sentinel_port:
    api_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    manager.sentinel_args = [
        "--down-after-ms", args.down_after_ms,
        "--advertise-address", manager.advertise_address,
        "--api-url", f"{'https' if tls else 'http'}://{api_host}:{port}/",
        "--credentials", os.path.abspath(cred_path),
        "--region", args.region]
    if args.bind_address:
      manager.sentinel_args += ["--bind-address", args.bind_address]
    if tls:
      manager.sentinel_args += ["--api-cafile",
                                os.path.abspath(args.tls_cert)]
  try:
    server = make_server(manager, host, port, auth=auth, tls_context=tls,
                         metrics_tokens=[f"{a}:{s}".encode()
                                         for a, s in keys.items()],
                         request_timeout=args.request_timeout_s,
                         idle_timeout=args.idle_timeout_s,
                         max_active=args.max_active_requests,
                         queue_wait=args.queue_wait_s)
  except OSError as e:
    ap.error(f"cannot listen on {host}:{port}: {e.strerror}")
  manager.start()
  done = threading.Event()

  def on_signal(signum, frame):
    done.set()

  signal.signal(signal.SIGINT, on_signal)
  signal.signal(signal.SIGTERM, on_signal)
  threading.Thread(target=server.serve_forever, daemon=True).start()
  scheme = "https" if tls else "http"
  print(f"vireo-manager: API on {scheme}://{host}:{port} (region "
        f"{args.region}) data in {os.path.abspath(args.data_dir)}",
        file=sys.stderr, flush=True)
  done.wait()
  server.shutdown()
  manager.stop()
  return 0


if __name__ == "__main__":
  sys.exit(main())
