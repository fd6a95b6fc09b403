"""COMMAND DOCS for every command the server under test has, against the
reference redis-server 7.0.15: the whole structure (since, group, doc_flags,
deprecation, history versions, argument trees with names, types,
key_spec_index, tokens, since and flags) must be equal; summary, complexity
and the description of each history entry are present where Redis has them
but are Vireo's own words, so they must differ from Redis's on a Vireo
server. A container is compared on the subcommands the
server under test has (unbuilt ones are missing from COMMAND too)."""

import socket
import unittest

import harness
from harness import ServerProcess, encode_command, read_reply

REDIS_SERVER = "/usr/bin/redis-server"
PROSE = (b"summary", b"complexity")


class Conn:
  def __init__(self, port, protocol):
    self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    self.f = self.sock.makefile("rb")
    if protocol == 3:
      self.call("HELLO", "3")

  def call(self, *args):
    self.sock.sendall(encode_command(*args))
    return read_reply(self.f)

  def close(self):
    self.f.close()
    self.sock.close()


def as_map(reply):
  """RESP3 maps arrive as dicts; RESP2 as flat arrays."""
  if isinstance(reply, dict):
    return reply
  return {reply[i]: reply[i + 1] for i in range(0, len(reply), 2)}


def structure(doc, keep_subs=None):
  """The facts of one command's docs (prose fields dropped, history reduced
  to its versions), and the prose (history: the list of descriptions)."""
  d = dict(as_map(doc))
  prose = {k: d.pop(k) for k in PROSE if k in d}
  if b"history" in d:
    for entry in d[b"history"]:
      assert len(entry) == 2, entry
    prose[b"history"] = [entry[1] for entry in d[b"history"]]
    d[b"history"] = [entry[0] for entry in d[b"history"]]
  if b"subcommands" in d:
    subs = as_map(d.pop(b"subcommands"))
    d[b"subcommands"] = sorted(n for n in subs if keep_subs is None or n in keep_subs)
  return d, prose


def command_line(args, optional, counter=None):
  """Arguments for a command line from a docs argument tree: each key a new
  name, numbers 1 (so key counts say one key), every `multiple` argument
  twice; optional ones only when `optional`, the first branch of a oneof."""
  counter = counter if counter is not None else [0]
  out = []
  for a in args:
    flags = a.get(b"flags", [])
    if b"optional" in flags and not optional:
      continue
    for _ in range(2 if b"multiple" in flags else 1):
      if a.get(b"token") and a[b"type"] != b"pure-token":
        out.append(a[b"token"])
      kind = a[b"type"]
      if kind == b"pure-token":
        out.append(a[b"token"])
      elif kind == b"key":
        counter[0] += 1
        out.append(b"k%d" % counter[0])
      elif kind in (b"integer", b"double", b"unix-time"):
        out.append(b"1")
      elif kind == b"pattern":
        out.append(b"*")
      elif kind == b"string":
        out.append(b"v")
      elif kind == b"oneof":
        out += command_line(a[b"arguments"][:1], True, counter)
      elif kind == b"block":
        out += command_line(a[b"arguments"], optional, counter)
  return out


class CommandDocsTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.ours = ServerProcess().start()
    cls.ref = ServerProcess(binary=REDIS_SERVER).start()

  @classmethod
  def tearDownClass(cls):
    cls.ours.cleanup()
    cls.ref.cleanup()

  def compare_all(self, protocol):
    ours, ref = Conn(self.ours.port, protocol), Conn(self.ref.port, protocol)
    try:
      names = ours.call("COMMAND", "LIST")
      self.assertGreater(len(names), 200)
      ours_set = set(names)
      compared = same_prose = histories = 0
      same_history = []
      for name in names:
        mine, theirs = ours.call("COMMAND", "DOCS", name), ref.call("COMMAND", "DOCS", name)
        self.assertEqual(len(as_map(mine)), 1, name)
        s1, p1 = structure(as_map(mine)[name], ours_set)
        s2, p2 = structure(as_map(theirs)[name], ours_set)
        self.assertEqual(s1, s2, name)
        self.assertEqual(sorted(p1), sorted(p2), "%s: prose fields" % name)
        for k, v in p1.items():
          self.assertTrue(v, "%s: empty %s" % (name, k))
        for mine_h, theirs_h in zip(p1.get(b"history", []), p2.get(b"history", [])):
          self.assertTrue(mine_h, "%s: empty history description" % name)
          histories += 1
          if mine_h == theirs_h:
            same_history.append((name, mine_h))
        same_prose += p1.get(b"summary") == p2.get(b"summary")
        compared += 1
      if harness.is_vireo():
        self.assertEqual(same_prose, 0, "summaries copied from Redis")
        self.assertEqual(same_history, [], "history descriptions copied from Redis")
      self.assertGreater(histories, 50)
      return compared
    finally:
      ours.close()
      ref.close()

  def test_every_command_resp2(self):
    self.assertGreater(self.compare_all(2), 300)

  def test_every_command_resp3(self):
    self.assertGreater(self.compare_all(3), 300)

  def test_getkeysandflags_of_every_command_with_key_specs(self):
    """COMMAND GETKEYSANDFLAGS (and GETKEYS) on command lines built from the
    docs' argument trees (required arguments only, then every optional one),
    for every command with key specs: the same reply as redis-server's,
    errors included."""
    ours, ref = Conn(self.ours.port, 3), Conn(self.ref.port, 3)
    try:
      infos = {}
      for entry in ours.call("COMMAND"):
        infos[entry[0]] = entry
        for sub in entry[9]:
          infos[sub[0]] = sub
      checked, differ = 0, []
      for name, info in sorted(infos.items()):
        if not info[8]:
          continue   # no key specs
        doc = as_map(ours.call("COMMAND", "DOCS", name))[name]
        words = name.split(b"|")
        for optional in (False, True):
          line = words + command_line(doc.get(b"arguments", []), optional)
          for sub in ("GETKEYSANDFLAGS", "GETKEYS"):
            mine, theirs = ours.call("COMMAND", sub, *line), ref.call("COMMAND", sub, *line)
            if mine != theirs:
              differ.append((sub, b" ".join(line), mine, theirs))
        checked += 1
      self.assertEqual(differ, [])
      self.assertGreater(checked, 150)
    finally:
      ours.close()
      ref.close()

  def test_arguments_of_zadd(self):
    c = Conn(self.ours.port, 3)
    try:
      doc = c.call("COMMAND", "DOCS", "zadd")[b"zadd"]
    finally:
      c.close()
    args = doc[b"arguments"]
    self.assertEqual([a[b"name"] for a in args],
                     [b"key", b"condition", b"comparison", b"change", b"increment", b"score_member"])
    self.assertEqual(args[0][b"type"], b"key")
    self.assertEqual(args[0][b"key_spec_index"], 0)
    self.assertEqual([a[b"token"] for a in args[1][b"arguments"]], [b"NX", b"XX"])
    self.assertEqual(args[5][b"flags"], [b"multiple"])
    self.assertEqual([h[0] for h in doc[b"history"]], [b"2.4.0", b"3.0.2", b"6.2.0"])


if __name__ == "__main__":
  unittest.main()
