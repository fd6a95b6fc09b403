"""Random generators for the hash commands (HSET ... HSCAN).

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
Hashes cross both conversion thresholds now and then: long values (over
hash-max-listpack-value) and bursts of fields (over 512 entries).  A
hashtable-encoded hash lists its fields in a different order on each server,
so whole-hash replies are compared sorted; HRANDFIELD is only asked for the
whole hash (count >= size) or for nothing, and a hashtable HSCAN only with a
pattern naming one field and a COUNT large enough to finish in one call.
"""

from random_gen.cmd import Cmd, on_keys

# Few fields, so commands on one hash meet each other; the burst fields make
# hashes big enough to convert.
FIELDS = ["f%d" % i for i in range(12)] + ["", "1", "-5", "007", "bin\x00f",
                                           "x" * 70]
BURST_FIELDS = 600


def _field(ctx):
  if ctx.chance(0.1):
    return "b%d" % ctx.rng.randrange(BURST_FIELDS)
  return ctx.choice(FIELDS)


def _hash_value(ctx):
  r = ctx.rng.random()
  if r < 0.5:
    return ctx.small_value()
  if r < 0.9:
    return ctx.value()
  return ctx.float_value()


def _pairs(ctx, lo=1, hi=4):
  out = []
  for _ in range(ctx.rng.randint(lo, hi)):
    out += [_field(ctx), _hash_value(ctx)]
  return out


def gen_hset(ctx):
  k = ctx.key()
  if ctx.chance(0.03):
    # A burst: hundreds of fields at once, crossing the entries threshold.
    n = ctx.rng.randint(100, 300)
    start = ctx.rng.randrange(BURST_FIELDS)
    pairs = []
    for i in range(n):
      pairs += ["b%d" % ((start + i) % BURST_FIELDS), str(i)]
    return Cmd(["HSET", k] + pairs, touched=on_keys(ctx, [k]))
  args = [ctx.choice(["HSET", "HSET", "HMSET"]), k] + _pairs(ctx)
  if ctx.chance(0.05):
    args.append(_field(ctx))   # odd number of arguments
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_hsetnx(ctx):
  k = ctx.key()
  return Cmd(["HSETNX", k, _field(ctx), _hash_value(ctx)],
             touched=on_keys(ctx, [k]))


def gen_hget(ctx):
  k = ctx.key()
  return Cmd(["HGET", k, _field(ctx)], touched=on_keys(ctx, [k]))


def gen_hmget(ctx):
  k = ctx.key()
  return Cmd(["HMGET", k] + [_field(ctx) for _ in range(ctx.rng.randint(1, 5))],
             touched=on_keys(ctx, [k]))


def gen_hdel(ctx):
  k = ctx.key()
  fields = [_field(ctx) for _ in range(ctx.rng.randint(1, 4))]
  if ctx.chance(0.02):
    fields = ["b%d" % i for i in range(BURST_FIELDS)] + FIELDS
  return Cmd(["HDEL", k] + fields, touched=on_keys(ctx, [k]))


def gen_hexists(ctx):
  k = ctx.key()
  return Cmd(["HEXISTS", k, _field(ctx)], touched=on_keys(ctx, [k]))


def gen_hlen(ctx):
  k = ctx.key()
  return Cmd(["HLEN", k], touched=on_keys(ctx, [k]))


def gen_hstrlen(ctx):
  k = ctx.key()
  return Cmd(["HSTRLEN", k, _field(ctx)], touched=on_keys(ctx, [k]))


def gen_whole(ctx):
  k = ctx.key()
  return Cmd([ctx.choice(["HKEYS", "HVALS", "HGETALL"]), k],
             touched=on_keys(ctx, [k]), compare="sort")


def gen_hincrby(ctx):
  k = ctx.key()
  incr = ctx.int_value() if ctx.chance(0.8) else ctx.float_value()
  return Cmd(["HINCRBY", k, _field(ctx), incr], touched=on_keys(ctx, [k]))


def gen_hincrbyfloat(ctx):
  k = ctx.key()
  incr = ctx.float_value() if ctx.chance(0.8) else ctx.int_value()
  return Cmd(["HINCRBYFLOAT", k, _field(ctx), incr], touched=on_keys(ctx, [k]))


def gen_hrandfield(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.6:
    args = ["HRANDFIELD", k, ctx.choice(["100000", "9223372036854775807",
                                         "4611686018427387903"])]
    if ctx.chance(0.5):
      args.append("WITHVALUES")
    return Cmd(args, touched=on_keys(ctx, [k]), compare="sort",
               mutable=False)
  if r < 0.8:
    args = ["HRANDFIELD", k, "0"] + (["WITHVALUES"] if ctx.chance(0.5) else [])
    return Cmd(args, touched=on_keys(ctx, [k]), mutable=False)
  # Argument errors (also decided before the key's type is looked at).
  args = ctx.choice([["-9223372036854775808"], ["abc"], ["1", "NOVALUES"],
                     ["1", "WITHVALUES", "x"], ["-4611686018427387904",
                                                "WITHVALUES"], ["WITHVALUES"]])
  return Cmd(["HRANDFIELD", k] + args, touched=on_keys(ctx, [k]),
             mutable=False)


def gen_hscan(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.7:
    return Cmd(["HSCAN", k, "0", "MATCH", _field(ctx).replace("*", ""),
                "COUNT", "1000000"], touched=on_keys(ctx, [k]), mutable=False)
  if r < 0.85:
    return Cmd(["HSCAN", k, "0", "MATCH", "nomatch*", "COUNT", "1000000"],
               touched=on_keys(ctx, [k]), mutable=False)
  args = ctx.choice([["abc"], ["0", "COUNT", "0"], ["0", "COUNT", "x"],
                     ["0", "TYPE", "string"], ["0", "MATCH"], ["-1x"]])
  return Cmd(["HSCAN", k] + args, touched=on_keys(ctx, [k]), mutable=False)


COMMANDS = [
    (12, gen_hset), (3, gen_hsetnx), (8, gen_hget), (3, gen_hmget),
    (5, gen_hdel), (2, gen_hexists), (3, gen_hlen), (2, gen_hstrlen),
    (4, gen_whole), (5, gen_hincrby), (4, gen_hincrbyfloat),
    (3, gen_hrandfield), (3, gen_hscan),
]
