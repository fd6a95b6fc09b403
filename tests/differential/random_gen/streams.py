"""Random generators for the stream commands (XADD ... XSETID), consumer
groups included.

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
Only replies that cannot depend on the clock are generated: IDs are explicit
or "ms-*" (never "*"), reads never BLOCK, claims use a min-idle-time of 0,
and the time-bearing replies (XPENDING's extended form with idle times,
XINFO CONSUMERS, XINFO STREAM FULL) are left to cases/stream_groups.txt.
Values are short, so nodes close on stream-node-max-entries at the same
entries on both servers and XINFO's radix-tree counts agree.
"""

from random_gen.cmd import Cmd, on_keys

FIELDS = ["f", "g", "name", "1", "", "x" * 20]
VALUES = ["v", "1", "-5", "", "hello", "007", "3.5"]
GROUPS = ["g1", "g2", ""]
CONSUMERS = ["c1", "c2", "c3"]
BAD_IDS = ["abc", "1-", "-1", "1-x", "18446744073709551616", "0-0", "1.5"]


def _ms(ctx):
  return ctx.rng.randint(0, 6)


def _id(ctx, special=("-", "+")):
  r = ctx.rng.random()
  if r < 0.6:
    return "%d-%d" % (_ms(ctx), ctx.rng.randint(0, 4))
  if r < 0.75:
    return str(_ms(ctx))
  if r < 0.85 and special:
    return ctx.choice(special)
  if r < 0.92:
    return "(%d-%d" % (_ms(ctx), ctx.rng.randint(0, 4))
  return ctx.choice(BAD_IDS + ["18446744073709551615-18446744073709551615"])


def _fields(ctx):
  out = []
  for _ in range(ctx.rng.randint(1, 3)):
    out += [ctx.choice(FIELDS), ctx.choice(VALUES)]
  if ctx.chance(0.03):
    out.append("odd")
  return out


def _trim(ctx):
  args = [ctx.choice(["MAXLEN", "MINID"])]
  if ctx.chance(0.6):
    args.append(ctx.choice(["=", "~"]))
  if args[0] == "MAXLEN":
    args.append(ctx.choice([str(ctx.rng.randint(0, 150)), "-1", "abc"]))
  else:
    args.append(_id(ctx, special=()))
  if args[-2:-1] == ["~"] and ctx.chance(0.3):
    args += ["LIMIT", ctx.choice(["0", "1", "50", "100", "-1"])]
  return args


def gen_xadd(ctx):
  k = ctx.key()
  args = ["XADD", k]
  if ctx.chance(0.1):
    args.append("NOMKSTREAM")
  if ctx.chance(0.15):
    args += _trim(ctx)
  r = ctx.rng.random()
  if r < 0.6:
    ident = "%d-%d" % (ctx.rng.randint(0, 30), ctx.rng.randint(0, 200))
  elif r < 0.9:
    ident = "%d-*" % ctx.rng.randint(0, 30)
  else:
    ident = _id(ctx, special=())
  if ctx.chance(0.02):
    # A burst past stream-node-max-entries (100): several nodes.
    base = ctx.rng.randint(31, 60)
    return Cmd(["EVAL", "for i=1,tonumber(ARGV[1]) do redis.pcall('XADD', KEYS[1], ARGV[2]..'-'..i, 'f', i) end "
                "return redis.call('XLEN', KEYS[1])", "1", k, str(ctx.rng.randint(50, 250)), str(base)],
               touched=on_keys(ctx, [k]))
  return Cmd(args + [ident] + _fields(ctx), touched=on_keys(ctx, [k]))


def gen_range(ctx):
  k = ctx.key()
  name = ctx.choice(["XRANGE", "XREVRANGE"])
  args = [name, k, _id(ctx), _id(ctx)]
  if ctx.chance(0.4):
    args += ["COUNT", ctx.choice(["0", "1", "3", "-1", "abc", "100"])]
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_len_del_trim(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.3:
    return Cmd(["XLEN", k], touched=on_keys(ctx, [k]))
  if r < 0.65:
    return Cmd(["XDEL", k] + [_id(ctx, special=()) for _ in range(ctx.rng.randint(1, 3))],
               touched=on_keys(ctx, [k]))
  return Cmd(["XTRIM", k] + _trim(ctx), touched=on_keys(ctx, [k]))


def gen_xread(ctx):
  keys = ctx.keys(1, 3)
  args = ["XREAD"]
  if ctx.chance(0.5):
    args += ["COUNT", ctx.choice(["1", "2", "10", "0", "-1"])]
  ids = [_id(ctx, special=("$", "0", "+")) for _ in keys]
  if ctx.chance(0.05):
    ids = ids[:-1]  # unbalanced list
  return Cmd(args + ["STREAMS"] + keys + ids, touched=on_keys(ctx, keys))


def gen_xgroup(ctx):
  k = ctx.key()
  g = ctx.choice(GROUPS)
  r = ctx.rng.random()
  if r < 0.45:
    args = ["XGROUP", "CREATE", k, g, _id(ctx, special=("$", "0"))]
    if ctx.chance(0.4):
      args.append("MKSTREAM")
    if ctx.chance(0.2):
      args += ["ENTRIESREAD", ctx.choice(["0", "3", "-1", "-5", "abc"])]
  elif r < 0.6:
    args = ["XGROUP", "SETID", k, g, _id(ctx, special=("$", "0"))]
  elif r < 0.7:
    args = ["XGROUP", "DESTROY", k, g]
  elif r < 0.85:
    args = ["XGROUP", "CREATECONSUMER", k, g, ctx.choice(CONSUMERS)]
  else:
    args = ["XGROUP", "DELCONSUMER", k, g, ctx.choice(CONSUMERS)]
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_xreadgroup(ctx):
  k = ctx.key()
  args = ["XREADGROUP", "GROUP", ctx.choice(GROUPS), ctx.choice(CONSUMERS)]
  if ctx.chance(0.6):
    args += ["COUNT", ctx.choice(["1", "2", "5", "0"])]
  if ctx.chance(0.15):
    args.append("NOACK")
  ident = ctx.choice([">", ">", ">", "0", "0-0", "2-0", "$"])
  return Cmd(args + ["STREAMS", k, ident], touched=on_keys(ctx, [k]))


def gen_ack_claim(ctx):
  k = ctx.key()
  g = ctx.choice(GROUPS)
  r = ctx.rng.random()
  if r < 0.35:
    return Cmd(["XACK", k, g] + [_id(ctx, special=()) for _ in range(ctx.rng.randint(1, 3))],
               touched=on_keys(ctx, [k]))
  if r < 0.55:
    return Cmd(["XPENDING", k, g], touched=on_keys(ctx, [k]))
  if r < 0.8:
    args = ["XCLAIM", k, g, ctx.choice(CONSUMERS), "0"] + [_id(ctx, special=()) for _ in range(ctx.rng.randint(1, 3))]
    if ctx.chance(0.5):
      args.append("JUSTID")
    if ctx.chance(0.2):
      args += ["RETRYCOUNT", ctx.choice(["0", "5", "-1"])]
    if ctx.chance(0.1):
      args.append("FORCE")
    return Cmd(args, touched=on_keys(ctx, [k]))
  args = ["XAUTOCLAIM", k, g, ctx.choice(CONSUMERS), "0", _id(ctx, special=("0-0", "-"))]
  if ctx.chance(0.5):
    args += ["COUNT", ctx.choice(["1", "3", "100", "0"])]
  if ctx.chance(0.5):
    args.append("JUSTID")
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_info_setid(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.45:
    return Cmd(["XINFO", "STREAM", k], touched=on_keys(ctx, [k]))
  if r < 0.75:
    return Cmd(["XINFO", "GROUPS", k], touched=on_keys(ctx, [k]))
  args = ["XSETID", k, _id(ctx, special=())]
  if ctx.chance(0.3):
    args += ["ENTRIESADDED", ctx.choice(["0", "10", "1000", "-1"])]
  if ctx.chance(0.3):
    args += ["MAXDELETEDID", _id(ctx, special=())]
  return Cmd(args, touched=on_keys(ctx, [k]))


COMMANDS = [
    (10, gen_xadd), (5, gen_range), (5, gen_len_del_trim), (3, gen_xread),
    (4, gen_xgroup), (5, gen_xreadgroup), (5, gen_ack_claim), (3, gen_info_setid),
]
