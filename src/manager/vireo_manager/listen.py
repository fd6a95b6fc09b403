"""Where managed nodes, endpoints and the Sentinel port listen.

Always 127.0.0.1 (the manager reaches its nodes there), plus the host
address given with `vireo-manager --bind-address`, so that clients on other
machines can reach a group. set_bind_address() is called once by main()
before the Manager starts; everything else only reads: thread-safe.
"""

LOOPBACK = "127.0.0.1"
_extra = []


def set_bind_address(address):
  _extra[:] = [address] if address and address != LOOPBACK else []


def hosts():
  """Addresses to listen on: loopback first."""
  return [LOOPBACK] + _extra


def beyond_loopback():
  return bool(_extra)
