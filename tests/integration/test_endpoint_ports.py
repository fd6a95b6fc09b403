"""vireo-endpoint-ports: extra client ports a node shares with other nodes.

vireo-manager gives a managed group's endpoint ports to the node that should
serve them, so client traffic never passes through the manager. Checked here
with real clients: a port from the config file serves clients; CONFIG SET
moves it at run time (the old port stops accepting, the new one accepts,
established connections stay); two nodes can hold the same port at once
(SO_REUSEPORT), so handing an endpoint from one node to another never leaves
it closed; a bad value is refused; CONFIG GET * does not list the option (it
is not a Redis directive).
"""

import socket
import unittest

from harness import ServerProcess, free_port, is_vireo


def accepts(port):
  try:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
      s.sendall(b"PING\r\n")
      return s.recv(16) == b"+PONG\r\n"
  except OSError:
    return False


class EndpointPorts(unittest.TestCase):
  def setUp(self):
    if not is_vireo():
      self.skipTest("vireo-server's own directive")
    self.servers = []

  def tearDown(self):
    for s in self.servers:
      s.stop()
      s.cleanup()

  def start(self, ports):
    s = ServerProcess(config_text="bind 127.0.0.1\n" + (
        f"vireo-endpoint-ports {' '.join(map(str, ports))}\n" if ports
        else ""))
    s.start()
    self.servers.append(s)
    return s

  def test_serve_move_share_refuse(self):
    a, b = free_port(), free_port()
    node = self.start([a])
    self.assertTrue(accepts(a))
    r = node.redis()
    self.assertEqual(r.config_get("vireo-endpoint-ports"),
                     {"vireo-endpoint-ports": str(a)})
    self.assertNotIn("vireo-endpoint-ports", r.config_get("*"))
    held = socket.create_connection(("127.0.0.1", a), timeout=1)
    # Accepted before the move: a connection still in the kernel's backlog
    # is reset when the listener closes (as with Redis's CONFIG SET port).
    held.sendall(b"PING\r\n")
    self.assertEqual(held.recv(16), b"+PONG\r\n")
    r.config_set("vireo-endpoint-ports", str(b))
    self.assertFalse(accepts(a))
    self.assertTrue(accepts(b))
    held.sendall(b"PING\r\n")   # established connections stay
    self.assertEqual(held.recv(16), b"+PONG\r\n")
    held.close()
    # A second node takes the same port while the first still has it.
    other = self.start([b]).redis()
    self.assertTrue(accepts(b))
    r.config_set("vireo-endpoint-ports", "")
    for _ in range(20):
      self.assertTrue(accepts(b))
    self.assertEqual(other.config_get("vireo-endpoint-ports"),
                     {"vireo-endpoint-ports": str(b)})
    # Two ports, and bad values.
    r.config_set("vireo-endpoint-ports", f"{a} {b}")
    self.assertTrue(accepts(a))
    for bad in ("0", "70000", "x", "1 2 3 4 5"):
      with self.assertRaises(Exception, msg=bad):
        r.config_set("vireo-endpoint-ports", bad)
    self.assertEqual(r.config_get("vireo-endpoint-ports"),
                     {"vireo-endpoint-ports": f"{a} {b}"})

  def test_port_in_use_is_refused(self):
    with socket.socket() as squat:
      squat.bind(("127.0.0.1", 0))
      squat.listen(1)
      port = squat.getsockname()[1]
      r = self.start([]).redis()
      with self.assertRaises(Exception) as cm:
        r.config_set("vireo-endpoint-ports", str(port))
      self.assertIn("Could not create server TCP listening socket",
                    str(cm.exception))
      self.assertEqual(r.config_get("vireo-endpoint-ports"),
                       {"vireo-endpoint-ports": ""})


if __name__ == "__main__":
  unittest.main()
