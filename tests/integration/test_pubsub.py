"""Pub/sub as applications use it, with redis-py (RESP2): a threaded
listener, 100,000 channels in one SUBSCRIBE, a subscriber that never reads
(its output buffer limit must close it, not let it grow), and the order of
a transaction's effects as blocked clients see them."""

import socket
import threading
import time

from harness import ServerTestCase, encode_command, read_reply


class PubSubTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_threaded_listener_gets_channel_and_pattern_messages(self):
    p = self.r.pubsub()
    got = []
    p.subscribe(**{"orders": lambda m: got.append(("orders", m["data"]))})
    p.psubscribe(**{"ord*": lambda m: got.append(("ord*", m["data"]))})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
      for _ in range(100):
        if self.r.publish("orders", "probe") == 2:
          break
        time.sleep(0.02)
      for i in range(50):
        self.assertEqual(self.r.publish("orders", "m%d" % i), 2)
      deadline = time.time() + 10
      while len(got) < 2 * 51 and time.time() < deadline:
        time.sleep(0.02)
    finally:
      worker.stop()
      worker.join(5)
      p.close()
    exact = [d for kind, d in got if kind == "orders" and d != "probe"]
    pattern = [d for kind, d in got if kind == "ord*" and d != "probe"]
    self.assertEqual(exact, ["m%d" % i for i in range(50)])
    self.assertEqual(pattern, ["m%d" % i for i in range(50)])

  def test_hundred_thousand_channels_in_one_call(self):
    n = 100000
    names = ["ch:%d" % i for i in range(n)]
    s = socket.create_connection(("127.0.0.1", self.server.port))
    f = s.makefile("rb")
    try:
      s.sendall(encode_command("SUBSCRIBE", *names))
      for i in range(n):
        reply = read_reply(f)
        self.assertEqual(reply[2], i + 1)
      self.assertEqual(self.r.execute_command("PUBSUB", "NUMSUB", "ch:0", "ch:99999"),
                       ["ch:0", 1, "ch:99999", 1])
      self.assertEqual(len(self.r.execute_command("PUBSUB", "CHANNELS", "ch:*")), n)
      self.assertEqual(self.r.publish("ch:4242", "x"), 1)
      message = read_reply(f)
      self.assertEqual(message, [b"message", b"ch:4242", b"x"])
      s.sendall(encode_command("UNSUBSCRIBE"))
      for i in range(n):
        reply = read_reply(f)
        self.assertEqual(reply[2], n - i - 1)
      self.assertEqual(self.r.execute_command("PUBSUB", "NUMSUB", "ch:0"), ["ch:0", 0])
    finally:
      s.close()

  def test_subscriber_that_never_reads_is_disconnected(self):
    self.r.config_set("client-output-buffer-limit", "pubsub 1mb 256kb 1")
    slow = socket.create_connection(("127.0.0.1", self.server.port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(encode_command("SUBSCRIBE", "firehose"))
    time.sleep(0.2)
    payload = "x" * 65536
    delivered = 0
    for _ in range(400):  # 25 MB offered to a reader that reads nothing
      delivered += self.r.publish("firehose", payload)
      if delivered and self.r.execute_command("PUBSUB", "NUMSUB", "firehose")[1] == 0:
        break
    self.assertEqual(self.r.execute_command("PUBSUB", "NUMSUB", "firehose"), ["firehose", 0])
    clients = self.r.client_list()
    self.assertTrue(all(int(c.get("sub", 0)) == 0 for c in clients), clients)
    # The server keeps serving everyone else.
    self.assertTrue(self.r.ping())
    slow.close()

  def test_blocked_clients_see_a_transaction_only_after_exec(self):
    blocked = socket.create_connection(("127.0.0.1", self.server.port))
    bf = blocked.makefile("rb")
    try:
      blocked.sendall(encode_command("BLPOP", "jobs", "0"))
      for _ in range(100):
        if int(self.r.info("clients")["blocked_clients"]) == 1:
          break
        time.sleep(0.01)
      pipe = self.r.pipeline()  # MULTI ... EXEC
      pipe.lpush("jobs", "pushed-and-popped").lpop("jobs")
      self.assertEqual(pipe.execute(), [1, "pushed-and-popped"])
      # Woken only by what EXEC left behind: nothing, so still blocked.
      self.assertEqual(int(self.r.info("clients")["blocked_clients"]), 1)
      self.r.rpush("jobs", "real")
      self.assertEqual(read_reply(bf), [b"jobs", b"real"])
    finally:
      blocked.close()
