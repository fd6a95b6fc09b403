"""DEBUG's crash drills and restarts, MEMORY DOCTOR and INFO memory's
fields, each checked on vireo-server and on redis-server 7.0.15 with the
same test body (the crash report is Vireo's own text, but carries what
Redis's carries: "crashed by signal", the address, a stack trace with
function names, and the process dies of that signal)."""

import os
import signal
import time
import unittest

import harness

REDIS_SERVER = "/usr/bin/redis-server"


class DebugCrash:
  BINARY = None

  def start(self, *args, config_text=None):
    server = harness.ServerProcess(("--enable-debug-command", "yes") + args, config_text, binary=self.BINARY)
    self.addCleanup(server.cleanup)
    return server.start()

  def crash(self, sub):
    server = self.start()
    if server.redis().info("memory")["mem_allocator"] == "asan":
      self.skipTest("sanitizer builds leave fatal signals to the sanitizer's own report")
    r = server.redis(socket_timeout=10)
    r.set("k", "v")
    try:
      r.execute_command("DEBUG", sub)
    except Exception:  # the connection drops with the process
      pass
    server.proc.wait(10)
    return server

  def test_segfault_writes_a_report_and_dies_by_sigsegv(self):
    server = self.crash("SEGFAULT")
    self.assertEqual(server.proc.returncode, -signal.SIGSEGV)
    log = server.log()
    self.assertIn("crashed by signal: 11", log)
    self.assertIn("STACK TRACE", log)
    self.assertIn("debugCommand" if self.BINARY else "vireo::Server::Call(", log)  # names, not only addresses
    self.assertIn("Accessing address: ", log)

  def test_panic_and_assert_abort_with_their_lines(self):
    server = self.crash("PANIC")
    self.assertEqual(server.proc.returncode, -signal.SIGABRT)
    self.assertIn("Guru Meditation: DEBUG PANIC called at Unix time", server.log())
    server = self.crash("ASSERT")
    self.assertEqual(server.proc.returncode, -signal.SIGABRT)
    self.assertIn("ASSERTION FAILED", server.log())
    self.assertIn("'1 == 2' is not true", server.log())

  def test_restart_saves_and_comes_back_in_the_same_process(self):
    server = self.start("--save", "3600 1", config_text="# test config\n")
    r = server.redis()
    r.set("kept", "1")
    r.config_set("maxmemory-samples", "7")
    pid = server.pid
    try:
      r.execute_command("DEBUG", "RESTART", "100")
    except Exception:
      pass
    self.assertTrue(harness.wait_for_port(server.port, 10))
    r = server.redis()
    self.assertEqual(r.get("kept"), "1")  # saved before the exec, loaded after
    self.assertEqual(r.config_get("maxmemory-samples")["maxmemory-samples"], "7")  # config rewritten
    with open(server.config_path) as f:
      self.assertIn("maxmemory-samples 7", f.read())
    self.assertEqual(int(r.info("server")["process_id"]), pid)
    self.assertTrue(server.alive())

  def test_crash_and_recover_loses_what_was_not_saved(self):
    server = self.start()
    r = server.redis()
    r.set("lost", "1")
    pid = server.pid
    try:
      r.execute_command("DEBUG", "CRASH-AND-RECOVER")
    except Exception:
      pass
    self.assertTrue(harness.wait_for_port(server.port, 10))
    r = server.redis()
    self.assertIsNone(r.get("lost"))
    self.assertEqual(int(r.info("server")["process_id"]), pid)

  def test_config_rewrite_force_all_writes_defaults_too(self):
    server = self.start()
    with self.assertRaises(Exception) as e:  # no config file: Redis's strerror(EFAULT)
      server.redis().execute_command("DEBUG", "CONFIG-REWRITE-FORCE-ALL")
    self.assertIn("CONFIG-REWRITE-FORCE-ALL failed: Bad address", str(e.exception))
    server = self.start(config_text="# mine\n")
    r = server.redis()
    r.config_rewrite()
    with open(server.config_path) as f:
      self.assertNotIn("\nhz 10\n", f.read())  # a default: CONFIG REWRITE leaves it out
    self.assertTrue(r.execute_command("DEBUG", "CONFIG-REWRITE-FORCE-ALL"))
    with open(server.config_path) as f:
      text = f.read()
    for line in ("hz 10", "maxmemory-samples 5", "appendfsync everysec", "client-output-buffer-limit normal 0 0 0"):
      self.assertIn("\n" + line + "\n", text)
    self.assertTrue(text.startswith("# mine\n"))

  def test_jemalloc_bg_thread_starts_and_stops(self):
    server = self.start()
    r = server.redis()
    if not r.info("memory")["mem_allocator"].startswith("jemalloc"):
      self.skipTest("no jemalloc in this build")

    def threads_become(n):
      deadline = time.monotonic() + 5
      while len(os.listdir("/proc/%d/task" % server.pid)) != n and time.monotonic() < deadline:
        time.sleep(0.05)
      return len(os.listdir("/proc/%d/task" % server.pid))

    with_thread = len(os.listdir("/proc/%d/task" % server.pid))
    r.config_set("jemalloc-bg-thread", "no")
    self.assertEqual(threads_become(with_thread - 1), with_thread - 1)
    r.config_set("jemalloc-bg-thread", "yes")
    self.assertEqual(threads_become(with_thread), with_thread)

  def test_memory_doctor_sees_a_peak(self):
    server = self.start()
    r = server.redis()
    self.assertIn("this instance is empty", r.execute_command("MEMORY", "DOCTOR"))
    r.execute_command("DEBUG", "POPULATE", "60000", "a", "100")
    r.select(1)
    r.execute_command("DEBUG", "POPULATE", "150000", "b", "100")
    r.info("memory")  # the peak is sampled by the cron too; make sure it is seen
    time.sleep(0.3)
    r.flushdb()
    report = r.execute_command("MEMORY", "DOCTOR")
    self.assertTrue(report.startswith("Sam, I detected a few issues"), report[:200])
    self.assertIn(" * Peak memory: ", report)
    self.assertTrue(report.endswith("I'm here to keep you safe, Sam. I want to help you.\n"))
    stats = r.execute_command("MEMORY", "STATS")
    stats = dict(zip(stats[::2], stats[1::2]))
    self.assertEqual(stats["keys.count"], 60000)
    self.assertGreater(stats["peak.allocated"], 1.5 * stats["total.allocated"])


  def test_mallctl_reads_jemalloc_as_redis(self):
    server = self.start()
    r = server.redis()
    if not r.info("memory")["mem_allocator"].startswith("jemalloc"):
      self.skipTest("no jemalloc in this build")
    self.assertEqual(r.execute_command("DEBUG", "MALLCTL", "arenas.page"), 4096)
    self.assertEqual(r.execute_command("DEBUG", "MALLCTL-STR", "version")[:5], "5.3.0")
    for name, error in (("opt.narenas", "Invalid argument"), ("nosuch.setting", "No such file or directory")):
      with self.assertRaises(Exception) as e:
        r.execute_command("DEBUG", "MALLCTL", name)
      self.assertIn(error, str(e.exception))
    with self.assertRaises(Exception) as e:
      r.execute_command("DEBUG", "MALLCTL-STR", "nosuch.setting")
    self.assertIn("No such file or directory", str(e.exception))
    with self.assertRaises(Exception):
      r.execute_command("DEBUG", "MALLCTL", "epoch", "x")
    self.assertIn("jemalloc statistics", r.execute_command("MEMORY", "MALLOC-STATS"))


class DebugCrashVireo(DebugCrash, unittest.TestCase):
  BINARY = None


@unittest.skipUnless(os.path.exists(REDIS_SERVER), "redis-server not installed")
class DebugCrashRedis(DebugCrash, unittest.TestCase):
  BINARY = REDIS_SERVER


class InfoFields(unittest.TestCase):
  # INFO fields Vireo has and Redis 7.0 has not (7.2's names for the buffer
  # limit counters, its own version), and Redis's that Vireo lacks: RESTORE
  # payloads are always fully checked (no sanitization count) and reply
  # buffers are not resized by a cron.
  EXTRA = {"vireo_version", "client_query_buffer_limit_disconnections", "client_output_buffer_limit_disconnections"}
  MISSING = {"dump_payload_sanitizations", "reply_buffer_shrinks", "reply_buffer_expands"}

  def info_of(self, binary, section):
    server = harness.ServerProcess(binary=binary)
    self.addCleanup(server.cleanup)
    server.start()
    r = server.redis()
    r.set("a", "b")
    r.get("a")
    with server.connect() as sock:  # raw: redis-py parses INFO into a dict
      sock.sendall(b"INFO %s\r\n" % section.encode())
      f = sock.makefile("rb")
      text = harness.read_reply(f).decode()
    # Section headers and field names, in order (commandstats lines aside).
    return r, [line.split(":")[0] for line in text.splitlines()
               if line and not line.startswith(("cmdstat_", "latency_percentiles_usec_", "errorstat_"))]

  def test_sections_and_fields_as_redis(self):
    for section in ("everything", "default"):
      rv, vireo = self.info_of(None, section)
      _, redis = self.info_of(REDIS_SERVER, section)
      self.assertEqual([l for l in vireo if l.startswith("#")], [l for l in redis if l.startswith("#")])
      self.assertLessEqual(set(vireo) - set(redis), self.EXTRA)
      self.assertLessEqual(set(redis) - set(vireo), self.MISSING)
      # The common fields come in Redis's order.
      common = set(vireo) & set(redis)
      self.assertEqual([l for l in vireo if l in common], [l for l in redis if l in common])
    info = rv.info()
    self.assertLessEqual(info["used_memory_startup"], info["used_memory_overhead"])
    self.assertEqual(info["used_memory_dataset"], info["used_memory"] - info["used_memory_overhead"])
    self.assertGreater(info["used_memory_startup"], 0)
    reads, writes = info["total_reads_processed"], info["total_writes_processed"]
    for _ in range(5):
      rv.ping()
    info = rv.info()
    self.assertGreaterEqual(info["total_reads_processed"], reads + 5)
    self.assertGreaterEqual(info["total_writes_processed"], writes + 5)
    self.assertEqual(info["total_net_repl_input_bytes"], 0)


if __name__ == "__main__":
  unittest.main()
