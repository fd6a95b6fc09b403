#!/usr/bin/python3
"""Runs scripted case files (cases/*.txt) against redis-server and
vireo-server and reports every reply that differs.

File format (see README.md): one command per line in redis-cli quoting,
`#` comments, and `!` directives.  Each file is run twice from FLUSHALL,
once in RESP2 and once in RESP3 (HELLO 3 on every connection).

Usage: case_runner.py [cases/strings.txt ...]   (default: every case file)
"""

import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CASES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
MAX_DIFFS_PER_RUN = 25
# A hung server costs a timeout per step: give up on the file quickly.
MAX_TIMEOUTS_PER_RUN = 1
CASE_REPLY_TIMEOUT = 5.0
RAW_REPLY_TIMEOUT = 2.0
# DIFF_VERBOSE=1 prints every step with its reply: handy when writing cases.
VERBOSE = os.environ.get("DIFF_VERBOSE") == "1"


# ---------------------------------------------------------------------------
# Parsing

class CaseSyntaxError(Exception):
  pass


class Token:
  """One argument: its bytes, and whether it was quoted (quoted tokens are
  never expanded or substituted)."""
  __slots__ = ("data", "quoted")

  def __init__(self, data, quoted):
    self.data = data
    self.quoted = quoted


_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a",
            '"': b'"', "\\": b"\\"}
_REPEAT = re.compile(r"^\{(.+)\*(\d+)\}$", re.S)


def tokenize(line):
  """Splits a line like redis-cli does: "..." with \\xHH escapes, '...'
  with only \\' escaped, and bare words.  {STR*N} (bare) repeats STR N
  times, for huge values."""
  tokens = []
  i, n = 0, len(line)
  while True:
    while i < n and line[i] in " \t":
      i += 1
    if i >= n:
      return tokens
    if line[i] == '"':
      i += 1
      out = bytearray()
      while True:
        if i >= n:
          raise CaseSyntaxError("unterminated double quote")
        c = line[i]
        if c == "\\" and i + 1 < n:
          nxt = line[i + 1]
          if nxt == "x" and i + 3 < n and re.match(r"[0-9a-fA-F]{2}",
                                                    line[i + 2:i + 4]):
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
            continue
          out += _ESCAPES.get(nxt, nxt.encode())
          i += 2
          continue
        if c == '"':
          i += 1
          break
        out += c.encode()
        i += 1
      if i < n and line[i] not in " \t":
        raise CaseSyntaxError("closing quote must be followed by a space")
      tokens.append(Token(bytes(out), True))
    elif line[i] == "'":
      i += 1
      out = bytearray()
      while True:
        if i >= n:
          raise CaseSyntaxError("unterminated single quote")
        c = line[i]
        if c == "\\" and i + 1 < n and line[i + 1] == "'":
          out += b"'"
          i += 2
          continue
        if c == "'":
          i += 1
          break
        out += c.encode()
        i += 1
      tokens.append(Token(bytes(out), True))
    else:
      j = i
      while j < n and line[j] not in " \t":
        j += 1
      word = line[i:j]
      i = j
      m = _REPEAT.match(word)
      if m:
        tokens.append(Token(m.group(1).encode() * int(m.group(2)), True))
      else:
        tokens.append(Token(word.encode(), False))


class Step:
  """One executable line of a case file."""

  def __init__(self, lineno, text, kind, args=None, mods=None, extra=None):
    self.lineno = lineno
    self.text = text
    self.kind = kind          # "cmd", "sleep", "scan", "raw", "conn", ...
    self.args = args or []    # list of Token
    self.mods = mods or {}    # modifier name -> argument (or True)
    self.extra = extra


# Modifiers that prefix a command, with whether they take an argument.
MODIFIERS = {"!sort": False, "!ignore": False, "!type": False,
             "!noreply": False, "!closes": False, "!mask": True,
             "!maskkey": True, "!sortkey": True, "!approx": True, "!approxdeep": True}


def parse_case_file(path):
  steps = []
  with open(path, "r", encoding="utf-8") as f:
    lines = f.read().split("\n")
  for lineno, raw_line in enumerate(lines, 1):
    line = raw_line.strip()
    if not line or line.startswith("#"):
      continue
    try:
      steps.append(_parse_line(lineno, line))
    except CaseSyntaxError as e:
      raise CaseSyntaxError("%s:%d: %s" % (path, lineno, e))
  return steps


def _parse_line(lineno, line):
  tokens = tokenize(line)
  mods = {}
  while tokens and not tokens[0].quoted and tokens[0].data in (
      m.encode() for m in MODIFIERS):
    name = tokens.pop(0).data.decode()
    if MODIFIERS[name]:
      if not tokens:
        raise CaseSyntaxError("%s needs an argument" % name)
      mods[name] = tokens.pop(0).data.decode()
    else:
      mods[name] = True
  if not tokens:
    raise CaseSyntaxError("modifier without a command")
  head = tokens[0]
  word = head.data.decode(errors="replace") if not head.quoted else ""
  if word.startswith("!") and mods:
    raise CaseSyntaxError("modifiers only apply to commands")
  if word == "!sleep":
    return Step(lineno, line, "sleep", extra=float(tokens[1].data))
  if word in ("!resp2", "!resp3"):
    return Step(lineno, line, "hello", extra=int(word[-1]))
  if word == "!scan":
    return Step(lineno, line, "scan", args=tokens[1:])
  if word == "!raw":
    return Step(lineno, line, "raw", extra=1,
                args=[Token(b"".join(t.data for t in tokens[1:]), True)])
  if word == "!rawn":
    return Step(lineno, line, "raw", extra=int(tokens[1].data),
                args=[Token(b"".join(t.data for t in tokens[2:]), True)])
  if word == "!read":
    # Replies nobody asked for: pub/sub messages, RESP3 pushes.
    return Step(lineno, line, "raw", extra=int(tokens[1].data) if len(tokens) > 1 else 1,
                args=[Token(b"", True)])
  if word == "!readmask":
    # !read with the matches of a regex hidden (client ids inside pushes).
    if len(tokens) < 2:
      raise CaseSyntaxError("!readmask 'REGEX' [N]")
    return Step(lineno, line, "raw", extra=int(tokens[2].data) if len(tokens) > 2 else 1,
                args=[Token(b"", True)], mods={"readmask": tokens[1].data})
  if word == "!nothing":
    return Step(lineno, line, "nothing")
  if word == "!conn":
    return Step(lineno, line, "conn", extra=tokens[1].data.decode())
  if word == "!reconnect":
    return Step(lineno, line, "reconnect")
  if word == "!let":
    if len(tokens) < 3:
      raise CaseSyntaxError("!let VAR COMMAND...")
    return Step(lineno, line, "let", args=tokens[2:],
                extra=(tokens[1].data.decode(), None))
  if word == "!letfield":
    if len(tokens) < 4:
      raise CaseSyntaxError("!letfield VAR FIELD COMMAND...")
    return Step(lineno, line, "let", args=tokens[3:],
                extra=(tokens[1].data.decode(), tokens[2].data))
  if word.startswith("!"):
    raise CaseSyntaxError("unknown directive %s" % word)
  return Step(lineno, line, "cmd", args=tokens, mods=mods)


# ---------------------------------------------------------------------------
# Running

class Difference:
  def __init__(self, path, step, proto, ref, cand, note=""):
    self.path = path
    self.step = step
    self.proto = proto
    self.ref = ref
    self.cand = cand
    self.note = note

  def __str__(self):
    text = "%s:%d [RESP%d] %s%s\n    redis: %s\n    vireo: %s" % (
        os.path.relpath(self.path), self.step.lineno, self.proto,
        self.step.text[:200], (" (%s)" % self.note) if self.note else "",
        *harness.show_pair(self.ref, self.cand))
    return text


class ConnPair:
  """The same logical client on both servers."""

  def __init__(self, pair, proto):
    self.pair = pair
    self.proto = proto
    self.ref = None
    self.cand = None
    self.open()

  def open(self):
    self.close()
    self.ref = harness.RespConnection(self.pair.reference.port,
                                      timeout=CASE_REPLY_TIMEOUT)
    self.cand = harness.RespConnection(self.pair.candidate.port,
                                       timeout=CASE_REPLY_TIMEOUT)
    if self.proto == 3:
      # Not compared here: the HELLO reply carries the client id.
      for c in (self.ref, self.cand):
        c.send([b"HELLO", b"3"])
        c.read_reply_or_marker()

  def close(self):
    for c in (self.ref, self.cand):
      if c is not None:
        c.close()
    self.ref = self.cand = None

  def both(self):
    return (self.ref, self.cand)


class CaseRun:
  """Executes one case file in one protocol version."""

  def __init__(self, pair, path, steps, proto, out):
    self.pair = pair
    self.path = path
    self.steps = steps
    self.proto = proto
    self.out = out
    self.diffs = []
    self.vars = {}
    self.conns = {}
    self.current = "main"

  # -- helpers --------------------------------------------------------------

  def conn(self):
    if self.current not in self.conns:
      self.conns[self.current] = ConnPair(self.pair, self.proto)
    return self.conns[self.current]

  def reconnect_current(self):
    self.conn().open()

  def args_for(self, tokens, side):
    """Argument bytes for one server, with $VAR replaced by that server's
    value (ids and ports differ between the two)."""
    out = []
    for t in tokens:
      if not t.quoted and t.data.startswith(b"$") and len(t.data) > 1:
        name = t.data[1:].decode()
        if name not in self.vars:
          raise CaseSyntaxError("unknown variable $%s" % name)
        out.append(self.vars[name][side])
      else:
        out.append(t.data)
    return out

  def trace(self, step, ref, cand):
    if VERBOSE:
      self.out.write("  %d [RESP%d] %s\n      -> %s\n" % (
          step.lineno, self.proto, step.text[:100],
          harness.show(ref, 150) if ref == cand else
          "%s | %s" % (harness.show(ref, 150), harness.show(cand, 150))))

  def differ(self, step, ref, cand, note=""):
    self.diffs.append(Difference(self.path, step, self.proto, ref, cand,
                                 note))

  def exchange(self, step, tokens, expect_reply=True):
    c = self.conn()
    replies = []
    for side, sock in enumerate(c.both()):
      sock.send(self.args_for(tokens, side))
      replies.append(sock.read_reply_or_marker() if expect_reply else None)
    return replies

  def check_closes(self, step):
    """Both servers should now close this connection; then reconnect."""
    c = self.conn()
    closed = [sock.closed or sock.is_closed_soon(1.0) for sock in c.both()]
    if closed[0] != closed[1]:
      self.differ(step, b"<closed>" if closed[0] else b"<open>",
                  b"<closed>" if closed[1] else b"<open>",
                  "connection state after reply")
    self.reconnect_current()

  # -- step kinds -----------------------------------------------------------

  def run_cmd(self, step):
    mods = step.mods
    if "!noreply" in mods:
      # E.g. under CLIENT REPLY OFF: the server must say nothing.  A later
      # command's reply shows whether anything leaked.
      self.exchange(step, step.args, expect_reply=False)
      return
    ref, cand = self.exchange(step, step.args)
    self.trace(step, ref, cand)
    name = step.args[0].data.upper()
    if harness.TIMEOUT_REPLY in (ref, cand):
      self.differ(step, ref, cand, "no reply")
    elif "!ignore" not in mods and not self.same(mods, ref, cand):
      self.differ(step, ref, cand)
    lost = harness.EOF_REPLY in (ref, cand) or harness.TIMEOUT_REPLY in (
        ref, cand)
    protocol_error = (ref.startswith(b"-ERR Protocol error") or
                      cand.startswith(b"-ERR Protocol error"))
    if "!closes" in mods or name == b"QUIT" or protocol_error:
      self.check_closes(step)
    elif lost:
      self.reconnect_current()

  def same(self, mods, ref, cand):
    norm = []
    if "!mask" in mods:
      norm.append(harness.mask_strings(mods["!mask"]))
    if "!maskkey" in mods:
      for key in mods["!maskkey"].split(","):
        norm.append(harness.mask_map_value(key))
    if "!sortkey" in mods:
      for key in mods["!sortkey"].split(","):
        norm.append(harness.sort_map_value(key))
    if "!sort" in mods:
      norm.append(harness.sort_elements)
    if "!type" in mods:
      norm.append(harness.reply_type_only)
    for f in norm:
      try:
        ref, cand = f(ref), f(cand)
      except (ValueError, IndexError):
        pass  # Malformed reply: compare it raw.
    if ref == cand:
      return True
    if "!approx" in mods:
      return harness.ints_close(ref, cand, int(mods["!approx"]))
    if "!approxdeep" in mods:
      return harness.ints_close_deep(ref, cand, int(mods["!approxdeep"]))
    return False

  def run_hello(self, step):
    tokens = [harness_token(b"HELLO"), harness_token(str(step.extra).encode())]
    ref, cand = self.exchange(step, tokens)
    if not self.same({"!maskkey": "id"}, ref, cand):
      self.differ(step, ref, cand)

  def run_scan(self, step):
    """A whole SCAN loop on each server; cursors differ between
    implementations, so only the set of keys returned is compared."""
    results = []
    c = self.conn()
    for side, sock in enumerate(c.both()):
      keys = set()
      cursor = b"0"
      error = None
      for _ in range(100000):
        sock.send([b"SCAN", cursor] + self.args_for(step.args, side))
        reply = sock.read_reply_or_marker()
        if not reply.startswith(b"*2\r\n"):
          error = reply
          break
        node = harness.decode_all(reply)
        cursor = node.value[0].value
        for k in node.value[1].value:
          keys.add(k.value)
        if cursor == b"0":
          break
      results.append(error if error is not None else
                     b"keys: " + repr(sorted(keys)).encode())
    if results[0] != results[1]:
      self.differ(step, results[0], results[1], "SCAN key sets")

  def run_raw(self, step):
    c = self.conn()
    data = step.args[0].data
    replies = [[], []]
    for side, sock in enumerate(c.both()):
      sock.send_raw(data)
      sock.sock.settimeout(RAW_REPLY_TIMEOUT)
      for _ in range(step.extra):
        replies[side].append(sock.read_reply_or_marker())
        if replies[side][-1] == harness.EOF_REPLY:
          break
      sock.sock.settimeout(CASE_REPLY_TIMEOUT)
    ref, cand = b"".join(replies[0]), b"".join(replies[1])
    if "readmask" in step.mods:
      ref = re.sub(step.mods["readmask"], b"*", ref)
      cand = re.sub(step.mods["readmask"], b"*", cand)
    self.trace(step, ref, cand)
    if harness.TIMEOUT_REPLY in ref + cand:
      self.differ(step, ref, cand, "expected %d replies" % step.extra)
    elif ref != cand:
      self.differ(step, ref, cand)
    if b"-ERR Protocol error" in ref + cand or harness.EOF_REPLY in ref + cand:
      self.check_closes(step)
    elif harness.TIMEOUT_REPLY in ref + cand:
      self.reconnect_current()

  def run_nothing(self, step):
    """Neither server has sent anything unread on this connection (e.g. no
    message delivered after an unsubscribe)."""
    c = self.conn()
    time.sleep(0.1)
    extra = []
    for sock in c.both():
      sock.sock.setblocking(False)
      try:
        chunk = sock.sock.recv(65536)
        if chunk:
          sock.buf += chunk
      except (BlockingIOError, OSError):
        pass
      finally:
        sock.sock.setblocking(True)
        sock.sock.settimeout(CASE_REPLY_TIMEOUT)
      extra.append(sock.pending_bytes())
    if extra[0] != extra[1]:
      self.differ(step, extra[0] or b"<nothing>", extra[1] or b"<nothing>", "unread bytes")
      self.reconnect_current()

  def run_let(self, step):
    """Stores each server's own reply value (or one field=value of it, as
    in CLIENT INFO) for later $VAR use; nothing is compared."""
    name, field = step.extra
    ref, cand = self.exchange(step, step.args)
    values = []
    for reply in (ref, cand):
      value = b""
      try:
        node = harness.decode_all(reply)
        if isinstance(node.value, bytes):
          value = node.value
      except (ValueError, IndexError):
        pass
      if field is not None:
        if value.startswith(b"txt:"):
          value = value[4:]
        m = re.search(rb"(?:^|\s)" + re.escape(field) + rb"=(\S*)", value)
        value = m.group(1) if m else b""
      values.append(value)
    self.vars[name] = values

  def run(self):
    try:
      fresh = ConnPair(self.pair, 2)
      flushed = [sock.call(b"FLUSHALL") for sock in fresh.both()]
      fresh.close()
    except (OSError, harness.ServerDied) as e:
      flushed = [str(e).encode()]
    if flushed != [b"+OK\r\n", b"+OK\r\n"]:
      self.differ(Step(0, "FLUSHALL (before the file)", "cmd"),
                  flushed[0], flushed[-1], "cannot start the file")
      return self.diffs
    handlers = {"cmd": self.run_cmd, "hello": self.run_hello,
                "scan": self.run_scan, "raw": self.run_raw, "nothing": self.run_nothing,
                "let": self.run_let}
    for step in self.steps:
      if len(self.diffs) >= MAX_DIFFS_PER_RUN:
        self.out.write("  (stopping %s after %d differences)\n" % (
            os.path.basename(self.path), len(self.diffs)))
        break
      if step.kind == "sleep":
        time.sleep(step.extra)
      elif step.kind == "conn":
        self.current = step.extra
      elif step.kind == "reconnect":
        self.reconnect_current()
      else:
        try:
          handlers[step.kind](step)
        except (OSError, harness.ServerDied) as e:
          self.differ(step, b"", b"", "connection failure: %s" % e)
          self.reconnect_current()
      timeouts = sum(1 for d in self.diffs if harness.TIMEOUT_REPLY in (
          d.ref + d.cand))
      if timeouts >= MAX_TIMEOUTS_PER_RUN:
        self.differ(step, b"", b"", "stopping: a server keeps not replying")
        break
      if not all(s.alive() for s in self.pair.both()):
        dead = [s.label for s in self.pair.both() if not s.alive()]
        self.differ(step, b"", b"", "server died: %s" % ", ".join(dead))
        break
    for c in self.conns.values():
      c.close()
    return self.diffs


def harness_token(data):
  return Token(data, True)


def case_files(names=None):
  if names:
    return [os.path.abspath(n) for n in names]
  return sorted(glob.glob(os.path.join(CASES_DIR, "*.txt")))


def run_case_files(pair, files, out=sys.stdout):
  """Runs each file in RESP2 then RESP3.  Returns (passed, failed) counts
  of files."""
  passed = failed = 0
  broken = False
  for path in files:
    start = time.time()
    try:
      steps = parse_case_file(path)
    except CaseSyntaxError as e:
      out.write("FAIL %s: %s\n" % (os.path.basename(path), e))
      failed += 1
      continue
    diffs = []
    for proto in (2, 3):
      if broken:
        break
      diffs += CaseRun(pair, path, steps, proto, out).run()
      try:
        restarted = pair.restart_dead()
      except RuntimeError as e:
        out.write("  cannot restart a server: %s; skipping the rest\n" % e)
        broken = True
        restarted = []
      if restarted:
        out.write("  restarted %s after %s\n" % (", ".join(restarted),
                                                 os.path.basename(path)))
    if broken and not diffs:
      out.write("FAIL %s (not run: no usable server)\n" %
                os.path.basename(path))
      failed += 1
      continue
    elapsed = time.time() - start
    if diffs:
      failed += 1
      out.write("FAIL %s (%d differences, %.1fs)\n" % (
          os.path.basename(path), len(diffs), elapsed))
      for d in diffs:
        out.write("  %s\n" % d)
    else:
      passed += 1
      out.write("ok   %s (%d steps, %.1fs)\n" % (os.path.basename(path),
                                                  len(steps), elapsed))
    out.flush()
  return passed, failed


def main(argv):
  files = case_files(argv[1:])
  with harness.ServerPair() as pair:
    passed, failed = run_case_files(pair, files)
  print("cases: %d passed, %d failed" % (passed, failed))
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
