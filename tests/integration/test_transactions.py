"""Transactions with redis-py (Debian's 4.3.4) as applications use them:
transactional pipelines (redis-py's default), optimistic locking with
WATCH under contention from several threads, errors inside and before
EXEC, and the discard paths."""

import threading

import redis

from harness import ServerTestCase


class TransactionTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_pipeline_is_atomic_and_returns_every_reply(self):
    pipe = self.r.pipeline()  # transaction=True by default
    pipe.set("a", "1").incr("a").rpush("l", "x", "y").lrange("l", 0, -1).get("missing")
    self.assertEqual(pipe.execute(), [True, 2, 2, ["x", "y"], None])
    self.assertEqual(self.r.get("a"), "2")

  def test_runtime_error_does_not_stop_the_rest(self):
    self.r.set("s", "text")
    pipe = self.r.pipeline()
    pipe.incr("s").set("after", "1")
    results = pipe.execute(raise_on_error=False)
    self.assertIsInstance(results[0], redis.ResponseError)
    self.assertTrue(results[1])
    self.assertEqual(self.r.get("after"), "1")

  def test_queueing_error_discards_everything(self):
    pipe = self.r.pipeline()
    pipe.set("x", "1")
    pipe.execute_command("NOSUCHCOMMAND")
    with self.assertRaises(redis.ResponseError) as ctx:
      pipe.execute()
    self.assertIn("unknown command", str(ctx.exception))
    self.assertIsNone(self.r.get("x"))

  def test_watch_conflict_raises_watch_error(self):
    self.r.set("k", "1")
    other = self.server.redis()
    with self.r.pipeline() as pipe:
      pipe.watch("k")
      other.set("k", "changed")
      pipe.multi()
      pipe.set("k", "mine")
      with self.assertRaises(redis.WatchError):
        pipe.execute()
    self.assertEqual(self.r.get("k"), "changed")

  def test_concurrent_check_and_set_increments_lose_nothing(self):
    self.r.set("counter", "0")
    threads, per_thread = 4, 150
    retries = []

    def worker():
      client = self.server.redis()
      done = tries = 0
      while done < per_thread:
        with client.pipeline() as pipe:
          try:
            pipe.watch("counter")
            value = int(pipe.get("counter"))
            pipe.multi()
            pipe.set("counter", value + 1)
            pipe.execute()
            done += 1
          except redis.WatchError:
            tries += 1
      retries.append(tries)
      client.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for t in workers:
      t.start()
    for t in workers:
      t.join()
    self.assertEqual(int(self.r.get("counter")), threads * per_thread)
    self.assertEqual(len(retries), threads)

  def test_transaction_helper_retries_until_it_wins(self):
    self.r.set("balance", "100")

    def debit(pipe):
      balance = int(pipe.get("balance"))
      pipe.multi()
      pipe.set("balance", balance - 30)

    self.r.transaction(debit, "balance")
    self.assertEqual(self.r.get("balance"), "70")

  def test_blocking_pop_inside_transaction_does_not_block(self):
    pipe = self.r.pipeline()
    pipe.blpop("nolist", timeout=0).rpush("l2", "v").blpop("l2", timeout=0)
    self.assertEqual(pipe.execute(), [None, 1, ("l2", "v")])

  def test_discard_and_reset_end_the_transaction(self):
    conn = self.r.connection_pool.get_connection("MULTI")
    try:
      conn.send_command("MULTI")
      self.assertEqual(conn.read_response(), b"OK" if not conn.encoder.decode_responses else "OK")
      conn.send_command("SET", "d", "1")
      self.assertIn(conn.read_response(), (b"QUEUED", "QUEUED"))
      conn.send_command("DISCARD")
      self.assertIn(conn.read_response(), (b"OK", "OK"))
      conn.send_command("EXEC")
      with self.assertRaises(redis.ResponseError):
        conn.read_response()
    finally:
      self.r.connection_pool.release(conn)
    self.assertIsNone(self.r.get("d"))
