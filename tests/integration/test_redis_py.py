"""redis-py (Debian's 4.3.4) against the server under test: string, generic,
connection and server commands, as an application would use them.

Pipelines here use transaction=False; test_transactions.py covers MULTI/EXEC.
"""

import time
import unittest

import redis

from harness import (RespError, ServerTestCase, encode_command, quick,
                     read_reply)


def raw_command(client, *args):
  """Sends a command through redis-py but skips its per-command reply
  callback, which for some commands (PING with an argument, COMMAND COUNT,
  CONFIG GET with several names) reshapes or misreads the reply."""
  conn = client.connection_pool.get_connection(args[0])
  try:
    conn.send_command(*args)
    reply = conn.read_response()
  finally:
    client.connection_pool.release(conn)
  if isinstance(reply, redis.ResponseError):
    raise reply
  return reply


class StringCommandsTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_set_get_basic(self):
    self.assertTrue(self.r.set("k", "v"))
    self.assertEqual(self.r.get("k"), "v")
    self.assertIsNone(self.r.get("missing"))

  def test_set_nx_xx(self):
    self.assertTrue(self.r.set("k", "1", nx=True))
    self.assertIsNone(self.r.set("k", "2", nx=True))
    self.assertEqual(self.r.get("k"), "1")
    self.assertTrue(self.r.set("k", "3", xx=True))
    self.assertIsNone(self.r.set("other", "x", xx=True))
    self.assertEqual(self.r.get("k"), "3")
    self.assertEqual(self.r.exists("other"), 0)

  def test_set_get_option(self):
    self.assertIsNone(self.r.set("k", "a", get=True))
    self.assertEqual(self.r.set("k", "b", get=True), "a")
    self.assertEqual(self.r.get("k"), "b")

  def test_set_expire_options(self):
    self.r.set("ex", "v", ex=100)
    self.assertTrue(95 <= self.r.ttl("ex") <= 100)
    self.r.set("px", "v", px=100000)
    self.assertTrue(95000 <= self.r.pttl("px") <= 100000)
    at = int(time.time()) + 200
    self.r.set("exat", "v", exat=at)
    self.assertTrue(195 <= self.r.ttl("exat") <= 200)
    self.r.set("pxat", "v", pxat=at * 1000)
    self.assertTrue(195000 <= self.r.pttl("pxat") <= 200000)
    self.r.set("ex", "w", keepttl=True)
    self.assertTrue(90 <= self.r.ttl("ex") <= 100)
    self.r.set("ex", "w")
    self.assertEqual(self.r.ttl("ex"), -1)

  def test_set_syntax_errors(self):
    with self.assertRaisesRegex(redis.ResponseError, "syntax error"):
      self.r.execute_command("SET", "k", "v", "NX", "XX")
    with self.assertRaisesRegex(redis.ResponseError,
                                "invalid expire time in 'set' command"):
      self.r.execute_command("SET", "k", "v", "EX", "0")
    with self.assertRaisesRegex(redis.ResponseError,
                                "value is not an integer or out of range"):
      self.r.execute_command("SET", "k", "v", "EX", "abc")

  def test_incr_family(self):
    self.assertEqual(self.r.incr("n"), 1)
    self.assertEqual(self.r.incrby("n", 10), 11)
    self.assertEqual(self.r.decr("n"), 10)
    self.assertEqual(self.r.decrby("n", 4), 6)
    self.assertAlmostEqual(self.r.incrbyfloat("f", 1.5), 1.5)
    self.assertAlmostEqual(self.r.incrbyfloat("f", -0.25), 1.25)
    self.assertEqual(self.r.get("f"), "1.25")
    self.r.set("big", str(2**63 - 1))
    with self.assertRaisesRegex(redis.ResponseError,
                                "increment or decrement would overflow"):
      self.r.incr("big")
    self.r.set("s", "abc")
    with self.assertRaisesRegex(redis.ResponseError,
                                "value is not an integer or out of range"):
      self.r.incr("s")
    with self.assertRaisesRegex(redis.ResponseError,
                                "value is not a valid float"):
      self.r.incrbyfloat("s", 1)

  def test_incr_keeps_ttl(self):
    self.r.set("n", "5", ex=100)
    self.r.incr("n")
    self.assertGreater(self.r.ttl("n"), 0)

  def test_append_strlen_getrange_setrange(self):
    self.assertEqual(self.r.append("s", "Hello"), 5)
    self.assertEqual(self.r.append("s", " World"), 11)
    self.assertEqual(self.r.strlen("s"), 11)
    self.assertEqual(self.r.getrange("s", 0, 4), "Hello")
    self.assertEqual(self.r.getrange("s", -5, -1), "World")
    self.assertEqual(self.r.setrange("s", 6, "Redis"), 11)
    self.assertEqual(self.r.get("s"), "Hello Redis")
    self.assertEqual(self.r.setrange("pad", 3, "x"), 4)
    self.assertEqual(self.r.get("pad"), "\x00\x00\x00x")

  def test_mset_mget_msetnx(self):
    self.assertTrue(self.r.mset({"a": "1", "b": "2"}))
    self.assertEqual(self.r.mget("a", "b", "c"), ["1", "2", None])
    self.assertFalse(self.r.msetnx({"b": "x", "c": "3"}))
    self.assertIsNone(self.r.get("c"))
    self.assertTrue(self.r.msetnx({"c": "3", "d": "4"}))
    self.assertEqual(self.r.mget(["c", "d"]), ["3", "4"])

  def test_getset_getdel_getex_setnx_setex(self):
    self.assertIsNone(self.r.getset("k", "1"))
    self.assertEqual(self.r.getset("k", "2"), "1")
    self.assertEqual(self.r.getdel("k"), "2")
    self.assertIsNone(self.r.get("k"))
    self.assertTrue(self.r.setnx("k", "v"))
    self.assertFalse(self.r.setnx("k", "w"))
    self.assertEqual(self.r.getex("k", ex=50), "v")
    self.assertTrue(45 <= self.r.ttl("k") <= 50)
    self.assertEqual(self.r.getex("k", persist=True), "v")
    self.assertEqual(self.r.ttl("k"), -1)
    self.assertTrue(self.r.setex("e", 30, "v"))
    self.assertTrue(25 <= self.r.ttl("e") <= 30)
    self.assertTrue(self.r.psetex("pe", 30000, "v"))
    self.assertTrue(25000 <= self.r.pttl("pe") <= 30000)

  def test_binary_safe_values(self):
    raw = self.server.redis(decode_responses=False)
    value = bytes(range(256)) * 4
    raw.set(b"bin\x00key", value)
    self.assertEqual(raw.get(b"bin\x00key"), value)

  def test_wrong_arity_keeps_connection(self):
    self.r.set("k", "v")
    # A wrong-arity call is an error that leaves the connection usable.
    with self.assertRaisesRegex(
        redis.ResponseError, "wrong number of arguments for 'get' command"):
      self.r.execute_command("GET")
    self.assertEqual(self.r.get("k"), "v")

  def test_unknown_command(self):
    with self.assertRaisesRegex(redis.ResponseError,
                                "unknown command 'NOSUCHCMD'"):
      self.r.execute_command("NOSUCHCMD", "a")


class GenericCommandsTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_del_exists_unlink_type(self):
    self.r.mset({"a": "1", "b": "2", "c": "3"})
    self.assertEqual(self.r.exists("a", "b", "zz", "a"), 3)
    self.assertEqual(self.r.delete("a", "zz"), 1)
    self.assertEqual(self.r.unlink("b", "c"), 2)
    self.assertEqual(self.r.dbsize(), 0)
    self.r.set("s", "x")
    self.assertEqual(self.r.type("s"), "string")
    self.assertEqual(self.r.type("none"), "none")

  def test_expire_family(self):
    self.r.set("k", "v")
    self.assertTrue(self.r.expire("k", 100))
    self.assertTrue(95 <= self.r.ttl("k") <= 100)
    self.assertTrue(self.r.pexpire("k", 50000))
    self.assertTrue(45000 <= self.r.pttl("k") <= 50000)
    at = int(time.time()) + 300
    self.assertTrue(self.r.expireat("k", at))
    self.assertEqual(self.r.expiretime("k"), at)
    self.assertTrue(self.r.pexpireat("k", at * 1000 + 5))
    self.assertEqual(self.r.execute_command("PEXPIRETIME", "k"), at * 1000 + 5)
    self.assertTrue(self.r.persist("k"))
    self.assertFalse(self.r.persist("k"))
    self.assertEqual(self.r.ttl("k"), -1)
    self.assertEqual(self.r.ttl("missing"), -2)
    self.assertEqual(self.r.pttl("missing"), -2)
    self.assertEqual(self.r.expiretime("k"), -1)
    self.assertFalse(self.r.expire("missing", 10))

  def test_expire_options_nx_xx_gt_lt(self):
    self.r.set("k", "v")
    self.assertEqual(self.r.execute_command("EXPIRE", "k", 100, "XX"), 0)
    self.assertEqual(self.r.execute_command("EXPIRE", "k", 100, "NX"), 1)
    self.assertEqual(self.r.execute_command("EXPIRE", "k", 200, "NX"), 0)
    self.assertEqual(self.r.execute_command("EXPIRE", "k", 50, "GT"), 0)
    self.assertEqual(self.r.execute_command("EXPIRE", "k", 200, "GT"), 1)
    self.assertEqual(self.r.execute_command("EXPIRE", "k", 300, "LT"), 0)
    self.assertEqual(self.r.execute_command("EXPIRE", "k", 10, "LT"), 1)
    with self.assertRaisesRegex(
        redis.ResponseError,
        "NX and XX, GT or LT options at the same time are not compatible"):
      self.r.execute_command("EXPIRE", "k", 10, "NX", "XX")

  def test_expire_in_past_deletes(self):
    self.r.set("k", "v")
    self.assertTrue(self.r.expire("k", -1))
    self.assertEqual(self.r.exists("k"), 0)

  def test_rename_renamenx_copy(self):
    self.r.set("a", "1", ex=100)
    self.assertTrue(self.r.rename("a", "b"))
    self.assertEqual(self.r.get("b"), "1")
    self.assertGreater(self.r.ttl("b"), 0)
    with self.assertRaisesRegex(redis.ResponseError, "no such key"):
      self.r.rename("a", "c")
    self.r.set("c", "3")
    self.assertFalse(self.r.renamenx("b", "c"))
    self.assertTrue(self.r.renamenx("b", "d"))
    self.assertTrue(self.r.copy("d", "e"))
    self.assertFalse(self.r.copy("d", "e"))
    self.assertTrue(self.r.copy("c", "e", replace=True))
    self.assertEqual(self.r.get("e"), "3")

  def test_keys_and_randomkey(self):
    self.r.mset({"user:1": "a", "user:2": "b", "item:1": "c"})
    self.assertEqual(sorted(self.r.keys("user:*")), ["user:1", "user:2"])
    self.assertEqual(sorted(self.r.keys()), ["item:1", "user:1", "user:2"])
    self.assertIn(self.r.randomkey(), ["item:1", "user:1", "user:2"])
    self.r.flushdb()
    self.assertIsNone(self.r.randomkey())

  def test_scan_iter_sees_every_key_once(self):
    n = 2000 if quick() else 5000
    pipe = self.r.pipeline(transaction=False)
    for i in range(n):
      pipe.set("key:%d" % i, i)
    pipe.execute()
    seen = list(self.r.scan_iter(count=100))
    self.assertEqual(len(set(seen)), n)
    matched = set(self.r.scan_iter(match="key:1*", count=1000))
    self.assertEqual(matched, {"key:%d" % i for i in range(n)
                               if str(i).startswith("1")})
    self.assertEqual(set(self.r.scan_iter(_type="string", count=1000)),
                     set(seen))
    self.assertEqual(list(self.r.scan_iter(_type="list")), [])

  def test_scan_invalid_cursor(self):
    with self.assertRaisesRegex(redis.ResponseError, "invalid cursor"):
      self.r.execute_command("SCAN", "abc")

  def test_select_and_move_and_swapdb(self):
    self.r.set("k", "0")
    other = self.server.redis(db=1)
    self.assertIsNone(other.get("k"))
    other.set("k", "1")
    self.assertEqual(self.r.get("k"), "0")
    self.assertFalse(self.r.move("absent", 1))
    self.r.set("m", "x")
    self.assertTrue(self.r.move("m", 1))
    self.assertEqual(other.get("m"), "x")
    self.assertTrue(self.r.swapdb(0, 1))
    self.assertEqual(self.r.get("k"), "1")
    with self.assertRaisesRegex(redis.ResponseError, "DB index is out of range"):
      self.r.execute_command("SELECT", 16)

  def test_flushdb_flushall_dbsize(self):
    self.r.mset({"a": 1, "b": 2})
    self.server.redis(db=2).set("c", 3)
    self.assertEqual(self.r.dbsize(), 2)
    self.r.flushdb()
    self.assertEqual(self.r.dbsize(), 0)
    self.assertEqual(self.server.redis(db=2).dbsize(), 1)
    self.r.flushall()
    self.assertEqual(self.server.redis(db=2).dbsize(), 0)

  def test_pipeline_without_transaction(self):
    pipe = self.r.pipeline(transaction=False)
    pipe.set("a", 1).incr("a").get("a").execute_command("NOSUCH")
    results = pipe.execute(raise_on_error=False)
    self.assertEqual(results[:3], [True, 2, "2"])
    self.assertIsInstance(results[3], redis.ResponseError)


class ConnectionCommandsTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_ping_echo(self):
    self.assertTrue(self.r.ping())
    self.assertEqual(raw_command(self.r, "PING", "hi"), "hi")
    self.assertEqual(self.r.echo("hello"), "hello")

  def test_client_setname_getname_id_list(self):
    r = self.server.redis(single_connection_client=True)
    self.assertIsNone(r.client_getname())
    self.assertTrue(r.client_setname("worker-1"))
    self.assertEqual(r.client_getname(), "worker-1")
    my_id = r.client_id()
    self.assertIsInstance(my_id, int)
    clients = r.client_list()
    mine = [c for c in clients if c["name"] == "worker-1"]
    self.assertEqual(len(mine), 1)
    self.assertEqual(int(mine[0]["id"]), my_id)
    for field in ("addr", "laddr", "fd", "age", "idle", "flags", "db", "cmd"):
      self.assertIn(field, mine[0])
    self.assertEqual(mine[0]["cmd"], "client|list")
    with self.assertRaisesRegex(redis.ResponseError,
                                "Client names cannot contain spaces"):
      r.client_setname("has space")

  def test_client_info_and_kill(self):
    victim = self.server.redis(single_connection_client=True)
    victim.client_setname("victim")
    victim_id = victim.client_id()
    info = victim.client_info()
    self.assertEqual(info["name"], "victim")
    self.assertEqual(self.r.client_kill_filter(_id=victim_id), 1)
    names = [c["name"] for c in self.r.client_list()]
    self.assertNotIn("victim", names)

  def test_hello_2_through_redis_py(self):
    r = self.server.redis(single_connection_client=True)
    reply = raw_command(r, "HELLO", "2")
    fields = dict(zip(reply[0::2], reply[1::2]))
    self.assertEqual(fields["server"], "redis")
    self.assertEqual(fields["proto"], 2)
    self.assertEqual(fields["mode"], "standalone")
    self.assertEqual(fields["role"], "master")
    self.assertEqual(fields["modules"], [])

  def test_hello_3_on_dedicated_connection(self):
    # redis-py 4.3.4 cannot parse RESP3 maps, so the RESP3 side is read with
    # the harness's own reader on a dedicated socket.
    with self.server.connect() as sock:
      f = sock.makefile("rb")
      sock.sendall(encode_command("HELLO", "3", "SETNAME", "resp3-client"))
      reply = read_reply(f)
      self.assertIsInstance(reply, dict)
      self.assertEqual(reply[b"server"], b"redis")
      self.assertEqual(reply[b"proto"], 3)
      self.assertEqual(reply[b"mode"], b"standalone")
      self.assertEqual(reply[b"role"], b"master")
      self.assertIsInstance(reply[b"id"], int)
      self.assertIn(b"version", reply)
      sock.sendall(encode_command("GET", "missing"))
      self.assertIsNone(read_reply(f))
      sock.sendall(encode_command("CONFIG", "GET", "maxclients"))
      self.assertEqual(read_reply(f), {b"maxclients": b"10000"})
      sock.sendall(encode_command("CLIENT", "GETNAME"))
      self.assertEqual(read_reply(f), b"resp3-client")
      sock.sendall(encode_command("HELLO", "4"))
      err = read_reply(f)
      self.assertIsInstance(err, RespError)
      self.assertTrue(err.startswith("NOPROTO"), err)
    # Other connections are unaffected and still speak RESP2.
    self.assertEqual(self.r.get("missing"), None)

  def test_select_bad_arg(self):
    with self.assertRaisesRegex(redis.ResponseError,
                                "value is not an integer or out of range"):
      self.r.execute_command("SELECT", "x")


class ServerCommandsTest(ServerTestCase):

  def setUp(self):
    super().setUp()
    self.r = self.server.redis()

  def test_info_parses(self):
    self.r.set("a", "1")
    self.r.set("b", "2", ex=100)
    info = self.r.info()
    self.assertEqual(info["tcp_port"], self.server.port)
    self.assertEqual(info["role"], "master")
    self.assertGreaterEqual(info["connected_clients"], 1)
    self.assertGreater(info["used_memory"], 0)
    self.assertIn("redis_version", info)
    self.assertIn("uptime_in_seconds", info)
    self.assertIn("total_commands_processed", info)
    self.assertEqual(info["db0"]["keys"], 2)
    self.assertEqual(info["db0"]["expires"], 1)
    memory = self.r.info("memory")
    self.assertIn("used_memory_human", memory)
    self.assertNotIn("redis_version", memory)
    stats = self.r.info("stats")
    self.assertIn("expired_keys", stats)
    self.assertIn("keyspace_hits", stats)
    everything = self.r.info("everything")
    self.assertIn("used_memory", everything)

  def test_info_keyspace_hits_misses(self):
    self.r.set("a", "1")
    before = self.r.info("stats")
    self.r.get("a")
    self.r.get("nope")
    after = self.r.info("stats")
    self.assertEqual(after["keyspace_hits"] - before["keyspace_hits"], 1)
    self.assertEqual(after["keyspace_misses"] - before["keyspace_misses"], 1)

  def test_config_get_set(self):
    self.assertEqual(self.r.config_get("port"), {"port": str(self.server.port)})
    self.assertTrue(self.r.config_set("maxmemory", "10mb"))
    self.assertEqual(self.r.config_get("maxmemory")["maxmemory"], "10485760")
    self.assertTrue(self.r.config_set("maxmemory", "0"))
    self.assertTrue(self.r.config_set("maxclients", "50"))
    self.assertEqual(self.r.config_get("maxclients"), {"maxclients": "50"})
    # Redis 7 sets several parameters in one call, all or nothing.
    self.assertEqual(raw_command(self.r, "CONFIG", "SET", "maxclients", "60",
                                 "maxmemory", "20mb"), "OK")
    self.assertEqual(self.r.config_get("maxclients"), {"maxclients": "60"})
    self.assertEqual(self.r.config_get("maxmemory"), {"maxmemory": "20971520"})
    with self.assertRaises(redis.ResponseError):
      raw_command(self.r, "CONFIG", "SET", "maxclients", "70",
                  "maxmemory", "lots")
    self.assertEqual(self.r.config_get("maxclients"), {"maxclients": "60"})
    self.assertTrue(self.r.config_set("maxmemory-policy", "noeviction"))
    self.assertEqual(self.r.config_get("maxmemory-policy"),
                     {"maxmemory-policy": "noeviction"})
    everything = self.r.config_get("*")
    self.assertIn("maxclients", everything)
    self.assertIn("save", everything)
    glob = self.r.config_get("maxmemory*")
    self.assertIn("maxmemory", glob)
    self.assertIn("maxmemory-policy", glob)
    self.assertNotIn("port", glob)
    with self.assertRaisesRegex(redis.ResponseError, "Unknown option"):
      self.r.config_set("no-such-option", "1")
    with self.assertRaisesRegex(redis.ResponseError, "argument"):
      self.r.config_set("maxmemory-policy", "bogus")

  def test_config_get_multiple(self):
    reply = raw_command(self.r, "CONFIG", "GET", "port", "bind")
    reply = dict(zip(reply[0::2], reply[1::2]))
    self.assertEqual(reply["port"], str(self.server.port))
    self.assertEqual(reply["bind"], "127.0.0.1")

  def test_dbsize_time_lastsave(self):
    self.assertEqual(self.r.dbsize(), 0)
    seconds, micros = self.r.time()
    self.assertLess(abs(seconds - time.time()), 5)
    self.assertTrue(0 <= micros < 1000000)
    self.assertIsNotNone(self.r.lastsave())

  def test_command_count_and_info(self):
    count = raw_command(self.r, "COMMAND", "COUNT")
    self.assertGreater(count, 10)
    info = raw_command(self.r, "COMMAND", "INFO", "get")
    self.assertEqual(info[0][0], "get")
    self.assertEqual(info[0][1], 2)


if __name__ == "__main__":
  unittest.main()
