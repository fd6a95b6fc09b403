"""Random generators for the set commands (SADD ... SSCAN) and SORT.

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
Sets share the key space with every other family, so WRONGTYPE paths come
for free. Unspecified orders (hashtable sets) are compared sorted; random
picks are only generated where the answer is determined anyway (a count
covering the whole set, a set just reset to one member). Left out: SSCAN
(cursors and per-call batches differ between servers; cases/sets.txt covers
it) and numeric SORT (Redis never clears errno before strtod, so an ERANGE
left by any earlier command fails it at random; cases/sort.txt covers it).
"""

from random_gen.cmd import Cmd, on_keys

SMALL_MEMBERS = ["0", "1", "2", "3", "5", "8", "13", "-1", "-7", "100",
                 "70000", "-70000", "5000000000", "9223372036854775807",
                 "-9223372036854775808", "a", "b", "c", "foo", "bar", "",
                 "007", "-0", "+5", "1.5", "x" * 30]
SORT_PATTERNS = ["k*", "k1*", "*", "#", "nostar", "k*->f", "{tag}*", "k*->"]
TMP_KEY = "k0"  # reset to one member before a random pick


def _member(ctx):
  r = ctx.rng.random()
  if r < 0.8:
    return ctx.choice(SMALL_MEMBERS)
  if r < 0.9:
    return str(ctx.rng.randint(-1000, 1000))
  return ctx.value()


def _members(ctx, lo=1, hi=6):
  return [_member(ctx) for _ in range(ctx.rng.randint(lo, hi))]


def gen_sadd(ctx):
  k = ctx.key()
  if ctx.chance(0.03):
    # Past set-max-intset-entries (512): the intset converts.
    start = ctx.rng.randint(-100, 100)
    members = [str(i) for i in range(start, start + ctx.rng.randint(500, 530))]
  else:
    members = _members(ctx)
  return Cmd(["SADD", k] + members, touched=on_keys(ctx, [k]))


def gen_srem(ctx):
  k = ctx.key()
  return Cmd(["SREM", k] + _members(ctx, 1, 4), touched=on_keys(ctx, [k]))


def gen_read_one(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.3:
    return Cmd(["SCARD", k], touched=on_keys(ctx, [k]))
  if r < 0.6:
    return Cmd(["SISMEMBER", k, _member(ctx)], touched=on_keys(ctx, [k]))
  if r < 0.8:
    return Cmd(["SMISMEMBER", k] + _members(ctx, 1, 4),
               touched=on_keys(ctx, [k]))
  return Cmd(["SMEMBERS", k], touched=on_keys(ctx, [k]), compare="sort")


def gen_smove(ctx):
  a, b = ctx.key(), ctx.key()
  return Cmd(["SMOVE", a, b, _member(ctx)], touched=on_keys(ctx, [a, b]))


def gen_spop(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.35:
    # More than any generated set holds: all of it, and the key goes.
    return Cmd(["SPOP", k, ctx.choice(["1000", "100000"])],
               touched=on_keys(ctx, [k]), compare="sort", mutable=False)
  if r < 0.55:
    m = _member(ctx)
    reset = [Cmd(["DEL", TMP_KEY], touched=on_keys(ctx, [TMP_KEY])),
             Cmd(["SADD", TMP_KEY, m], touched=on_keys(ctx, [TMP_KEY]))]
    args = ["SPOP", TMP_KEY] + ([] if ctx.chance(0.5) else ["1"])
    return Cmd(args, touched=on_keys(ctx, [TMP_KEY]), before=reset,
               compare="sort", mutable=False)
  # (Not mutable: without its count SPOP would pop at random.)
  return Cmd(["SPOP", k] + ctx.choice([["0"], ["-1"], ["abc"], ["1.5"], ["0", "1"]]),
             touched=on_keys(ctx, [k]), mutable=False)


def gen_srandmember(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.35:
    return Cmd(["SRANDMEMBER", k, ctx.choice(["1000", "100000"])],
               touched=on_keys(ctx, [k]), compare="sort", mutable=False)
  if r < 0.55:
    m = _member(ctx)
    reset = [Cmd(["DEL", TMP_KEY], touched=on_keys(ctx, [TMP_KEY])),
             Cmd(["SADD", TMP_KEY, m], touched=on_keys(ctx, [TMP_KEY]))]
    count = ctx.choice([[], ["1"], ["-3"], ["5"]])
    return Cmd(["SRANDMEMBER", TMP_KEY] + count, touched=on_keys(ctx, [TMP_KEY]),
               before=reset, mutable=False)
  return Cmd(["SRANDMEMBER", k] + ctx.choice(
      [["0"], ["abc"], ["-9223372036854775808"], ["9223372036854775808"], ["1", "2"]]),
             touched=on_keys(ctx, [k]), mutable=False)


def gen_algebra(ctx):
  ks = ctx.keys(1, 4)
  r = ctx.rng.random()
  op = ctx.choice(["SINTER", "SUNION", "SDIFF"])
  if r < 0.45:
    return Cmd([op] + ks, touched=on_keys(ctx, ks), compare="sort")
  if r < 0.8:
    dst = ctx.key()
    return Cmd([op + "STORE", dst] + ks, touched=on_keys(ctx, [dst] + ks))
  numkeys = str(len(ks))
  if ctx.chance(0.1):
    numkeys = ctx.choice(["0", "-1", "abc", str(len(ks) + 1)])
  opts = []
  if ctx.chance(0.4):
    opts = ["LIMIT", ctx.choice(["0", "1", "2", "5", "-1", "abc"])]
  return Cmd(["SINTERCARD", numkeys] + ks + opts, touched=on_keys(ctx, ks))


def gen_sort(ctx):
  k = ctx.key()
  name = "SORT_RO" if ctx.chance(0.3) else "SORT"
  opts = []
  r = ctx.rng.random()
  if r < 0.1:
    # Option errors come before the key is read.
    opts = ctx.choice([["FOO"], ["LIMIT", "a", "1"], ["LIMIT", "1"],
                       ["STORE"], ["BY"], ["GET"]])
    return Cmd([name, k] + opts, touched=on_keys(ctx, [k]))
  compare = "sort"
  by_pattern = r < 0.5
  if by_pattern:
    opts += ["BY", ctx.choice(["nosort", "k*", "k*->f", "{tag}*"])]
  opts.append("ALPHA")
  if ctx.chance(0.4):
    opts.append(ctx.choice(["ASC", "DESC"]))
  for _ in range(ctx.rng.randint(0, 2)):
    opts += ["GET", ctx.choice(SORT_PATTERNS)]
  touched = [k]
  store = name == "SORT" and not by_pattern and ctx.chance(0.4)
  if store:
    # Binary order is total, so a stored result is the same on both sides
    # even with LIMIT.
    if ctx.chance(0.5):
      opts += ["LIMIT", str(ctx.rng.randint(-2, 5)), str(ctx.rng.randint(-1, 5))]
    dst = ctx.key()
    opts += ["STORE", dst]
    touched.append(dst)
    compare = None
  # BY/GET patterns read other keys: none may be waiting on a deadline.
  patterned = any(o in opts for o in ("BY", "GET"))
  return Cmd([name, k] + opts, touched=on_keys(ctx, touched), compare=compare,
             whole_dbs=[ctx.db] if patterned else ())


COMMANDS = [
    (10, gen_sadd), (4, gen_srem), (8, gen_read_one), (3, gen_smove),
    (3, gen_spop), (3, gen_srandmember), (6, gen_algebra), (4, gen_sort),
]
