#!/usr/bin/python3
"""Seeded random command sequences sent to redis-server and vireo-server,
every reply compared.

Usage: random_test.py [--seed S] [--count N] [--batch B]

The count is split into a RESP2 half and a RESP3 half, each started from
FLUSHALL and generated from (seed, half), so a run is reproducible from its
seed.  Commands are pipelined in batches to both servers.  On the first
difference it prints the seed, the command index, the command, the commands
just before it and both replies, and exits 1.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from random_gen import weighted_commands  # noqa: E402
from random_gen.cmd import Cmd  # noqa: E402
from random_gen.context import GenContext  # noqa: E402

DEFAULT_COUNT = 100000
MUTATION_RATE = 0.02


class Generator:
  """Draws Cmds from the family tables, keeping the sequence deterministic
  (see random_gen/context.py)."""

  def __init__(self, seed, half, base_time):
    self.ctx = GenContext("%s/%d" % (seed, half), base_time)
    table = weighted_commands()
    self.funcs = [f for _, f in table]
    self.weights = [w for w, _ in table]

  def _draw(self):
    ctx = self.ctx
    for _ in range(20):
      f = ctx.rng.choices(self.funcs, self.weights)[0]
      cmd = f(ctx)
      if cmd is not None and not ctx.conflicts(cmd.touched, cmd.whole_dbs):
        return cmd
    return Cmd(["PING"])

  def _mutate(self, cmd):
    """Now and then breaks a command: a missing or an extra argument."""
    ctx = self.ctx
    if not cmd.mutable or not ctx.chance(MUTATION_RATE):
      return
    if len(cmd.args) > 1 and ctx.chance(0.5):
      cmd.args.pop()
    else:
      cmd.args.append("zz-garbage")
    # The compare mode stays: an extra argument may be one more key (SDIFF a
    # zz-garbage), whose reply order is still unspecified; errors sort as-is.

  def _accept(self, cmd, out):
    for pre in cmd.before:
      self._accept(pre, out)
    ctx = self.ctx
    for dk in cmd.fresh:
      ctx.mark_fresh(dk)
    if cmd.effect is not None:
      cmd.effect(ctx)
    out.append(cmd)

  def batch(self, size):
    out = []
    while len(out) < size:
      cmd = self._draw()
      self._mutate(cmd)
      self._accept(cmd, out)
    return out

  def end_batch(self):
    return self.ctx.end_batch()


def read_replies(conn, n):
  """n replies; after a timeout or EOF the rest get the same marker rather
  than waiting out the timeout n times."""
  out = []
  for _ in range(n):
    reply = conn.read_reply_or_marker()
    out.append(reply)
    if reply in (harness.EOF_REPLY, harness.TIMEOUT_REPLY):
      out += [reply] * (n - len(out))
      break
  return out


def replies_match(cmd, ref, cand):
  if ref == cand:
    return True
  if harness.TIMEOUT_REPLY in (ref, cand) or harness.EOF_REPLY in (ref, cand):
    return False
  if cmd.compare == "sort":
    try:
      return harness.sort_elements(ref) == harness.sort_elements(cand)
    except (ValueError, IndexError):
      return False
  if cmd.compare == "len":  # the same kind of reply with as many elements
    return ref.split(b"\r\n", 1)[0] == cand.split(b"\r\n", 1)[0]
  if isinstance(cmd.compare, tuple) and cmd.compare[0] == "approx":
    return harness.ints_close(ref, cand, cmd.compare[1])
  return False


def printable(args):
  parts = []
  for a in args:
    b = a.encode("utf-8", "surrogateescape") if isinstance(a, str) else a
    text = repr(b)[2:-1]
    if len(text) > 80:
      text = text[:80] + "...(%d bytes)" % len(b)
    parts.append('"%s"' % text if (not text or " " in text or "\\" in text)
                 else text)
  return " ".join(parts)


# Settings for a run whose lists live in compressed quicklists with plain
# nodes: interior nodes of 8 elements compress, elements of 60+ bytes get
# nodes of their own (the servers' defaults are restored after the run).
COMPRESSED_LISTS = [["CONFIG", "SET", "list-compress-depth", "1"],
                    ["CONFIG", "SET", "list-max-listpack-size", "8"],
                    ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "60"]]
COMPRESSED_LISTS_RESET = [["CONFIG", "SET", "list-compress-depth", "0"],
                          ["CONFIG", "SET", "list-max-listpack-size", "-2"],
                          ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"]]


def run_half(pair, seed, half, count, batch_size, base_time, out, index0,
             setup=()):
  """Returns (ok, commands_run)."""
  proto = 2 if half == 0 else 3
  conns = [pair.reference.connect(), pair.candidate.connect()]
  try:
    for c in conns:
      c.call(b"FLUSHALL")
      for args in setup:
        reply = c.call(*[a.encode() for a in args])
        if reply != b"+OK\r\n":
          raise RuntimeError("setup %s failed: %s" % (args, reply))
    if proto == 3:
      hello = [c.call(b"HELLO", b"3") for c in conns]
      masked = [harness.mask_map_value("id")(h) for h in hello]
      if masked[0] != masked[1]:
        out.write("random: HELLO 3 replies differ:\n  redis: %s\n  vireo: "
                  "%s\n" % harness.show_pair(hello[0], hello[1]))
        return False, 0
    gen = Generator(seed, half, base_time)
    done = 0
    history = []
    while done < count:
      cmds = gen.batch(min(batch_size, count - done))
      encoded = b"".join(harness.encode_command(c.args) for c in cmds)
      for c in conns:
        c.send_raw(encoded)
      replies = [read_replies(c, len(cmds)) for c in conns]
      for i, cmd in enumerate(cmds):
        ref, cand = replies[0][i], replies[1][i]
        if not replies_match(cmd, ref, cand):
          idx = index0 + done + i
          a, b = harness.show_pair(ref, cand)
          out.write("random: DIFFERENCE seed=%s index=%d (RESP%d)\n" % (
              seed, idx, proto))
          context = history[-8:] + [c.args for c in cmds[max(0, i - 8):i]]
          for prev in context[-8:]:
            out.write("    before: %s\n" % printable(prev))
          out.write("  command: %s\n  redis: %s\n  vireo: %s\n" % (
              printable(cmd.args), a, b))
          out.write("  reproduce: random_test.py --seed %s --count %d\n" % (
              seed, count * 2))
          return False, done + i
        if ref in (harness.EOF_REPLY, harness.TIMEOUT_REPLY):
          out.write("random: both servers failed to reply at index %d: %r\n"
                    % (index0 + done + i, ref))
          return False, done + i
      history = [c.args for c in cmds[-8:]]
      done += len(cmds)
      if gen.end_batch():
        # Let every 1 ms deadline of this batch pass before the next one.
        time.sleep(0.003)
    return True, done
  finally:
    for c in conns:
      c.close()


def run_random(pair, seed, count, batch_size=500, out=sys.stdout,
               compressed_lists=False):
  """Runs count commands (half RESP2, half RESP3).  Returns True if every
  reply matched. compressed_lists: with COMPRESSED_LISTS set on both."""
  setup = COMPRESSED_LISTS if compressed_lists else ()
  start = time.time()
  base_time = int(time.time())
  first = count // 2
  n1 = n2 = 0
  try:
    ok, n1 = run_half(pair, seed, 0, first, batch_size, base_time, out, 0,
                      setup)
    if ok:
      ok, n2 = run_half(pair, seed, 1, count - first, batch_size, base_time,
                        out, first, setup)
    if setup:
      for server in pair.both():
        c = server.connect()
        for args in COMPRESSED_LISTS_RESET:
          c.call(*[a.encode() for a in args])
        c.close()
  except (OSError, harness.ServerDied) as e:
    out.write("random: connection failure: %s\n" % e)
    ok = False
  for server in pair.both():
    if not server.alive():
      out.write("random: %s died\n" % server.label)
      ok = False
  out.write("%s random seed=%s%s: %d commands compared in %.1fs\n" % (
      "ok  " if ok else "FAIL", seed,
      " (compressed lists)" if compressed_lists else "", n1 + n2,
      time.time() - start))
  out.flush()
  return ok


def main(argv):
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--seed", default=str(int(time.time()) % 100000))
  parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
  parser.add_argument("--batch", type=int, default=500)
  parser.add_argument("--compressed-lists", action="store_true",
                      help="lists in compressed quicklists with plain nodes")
  args = parser.parse_args(argv[1:])
  with harness.ServerPair() as pair:
    ok = run_random(pair, args.seed, args.count, args.batch,
                    compressed_lists=args.compressed_lists)
  return 0 if ok else 1


if __name__ == "__main__":
  sys.exit(main(sys.argv))
