"""Lua scripting with real clients: busy scripts seen from a second client
(-BUSY, SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE), scripts that try to
exhaust memory or recursion, and redis-py's script helpers (register_script,
the distributed Lock with acquire/extend/release, which run as EVALSHA).

Runs against redis-server 7.0 too (VIREO_SERVER=/usr/bin/redis-server):
the expectations are Redis's behaviour.
"""

import os
import threading
import time
import unittest

import redis

from harness import ServerProcess, ServerTestCase, is_vireo

REDIS_SERVER = "/usr/bin/redis-server"

BUSY = ("BUSY Redis is busy running a script. You can only call SCRIPT KILL "
        "or SHUTDOWN NOSAVE.")
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands "
              "against the dataset. You can either wait the script termination "
              "or kill the server in a hard way using the SHUTDOWN NOSAVE "
              "command.")


class ScriptInThread:
  """Runs one EVAL on its own connection; keeps its reply or error."""

  def __init__(self, server, script, *args):
    self.client = server.redis(socket_timeout=60)
    self.result = None
    self.error = None
    self.thread = threading.Thread(target=self.run, args=(script, args))
    self.thread.daemon = True
    self.thread.start()

  def run(self, script, args):
    try:
      self.result = self.client.eval(script, 0, *args)
    except Exception as e:  # the test inspects whatever ended the call
      self.error = e

  def join(self, timeout=20):
    self.thread.join(timeout)
    return not self.thread.is_alive()


class BusyScriptTest(ServerTestCase):

  SERVER_ARGS = ("--busy-reply-threshold", "200")

  def wait_busy(self, client, timeout=10):
    """PINGs until the server answers -BUSY (the script passed the threshold)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
      try:
        client.ping()
      except redis.exceptions.ResponseError as e:
        if str(e) == BUSY:
          return
        raise
      time.sleep(0.05)
    self.fail("the server never reported BUSY")

  def test_busy_then_script_kill(self):
    other = self.server.redis()
    self.assertEqual(other.config_get("lua-time-limit"), {"lua-time-limit": "200"})
    runner = ScriptInThread(self.server, "local i = 0 while true do i = i + 1 end")
    self.wait_busy(other)
    with self.assertRaises(redis.exceptions.ResponseError) as e:
      other.get("k")
    self.assertEqual(str(e.exception), BUSY)
    with self.assertRaises(redis.exceptions.ResponseError) as e:
      other.shutdown()  # without NOSAVE: refused while busy
    self.assertEqual(str(e.exception), BUSY)
    self.assertTrue(other.script_kill())
    self.assertTrue(runner.join())
    self.assertIsInstance(runner.error, redis.exceptions.ResponseError)
    self.assertTrue(str(runner.error).startswith(
        "Script killed by user with SCRIPT KILL... script: "), str(runner.error))
    self.assertTrue(other.ping())
    self.assertTrue(runner.client.ping())  # the script's caller goes on
    with self.assertRaises(redis.exceptions.ResponseError) as e:
      other.script_kill()
    self.assertEqual(str(e.exception), "NOTBUSY No scripts in execution right now.")

  def test_pcall_cannot_swallow_the_kill(self):
    other = self.server.redis()
    runner = ScriptInThread(
        self.server, "while true do pcall(function() while true do end end) end")
    self.wait_busy(other)
    self.assertTrue(other.script_kill())
    self.assertTrue(runner.join())
    self.assertIsNotNone(runner.error)
    self.assertTrue(other.ping())

  def test_written_script_is_unkillable_until_shutdown_nosave(self):
    other = self.server.redis()
    runner = ScriptInThread(
        self.server, "redis.call('set', 'w', '1') while true do end")
    self.wait_busy(other)
    with self.assertRaises(redis.exceptions.ResponseError) as e:
      other.script_kill()
    self.assertEqual(str(e.exception), UNKILLABLE)
    with self.assertRaises(redis.exceptions.ResponseError) as e:
      other.execute_command("FUNCTION", "KILL")
    self.assertEqual(str(e.exception), UNKILLABLE)
    try:
      other.shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
      pass  # the server closes connections as it exits
    self.assertEqual(self.server.proc.wait(timeout=10), 0)
    runner.join()

  def test_busy_function_then_function_kill(self):
    other = self.server.redis()
    other.function_load(
        "#!lua name=spin\n"
        "redis.register_function('spin', function() while true do end end)")
    result = {}

    def run():
      try:
        result["reply"] = self.server.redis(socket_timeout=60).fcall("spin", 0)
      except Exception as e:  # inspected below
        result["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    busy = ("BUSY Redis is busy running a script. You can only call "
            "FUNCTION KILL or SHUTDOWN NOSAVE.")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
      try:
        other.ping()
      except redis.exceptions.ResponseError as e:
        self.assertEqual(str(e), busy)
        break
      time.sleep(0.05)
    stats = other.function_stats()  # flat RESP2 maps
    running = dict(zip(stats[1][::2], stats[1][1::2]))
    self.assertEqual(running["name"], "spin")
    self.assertEqual(running["command"], ["FCALL", "spin", "0"])
    with self.assertRaises(redis.exceptions.ResponseError) as e:
      other.script_kill()  # SCRIPT KILL is for EVAL scripts
    self.assertEqual(str(e.exception), busy)
    self.assertEqual(other.function_kill(), "OK")
    t.join(20)
    self.assertFalse(t.is_alive())
    self.assertIn("error", result)
    self.assertTrue(other.ping())

  def test_fast_scripts_are_not_busy(self):
    r = self.server.redis()
    for i in range(50):
      self.assertEqual(r.eval("return redis.call('incr', KEYS[1])", 1, "n"), i + 1)


class BadScriptTest(ServerTestCase):

  def test_memory_and_recursion_end_with_an_error(self):
    r = self.server.redis()
    scripts = [
        "local f f = function() return f() + 1 end return f()",
        "local t = {} for i = 1, 1e9 do t[i] = {i} end return 1",
        "local s = 'x' for i = 1, 40 do s = s .. s end return #s",
        "local t = {} for i = 1, 1e6 do t = {t} end return t",
    ]
    for script in scripts:
      if not is_vireo() and "1e9" in script:
        continue  # Redis has no interpreter cap: it would take all the memory
      if not is_vireo() and "40 do" in script:
        continue
      try:
        r.eval(script, 0)
      except (redis.exceptions.ResponseError, RecursionError):
        pass  # (a reply nested a million deep is too deep for redis-py's parser)
      self.assertTrue(r.ping(), script)
    self.assertEqual(r.eval("return 1", 0), 1)

  def test_state_does_not_leak_between_scripts(self):
    r = self.server.redis()
    with self.assertRaises(redis.exceptions.ResponseError):
      r.eval("leaked = 1", 0)
    with self.assertRaises(redis.exceptions.ResponseError):
      r.eval("return leaked", 0)
    with self.assertRaises(redis.exceptions.ResponseError):
      r.eval("string.leaked = 1", 0)

  def test_errors_are_counted_once(self):
    # A failing redis.call/pcall counts its error; a script that raises or
    # returns that same error does not count it again (Redis marks the table
    # ignore_error_stats_update); other script errors count once.
    r = self.server.redis()
    r.set("s", "x")
    cases = [  # script, errorstat_ERR (or MY), total errors, EVAL failed_calls
        ("return redis.call('incr', KEYS[1])", "ERR", 1, 1),
        ("return redis.pcall('incr', KEYS[1])", "ERR", 1, 1),
        ("return redis.call('nosuch')", "ERR", 1, 1),
        ("return redis.error_reply('MY bad')", "MY", 1, 1),
        ("error('boom')", "ERR", 1, 1),
        ("local e = redis.pcall('incr', KEYS[1]) return {err=e.err}", "ERR", 2, 1),
        ("redis.pcall('incr', KEYS[1]) return 1", "ERR", 1, 0),
    ]
    for script, code, total, failed in cases:
      r.config_resetstat()
      try:
        r.eval(script, 1, "s")
      except redis.exceptions.ResponseError:
        pass
      errors = r.info("errorstats")
      self.assertEqual(errors, {"errorstat_%s" % code: "count=%d" % total}, script)
      self.assertEqual(r.info("stats")["total_error_replies"], total, script)
      self.assertEqual(r.info("commandstats")["cmdstat_eval"]["failed_calls"],
                       failed, script)
    fields = r.eval("local e = redis.pcall('incr', KEYS[1]) local t = {} "
                    "for k in pairs(e) do t[#t+1] = k end table.sort(t) "
                    "return t", 1, "s")
    self.assertEqual(fields, ["err", "ignore_error_stats_update"])


  def test_nested_and_refused_errors_count_as_redis(self):
    # Error elements nested in a script's reply count in errorstats (unless
    # redis.call/pcall made them), a command refused inside a script counts
    # at once (and in its rejected_calls), an error code is the first word
    # only when a space comes within 32 bytes: the same figures as redis-server.
    scripts = [
        "return {1, {err='X y'}, {err='Y z'}}",
        "return {redis.pcall('nosuch'), redis.pcall('nosuch')}",
        "redis.pcall('nosuch') return 1",
        "redis.pcall('get') return 1",
        "return redis.call('get')",
        "return {redis.pcall('incr', KEYS[1])}",
        "return {{redis.error_reply('E1 a')}, redis.status_reply('OK')}",
        "return {err='ABCDEFGHIJABCDEFGHIJABCDEFGHIJ x'}",
        "return {err='ABCDEFGHIJABCDEFGHIJABCDEFGHIJA x'}",
        "return {err='NOSPACE'}",
        "local ok = pcall(redis.call, 'nosuch') return 1",
    ]

    def figures(r):
      out = []
      for script in scripts:
        r.config_resetstat()
        r.set("s", "x")
        try:
          r.eval(script, 1, "s")
        except redis.exceptions.ResponseError:
          pass
        stats = {k: v for k, v in r.info("commandstats").items()
                 if k in ("cmdstat_eval", "cmdstat_get", "cmdstat_incr")}
        for v in stats.values():
          v.pop("usec", None)
          v.pop("usec_per_call", None)
        out.append((script, r.info("errorstats"), r.info("stats")["total_error_replies"], stats))
      return out

    ours = figures(self.server.redis())
    self.assertEqual(ours[0][1], {"errorstat_X": "count=1", "errorstat_Y": "count=1"})
    self.assertEqual(ours[0][3]["cmdstat_eval"]["failed_calls"], 1)
    if is_vireo() and os.path.exists(REDIS_SERVER):
      reference = ServerProcess(binary=REDIS_SERVER)
      try:
        reference.start()
        theirs = figures(reference.redis())
      finally:
        reference.cleanup()
      for a, b in zip(ours, theirs):
        self.assertEqual(a, b)


class RedisPyScriptsTest(ServerTestCase):

  def test_register_script(self):
    r = self.server.redis()
    incr_by = r.register_script(
        "return redis.call('incrby', KEYS[1], ARGV[1])")
    self.assertEqual(incr_by(keys=["c"], args=[5]), 5)
    r.script_flush()  # redis-py reloads the script on NOSCRIPT
    self.assertEqual(incr_by(keys=["c"], args=[2]), 7)
    self.assertEqual(r.script_exists(incr_by.sha), [True])
    pipe = r.pipeline()
    incr_by(keys=["c"], args=[1], client=pipe)
    incr_by(keys=["c"], args=[1], client=pipe)
    self.assertEqual(pipe.execute(), [8, 9])

  def test_lock_acquire_extend_release(self):
    r = self.server.redis()
    lock = r.lock("resource", timeout=5)
    self.assertTrue(lock.acquire(blocking=False))
    self.assertFalse(r.lock("resource", timeout=5).acquire(blocking=False))
    self.assertTrue(lock.extend(10))
    self.assertGreater(r.pttl("resource"), 9000)
    self.assertTrue(lock.reacquire())
    lock.release()
    self.assertFalse(r.exists("resource"))
    with self.assertRaises(redis.exceptions.LockError):
      lock.release()
    # A lock that expired and was taken by someone else is not ours to extend.
    mine = r.lock("resource", timeout=5)
    self.assertTrue(mine.acquire(blocking=False))
    r.delete("resource")
    other = r.lock("resource", timeout=5)
    self.assertTrue(other.acquire(blocking=False))
    with self.assertRaises(redis.exceptions.LockNotOwnedError):
      mine.extend(5)
    with self.assertRaises(redis.exceptions.LockNotOwnedError):
      mine.release()
    other.release()


if __name__ == "__main__":
  unittest.main()
