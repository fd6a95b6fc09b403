"""Random generators for the string commands (APPEND ... SUBSTR, LCS).

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
"""

from random_gen.cmd import Cmd, on_keys


def _expiry_option(ctx, allow_keepttl=True):
  """Random SET/GETEX expiry option: (args, gives_short_deadline)."""
  r = ctx.rng.random()
  if r < 0.25:
    return ["EX", ctx.common_ttl()], False
  if r < 0.4:
    return ["PX", ctx.common_ttl(ms=True)], False
  if r < 0.5:
    return ["EXAT", ctx.common_abs()], False
  if r < 0.58:
    return ["PXAT", ctx.common_abs(ms=True)], False
  if r < 0.66:
    # Short deadlines: the key must not be read again in this batch.
    return ctx.choice([["PX", "1"], ["PXAT", ctx.past_abs(ms=True)],
                       ["EXAT", ctx.past_abs()]]), True
  if r < 0.75 and allow_keepttl:
    return ["KEEPTTL"], False
  if r < 0.8:
    return [ctx.choice(["EX", "PX", "EXAT", "PXAT"]), ctx.invalid_ttl()], False
  return [], False


def gen_set(ctx):
  k = ctx.key()
  args = ["SET", k, ctx.value()]
  opts = []
  exp, short = _expiry_option(ctx)
  opts += exp
  if ctx.chance(0.2):
    opts.append(ctx.choice(["NX", "XX"]))
  if ctx.chance(0.15):
    opts.append("GET")
  if ctx.chance(0.05):
    opts.append(ctx.choice(["NX", "XX", "EX", "KEEPTTL", "FOO", "GET"]))
  if ctx.chance(0.05):
    ctx.rng.shuffle(opts)   # Mostly syntax errors; sometimes valid orders.
  return Cmd(args + opts, touched=on_keys(ctx, [k]),
             fresh=on_keys(ctx, [k]) if short else ())


def gen_get(ctx):
  k = ctx.key()
  return Cmd(["GET", k], touched=on_keys(ctx, [k]))


def gen_getdel(ctx):
  k = ctx.key()
  return Cmd(["GETDEL", k], touched=on_keys(ctx, [k]))


def gen_getset(ctx):
  k = ctx.key()
  return Cmd(["GETSET", k, ctx.value()], touched=on_keys(ctx, [k]))


def gen_getex(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  short = False
  if r < 0.3:
    opts = []
  elif r < 0.4:
    opts = ["PERSIST"]
  else:
    opts, short = _expiry_option(ctx, allow_keepttl=False)
    if ctx.chance(0.1):
      opts.append(ctx.choice(["PERSIST", "EX", "FOO"]))
  return Cmd(["GETEX", k] + opts, touched=on_keys(ctx, [k]),
             fresh=on_keys(ctx, [k]) if short else ())


def gen_setnx(ctx):
  k = ctx.key()
  return Cmd(["SETNX", k, ctx.value()], touched=on_keys(ctx, [k]))


def gen_setex(ctx):
  k = ctx.key()
  if ctx.chance(0.5):
    return Cmd(["SETEX", k, ctx.common_ttl(), ctx.value()],
               touched=on_keys(ctx, [k]))
  if ctx.chance(0.2):
    return Cmd(["PSETEX", k, "1", ctx.value()], touched=on_keys(ctx, [k]),
               fresh=on_keys(ctx, [k]))
  return Cmd(["PSETEX", k, ctx.common_ttl(ms=True), ctx.value()],
             touched=on_keys(ctx, [k]))


def gen_append(ctx):
  k = ctx.key()
  return Cmd(["APPEND", k, ctx.small_value()], touched=on_keys(ctx, [k]))


def gen_strlen(ctx):
  k = ctx.key()
  return Cmd(["STRLEN", k], touched=on_keys(ctx, [k]))


def gen_getrange(ctx):
  k = ctx.key()
  name = "SUBSTR" if ctx.chance(0.2) else "GETRANGE"
  return Cmd([name, k, ctx.index(), ctx.index()], touched=on_keys(ctx, [k]))


def gen_setrange(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.7:
    offset = str(ctx.rng.randint(0, 64))
  elif r < 0.85:
    offset = str(ctx.rng.randint(0, 5000))
  else:
    offset = ctx.choice(["-1", "abc", "536870912", "536870911",
                         str(2**63 - 1), "1.5"])
  value = ctx.small_value()
  if offset == "536870911":
    value = "xy"  # Past the 512 MB limit: an error, never an allocation.
  return Cmd(["SETRANGE", k, offset, value], touched=on_keys(ctx, [k]))


def gen_incr(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.3:
    return Cmd([ctx.choice(["INCR", "DECR"]), k], touched=on_keys(ctx, [k]))
  if r < 0.75:
    return Cmd([ctx.choice(["INCRBY", "DECRBY"]), k, ctx.int_value()],
               touched=on_keys(ctx, [k]))
  return Cmd(["INCRBYFLOAT", k, ctx.float_value()], touched=on_keys(ctx, [k]))


def gen_mget(ctx):
  ks = ctx.keys(1, 5)
  return Cmd(["MGET"] + ks, touched=on_keys(ctx, ks))


def gen_mset(ctx):
  ks = ctx.keys(1, 4)
  args = ["MSETNX" if ctx.chance(0.3) else "MSET"]
  for k in ks:
    args += [k, ctx.value()]
  return Cmd(args, touched=on_keys(ctx, ks))


def gen_lcs(ctx):
  a, b = ctx.lcs_key(), ctx.lcs_key()
  if ctx.chance(0.3):
    # Fill the lcs keys with short values only.
    k = ctx.lcs_key()
    return Cmd(["SET", k, ctx.choice(["ohmytext", "mynewtext", "abcdef",
                                      "acbdfe", "", "aaaa", "xyz\x00xyz",
                                      ctx.small_value()])],
               touched=on_keys(ctx, [k]))
  opts = []
  r = ctx.rng.random()
  if r < 0.2:
    opts = ["LEN"]
  elif r < 0.6:
    opts = ["IDX"]
    if ctx.chance(0.5):
      opts += ["MINMATCHLEN", ctx.choice(["0", "1", "2", "3", "-1", "abc"])]
    if ctx.chance(0.5):
      opts.append("WITHMATCHLEN")
  elif r < 0.7:
    opts = [ctx.choice(["LEN IDX", "FOO", "MINMATCHLEN", "WITHMATCHLEN",
                        "LEN WITHMATCHLEN"])]
    opts = opts[0].split()
  return Cmd(["LCS", a, b] + opts, touched=on_keys(ctx, [a, b]))


COMMANDS = [
    (14, gen_set), (12, gen_get), (2, gen_getdel), (2, gen_getset),
    (4, gen_getex), (2, gen_setnx), (3, gen_setex), (5, gen_append),
    (3, gen_strlen), (4, gen_getrange), (3, gen_setrange), (10, gen_incr),
    (4, gen_mget), (4, gen_mset), (2, gen_lcs),
]
