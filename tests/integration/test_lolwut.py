"""LOLWUT VERSION 5 and 6 draw random pictures: compared with redis-server
7.0.15 by shape (lines, width of a line, the credit text), since the
pixels cannot be."""

import os
import unittest

import harness

REDIS_SERVER = "/usr/bin/redis-server"


@unittest.skipUnless(os.path.exists(REDIS_SERVER), "redis-server not installed")
class LolwutShapes(unittest.TestCase):
  def test_drawings_have_redis_shape(self):
    clients = []
    for binary in (None, REDIS_SERVER):
      server = harness.ServerProcess(binary=binary)
      self.addCleanup(server.cleanup)
      server.start()
      clients.append(server.redis(decode_responses=False))
    for args in ((5,), (5, 10, 3, 3), (5, 0, 0, 0), (5, 2000, 300, 300), (6,), (6, 10, 5), (6, 0, 0), (6, 300, 40)):
      replies = [c.execute_command("LOLWUT", "VERSION", *args) for c in clients]
      shapes = []
      for text in replies:
        lines = text.split(b"\n")
        # Braille cells are 3 bytes; colour blocks vary in length: count cells.
        width = len(lines[0].decode()) if args[0] == 5 else lines[0].count(b"\x1b[0m")
        shapes.append((len(lines), width, lines[-3:] if args[0] == 6 else lines[-2:]))
      self.assertEqual(shapes[0], shapes[1], args)
    self.assertTrue(replies[0].endswith(b"Redis ver. 7.0.15\n"))


if __name__ == "__main__":
  unittest.main()
