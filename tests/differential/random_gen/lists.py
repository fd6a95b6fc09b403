"""Random generators for the list commands (LPUSH ... BLMPOP).

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
Every list command is deterministic, so replies are compared exactly.
Elements come mostly from a small pool, so LREM, LPOS and LINSERT find
their pivots; bursts of pushes grow lists over several quicklist nodes and
LTRIM/pops keep them from growing without bound. The blocking commands only
ever time out after 10 ms (one connection: nobody could wake them) or fail
on their arguments; a 0 timeout would block the run forever.
"""

from random_gen.cmd import Cmd, on_keys

ELEMENTS = ["a", "b", "c", "1", "2", "-1", "007", "", "x" * 70,
            "9223372036854775807", "bin\x00e"]


def _element(ctx):
  return ctx.choice(ELEMENTS) if ctx.chance(0.8) else ctx.value()


def _elements(ctx, lo=1, hi=5):
  if ctx.chance(0.03):
    return [_element(ctx) for _ in range(ctx.rng.randint(50, 400))]
  return [_element(ctx) for _ in range(ctx.rng.randint(lo, hi))]


def _end(ctx):
  r = ctx.rng.random()
  if r < 0.48:
    return "LEFT"
  if r < 0.96:
    return "RIGHT"
  return ctx.choice(["left", "Right", "UP", ""])


def _count(ctx):
  r = ctx.rng.random()
  if r < 0.8:
    return str(ctx.rng.randint(0, 6))
  return ctx.choice(["-1", "abc", "100", "9223372036854775807", "1.5"])


def _timeout(ctx):
  return "0.01" if ctx.chance(0.85) else ctx.choice(["-1", "abc", "-0.5", ""])


def gen_push(ctx):
  k = ctx.key()
  name = ctx.choice(["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
  return Cmd([name, k] + _elements(ctx), touched=on_keys(ctx, [k]))


def gen_pop(ctx):
  k = ctx.key()
  args = [ctx.choice(["LPOP", "RPOP"]), k]
  if ctx.chance(0.5):
    args.append(_count(ctx))
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_llen(ctx):
  k = ctx.key()
  return Cmd(["LLEN", k], touched=on_keys(ctx, [k]))


def gen_lindex(ctx):
  k = ctx.key()
  return Cmd(["LINDEX", k, ctx.index()], touched=on_keys(ctx, [k]))


def gen_lrange(ctx):
  k = ctx.key()
  return Cmd(["LRANGE", k, ctx.index(), ctx.index()], touched=on_keys(ctx, [k]))


def gen_lset(ctx):
  k = ctx.key()
  return Cmd(["LSET", k, ctx.index(), _element(ctx)], touched=on_keys(ctx, [k]))


def gen_linsert(ctx):
  k = ctx.key()
  where = ctx.choice(["BEFORE", "AFTER", "before", "after", "MIDDLE"])
  return Cmd(["LINSERT", k, where, _element(ctx), _element(ctx)],
             touched=on_keys(ctx, [k]))


def gen_lrem(ctx):
  k = ctx.key()
  count = ctx.choice(["0", "1", "2", "-1", "-2", "5", "abc"])
  return Cmd(["LREM", k, count, _element(ctx)], touched=on_keys(ctx, [k]))


def gen_ltrim(ctx):
  k = ctx.key()
  return Cmd(["LTRIM", k, ctx.index(), ctx.index()], touched=on_keys(ctx, [k]))


def gen_lpos(ctx):
  k = ctx.key()
  opts = []
  for _ in range(ctx.rng.randint(0, 3)):
    opt = ctx.choice(["RANK", "COUNT", "MAXLEN", "rank", "FOO"])
    if opt.upper() == "RANK":
      val = ctx.choice(["1", "2", "-1", "-2", "3", "0", "abc",
                        "-9223372036854775808"])
    else:
      val = ctx.choice(["0", "1", "2", "5", "-1", "abc"])
    opts += [opt, val] if ctx.chance(0.95) else [opt]
  return Cmd(["LPOS", k, _element(ctx)] + opts, touched=on_keys(ctx, [k]))


def gen_lmove(ctx):
  src = ctx.key()
  dst = src if ctx.chance(0.2) else ctx.key()
  if ctx.chance(0.3):
    return Cmd(["RPOPLPUSH", src, dst], touched=on_keys(ctx, [src, dst]))
  return Cmd(["LMOVE", src, dst, _end(ctx), _end(ctx)],
             touched=on_keys(ctx, [src, dst]))


def _mpop_args(ctx):
  ks = ctx.keys(1, 3)
  numkeys = str(len(ks))
  if ctx.chance(0.05):
    numkeys = ctx.choice(["0", "-1", "abc", str(len(ks) + 1)])
  args = [numkeys] + ks + [_end(ctx)]
  if ctx.chance(0.5):
    args += ["COUNT", _count(ctx)]
  if ctx.chance(0.03):
    args += ctx.choice([["COUNT", "1"], ["FOO"], ["COUNT"]])
  return ks, args


def gen_lmpop(ctx):
  ks, args = _mpop_args(ctx)
  return Cmd(["LMPOP"] + args, touched=on_keys(ctx, ks))


def gen_blocking(ctx):
  r = ctx.rng.random()
  if r < 0.4:
    ks = ctx.keys(1, 3)
    return Cmd([ctx.choice(["BLPOP", "BRPOP"])] + ks + [_timeout(ctx)],
               touched=on_keys(ctx, ks))
  if r < 0.6:
    src, dst = ctx.key(), ctx.key()
    return Cmd(["BLMOVE", src, dst, _end(ctx), _end(ctx), _timeout(ctx)],
               touched=on_keys(ctx, [src, dst]))
  if r < 0.75:
    src, dst = ctx.key(), ctx.key()
    return Cmd(["BRPOPLPUSH", src, dst, _timeout(ctx)],
               touched=on_keys(ctx, [src, dst]))
  ks, args = _mpop_args(ctx)
  return Cmd(["BLMPOP", _timeout(ctx)] + args, touched=on_keys(ctx, ks))


COMMANDS = [
    (14, gen_push), (7, gen_pop), (3, gen_llen), (4, gen_lindex),
    (6, gen_lrange), (3, gen_lset), (3, gen_linsert), (3, gen_lrem),
    (3, gen_ltrim), (4, gen_lpos), (4, gen_lmove), (3, gen_lmpop),
    (2, gen_blocking),
]
