"""HyperLogLog against the reference redis-server: the same elements added
in the same batches to both servers must give the same PFCOUNT and the same
value bytes (GET) at every checkpoint from 1 to 1,000,000 elements, through
the sparse encoding, the conversion to dense and the dense range; unions
(multi-key PFCOUNT, PFMERGE) and a lowered hll-sparse-max-bytes too."""

import unittest

import redis

from harness import ServerProcess, quick

REDIS_SERVER = "/usr/bin/redis-server"

CHECKPOINTS = [1, 2, 3, 10, 50, 100, 200, 500, 1000, 2000, 3000, 5000, 10000,
               20000, 50000, 100000, 250000, 500000, 1000000]


class HllEstimateTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.servers = [ServerProcess().start(),
                   ServerProcess(binary=REDIS_SERVER).start()]
    cls.clients = [redis.Redis(port=s.port) for s in cls.servers]

  @classmethod
  def tearDownClass(cls):
    for s in cls.servers:
      s.stop()
      s.cleanup()

  def both(self, *args):
    replies = [c.execute_command(*args) for c in self.clients]
    self.assertEqual(replies[0], replies[1], args)
    return replies[0]

  def add_up_to(self, key, prefix, limit, sparse_max=None):
    if sparse_max is not None:
      self.both("CONFIG", "SET", "hll-sparse-max-bytes", str(sparse_max))
    done = 0
    for point in [p for p in CHECKPOINTS if p <= limit]:
      while done < point:
        n = min(point - done, 1000)
        elems = ["%s%d" % (prefix, done + i) for i in range(n)]
        for c in self.clients:
          c.execute_command("PFADD", key, *elems)
        done += n
      self.both("PFCOUNT", key)
      self.both("GET", key)
      self.both("PFDEBUG", "ENCODING", key)
    if sparse_max is not None:
      self.both("CONFIG", "SET", "hll-sparse-max-bytes", "3000")

  def test_estimates_and_bytes_up_to_a_million(self):
    limit = 100000 if quick() else 1000000
    self.add_up_to("big", "element:", limit)

  def test_unions_and_merge(self):
    self.add_up_to("u1", "a", 5000)
    self.add_up_to("u2", "b", 2000)
    self.add_up_to("u3", "a", 300)
    self.both("PFCOUNT", "u1", "u2", "u3")
    self.both("PFCOUNT", "u2", "u3", "missing")
    self.both("PFMERGE", "m", "u2", "u3")
    self.both("GET", "m")
    self.both("PFCOUNT", "m")
    self.both("PFMERGE", "m", "u1")
    self.both("GET", "m")
    self.both("PFCOUNT", "m")

  def test_low_sparse_limit(self):
    self.add_up_to("low", "x", 2000, sparse_max=200)


if __name__ == "__main__":
  unittest.main()
