"""Random generators for the sorted-set commands (ZADD ... ZINTERCARD).

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
Sorted sets share the key space with every other family, so WRONGTYPE paths
come for free. Lex-range commands run only on their own keys (LEX_KEYS),
which only get members of one score: on members out of order (mixed scores)
Redis's skiplist search depends on its random node levels, so two servers
may answer differently without either being wrong. Random picks are
generated only where the answer is determined (a count covering the whole
set, a set just reset to one member). Left out: ZSCAN (cursors and batches
differ between servers; cases/zsets.txt covers it) and blocking pops that
would wait (they are sent with keys just filled, or time out at once).
"""

from random_gen.cmd import Cmd, on_keys

MEMBERS = ["a", "b", "c", "d", "e", "f", "g", "foo", "bar", "", "0", "1",
           "-1", "10", "007", "1.5", "x" * 30, "\x00", "\xff\xfe", "ab", "abc"]
SCORES = ["0", "1", "2", "3", "-1", "1.5", "-2.5", "0.1", "10", "100", "-0",
          "1e20", "-1e-7", "inf", "-inf", "+inf", "123456789012345678",
          "4611686018427387904", "9007199254740993", "0x10", "3.0"]
BAD_SCORES = ["nan", "abc", "", "1e400", " 1", "1 ", "(1"]
RANGE_SCORES = ["-inf", "+inf", "0", "1", "2", "3", "(1", "(2", "1.5", "(-1",
                "10", "(100", "-0", "", "(", "1e999", "abc", "nan", "(inf"]
LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(c", "[foo", "(x", "[", "(",
              "a", "+x", "[\xff"]
LEX_KEYS = ["zl0", "zl1"]
TMP_KEY = "k0"  # reset to one member before a random pick


def _member(ctx):
  r = ctx.rng.random()
  if r < 0.85:
    return ctx.choice(MEMBERS)
  if r < 0.95:
    return "m%d" % ctx.rng.randint(0, 200)
  return ctx.choice(["y" * 64, "z" * 65, ctx.short_string()])


def _score(ctx):
  r = ctx.rng.random()
  if r < 0.75:
    return ctx.choice(SCORES)
  if r < 0.95:
    return str(ctx.rng.randint(-50, 50) / 4.0)
  return ctx.choice(BAD_SCORES)


def _pairs(ctx, lo=1, hi=5):
  out = []
  for _ in range(ctx.rng.randint(lo, hi)):
    out += [_score(ctx), _member(ctx)]
  return out


def gen_zadd(ctx):
  k = ctx.key()
  if ctx.chance(0.03):
    # Past zset-max-listpack-entries (128): the listpack converts.
    start = ctx.rng.randint(0, 50)
    pairs = []
    for i in range(start, start + ctx.rng.randint(120, 140)):
      pairs += [str(i % 17), "m%d" % i]
    return Cmd(["ZADD", k] + pairs, touched=on_keys(ctx, [k]))
  opts = []
  for _ in range(ctx.rng.randint(0, 2) if ctx.chance(0.5) else 0):
    opts.append(ctx.choice(["NX", "XX", "GT", "LT", "CH", "INCR"]))
  pairs = _pairs(ctx, 1, 1) if "INCR" in opts else _pairs(ctx)
  if ctx.chance(0.05):
    pairs = pairs[:-1]  # odd argument count
  return Cmd(["ZADD", k] + opts + pairs, touched=on_keys(ctx, [k]))


def gen_zincrby(ctx):
  k = ctx.key()
  return Cmd(["ZINCRBY", k, _score(ctx), _member(ctx)], touched=on_keys(ctx, [k]))


def gen_zrem(ctx):
  k = ctx.key()
  return Cmd(["ZREM", k] + [_member(ctx) for _ in range(ctx.rng.randint(1, 4))],
             touched=on_keys(ctx, [k]))


def gen_read_one(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.15:
    args = ["ZCARD", k]
  elif r < 0.35:
    args = ["ZSCORE", k, _member(ctx)]
  elif r < 0.5:
    args = ["ZMSCORE", k] + [_member(ctx) for _ in range(ctx.rng.randint(1, 4))]
  elif r < 0.7:
    args = [ctx.choice(["ZRANK", "ZREVRANK"]), k, _member(ctx)]
  else:
    args = ["ZCOUNT", k, ctx.choice(RANGE_SCORES), ctx.choice(RANGE_SCORES)]
  return Cmd(args, touched=on_keys(ctx, [k]))


def _limit(ctx):
  if ctx.chance(0.6):
    return []
  return ["LIMIT", str(ctx.rng.randint(-1, 5)), str(ctx.rng.randint(-2, 6))]


def gen_range(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  ws = ["WITHSCORES"] if ctx.chance(0.5) else []
  if r < 0.3:
    args = [ctx.choice(["ZRANGE", "ZREVRANGE"]), k, ctx.index(), ctx.index()] + ws
    if args[0] == "ZRANGE" and ctx.chance(0.3):
      args.append("REV")
  elif r < 0.6:
    lo, hi = ctx.choice(RANGE_SCORES), ctx.choice(RANGE_SCORES)
    name = ctx.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGE"])
    args = [name, k, lo, hi]
    if name == "ZRANGE":
      args.append("BYSCORE")
      if ctx.chance(0.4):
        args.append("REV")
    args += ws + _limit(ctx)
  elif r < 0.75:
    # Option errors and conflicts.
    args = ["ZRANGE", k, "0", "-1"] + ctx.choice(
        [["LIMIT", "0", "1"], ["BYLEX", "WITHSCORES"], ["REV", "REV"],
         ["BYSCORE", "BYLEX"], ["FOO"], ["LIMIT", "0"]])
  else:
    dst = ctx.key()
    args = ["ZRANGESTORE", dst, k]
    if ctx.chance(0.5):
      args += [ctx.index(), ctx.index()]
    else:
      args += [ctx.choice(RANGE_SCORES), ctx.choice(RANGE_SCORES), "BYSCORE"] + _limit(ctx)
    if ctx.chance(0.3):
      args.append("REV")
    return Cmd(args, touched=on_keys(ctx, [dst, k]))
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_lex(ctx):
  k = ctx.choice(LEX_KEYS)
  r = ctx.rng.random()
  if r < 0.3:
    score = "0" if k == "zl0" else "7"
    pairs = []
    for _ in range(ctx.rng.randint(1, 6)):
      pairs += [score, _member(ctx)]
    if ctx.chance(0.05):
      pairs += [score, "w" * 70]  # converts to a skiplist
    return Cmd(["ZADD", k] + pairs, touched=on_keys(ctx, [k]))
  lo, hi = ctx.choice(LEX_BOUNDS), ctx.choice(LEX_BOUNDS)
  if r < 0.45:
    return Cmd(["ZLEXCOUNT", k, lo, hi], touched=on_keys(ctx, [k]))
  if r < 0.8:
    name = ctx.choice(["ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZRANGE"])
    args = [name, k, lo, hi]
    if name == "ZRANGE":
      args.append("BYLEX")
      if ctx.chance(0.4):
        args.append("REV")
    return Cmd(args + _limit(ctx), touched=on_keys(ctx, [k]))
  if r < 0.9:
    return Cmd(["ZREMRANGEBYLEX", k, lo, hi], touched=on_keys(ctx, [k]))
  return Cmd(["ZRANGE", k, "0", "-1", "WITHSCORES"], touched=on_keys(ctx, [k]))


def gen_remrange(ctx):
  k = ctx.key()
  if ctx.chance(0.5):
    return Cmd(["ZREMRANGEBYRANK", k, ctx.index(), ctx.index()], touched=on_keys(ctx, [k]))
  return Cmd(["ZREMRANGEBYSCORE", k, ctx.choice(RANGE_SCORES), ctx.choice(RANGE_SCORES)],
             touched=on_keys(ctx, [k]))


def gen_pop(ctx):
  r = ctx.rng.random()
  if r < 0.4:
    k = ctx.key()
    count = ctx.choice([[], [], ["1"], ["3"], ["0"], ["-1"], ["abc"], ["100"]])
    return Cmd([ctx.choice(["ZPOPMIN", "ZPOPMAX"]), k] + count, touched=on_keys(ctx, [k]))
  ks = ctx.keys(1, 3)
  numkeys = str(len(ks))
  if ctx.chance(0.05):
    numkeys = ctx.choice(["0", "-1", "abc", str(len(ks) + 1)])
  where = ctx.choice(["MIN", "MAX", "min", "max", "MIDDLE"])
  count = ctx.choice([[], ["COUNT", "2"], ["COUNT", "10"], ["COUNT", "0"], ["COUNT", "x"]])
  if r < 0.7:
    return Cmd(["ZMPOP", numkeys] + ks + [where] + count, touched=on_keys(ctx, ks))
  # Blocking forms: fill the first key so they never wait.
  # (A key of another type answers WRONGTYPE; a bad argument fails first;
  # the short timeout only matters if something is missed.)
  fill = Cmd(["ZADD", ks[0], ctx.choice(SCORES), _member(ctx)], touched=on_keys(ctx, ks[:1]))
  if ctx.chance(0.5):
    return Cmd([ctx.choice(["BZPOPMIN", "BZPOPMAX"])] + ks + ["0.01"], touched=on_keys(ctx, ks),
               before=[fill])
  return Cmd(["BZMPOP", "0.01", numkeys] + ks + [where] + count, touched=on_keys(ctx, ks),
             before=[fill])


def gen_randmember(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.4:
    # More than any generated set holds: the whole set, deterministically.
    return Cmd(["ZRANDMEMBER", k, ctx.choice(["1000", "100000"])] +
               (["WITHSCORES"] if ctx.chance(0.5) else []),
               touched=on_keys(ctx, [k]), mutable=False)
  if r < 0.7:
    reset = [Cmd(["DEL", TMP_KEY], touched=on_keys(ctx, [TMP_KEY])),
             Cmd(["ZADD", TMP_KEY, _score(ctx), _member(ctx)], touched=on_keys(ctx, [TMP_KEY]))]
    count = ctx.choice([[], ["1"], ["-3"], ["5", "WITHSCORES"], ["-2", "WITHSCORES"]])
    return Cmd(["ZRANDMEMBER", TMP_KEY] + count, touched=on_keys(ctx, [TMP_KEY]),
               before=reset, mutable=False)
  return Cmd(["ZRANDMEMBER", k] + ctx.choice(
      [["0"], ["abc"], ["-9223372036854775808"], ["1", "foo"], ["0", "WITHSCORES"],
       ["9223372036854775807", "WITHSCORES"]]), touched=on_keys(ctx, [k]), mutable=False)


def gen_algebra(ctx):
  ks = ctx.keys(1, 3)
  op = ctx.choice(["ZUNION", "ZINTER", "ZDIFF"])
  numkeys = str(len(ks))
  if ctx.chance(0.05):
    numkeys = ctx.choice(["0", "-1", "abc", str(len(ks) + 1)])
  opts = []
  if op != "ZDIFF" or ctx.chance(0.05):
    if ctx.chance(0.4):
      opts += ["WEIGHTS"] + [ctx.choice(["1", "2", "-1", "0", "0.5", "inf", "x"])
                             for _ in ks]
    if ctx.chance(0.4):
      opts += ["AGGREGATE", ctx.choice(["SUM", "MIN", "MAX", "max", "foo"])]
  r = ctx.rng.random()
  if r < 0.45:
    if ctx.chance(0.5):
      opts.append("WITHSCORES")
    return Cmd([op, numkeys] + ks + opts, touched=on_keys(ctx, ks))
  if r < 0.85:
    dst = ctx.key()
    return Cmd([op + "STORE", dst, numkeys] + ks + opts, touched=on_keys(ctx, [dst] + ks))
  lim = ["LIMIT", ctx.choice(["0", "1", "2", "-1", "x"])] if ctx.chance(0.4) else []
  return Cmd(["ZINTERCARD", numkeys] + ks + lim, touched=on_keys(ctx, ks))


COMMANDS = [
    (10, gen_zadd), (3, gen_zincrby), (4, gen_zrem), (8, gen_read_one),
    (8, gen_range), (5, gen_lex), (3, gen_remrange), (4, gen_pop),
    (2, gen_randmember), (5, gen_algebra),
]
