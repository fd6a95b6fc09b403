"""Random generators for the bitmap commands (SETBIT, GETBIT, BITCOUNT,
BITPOS, BITOP, BITFIELD, BITFIELD_RO) on the shared key space, so they meet
int/embstr/raw strings, other types and missing keys.

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
"""

from random_gen.cmd import Cmd, on_keys

_BAD_OFFSETS = ["-1", "abc", "1.5", "4294967296", "9223372036854775807", ""]


def _offset(ctx, bad=0.03):
  r = ctx.rng.random()
  if r < bad:
    return ctx.choice(_BAD_OFFSETS)
  if r < 0.75:
    return str(ctx.rng.randint(0, 100))
  if r < 0.95:
    return str(ctx.rng.randint(0, 1200))
  return str(ctx.rng.randint(0, 9000))


def _range_index(ctx):
  r = ctx.rng.random()
  if r < 0.4:
    return str(ctx.rng.randint(0, 20))
  if r < 0.7:
    return str(ctx.rng.randint(-20, -1))
  if r < 0.9:
    return str(ctx.rng.randint(-200, 200))
  return ctx.choice(["abc", "9223372036854775807", "-9223372036854775808",
                     "1.5", "0"])


def _unit(ctx):
  return ctx.choice(["BIT", "BYTE", "bit", "byte", "FOO"]) \
      if ctx.chance(0.1) else ctx.choice(["BIT", "BYTE"])


def gen_setbit(ctx):
  k = ctx.key()
  value = ctx.choice(["0", "1"]) if ctx.chance(0.97) else \
      ctx.choice(["2", "-1", "abc", ""])
  return Cmd(["SETBIT", k, _offset(ctx), value], touched=on_keys(ctx, [k]))


def gen_getbit(ctx):
  k = ctx.key()
  return Cmd(["GETBIT", k, _offset(ctx)], touched=on_keys(ctx, [k]))


def gen_bitcount(ctx):
  k = ctx.key()
  args = ["BITCOUNT", k]
  r = ctx.rng.random()
  if r < 0.25:
    pass
  elif r < 0.55:
    args += [_range_index(ctx), _range_index(ctx)]
  elif r < 0.95:
    args += [_range_index(ctx), _range_index(ctx), _unit(ctx)]
  else:
    args += [_range_index(ctx)] * ctx.rng.choice([1, 4])
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_bitpos(ctx):
  k = ctx.key()
  bit = ctx.choice(["0", "1"]) if ctx.chance(0.97) else \
      ctx.choice(["2", "-1", "abc"])
  args = ["BITPOS", k, bit]
  n = ctx.rng.choice([0, 1, 2, 3, 3, 3])
  if n >= 1:
    args.append(_range_index(ctx))
  if n >= 2:
    args.append(_range_index(ctx))
  if n >= 3:
    args.append(_unit(ctx))
  if ctx.chance(0.02):
    args.append("extra")
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_bitop(ctx):
  dest = ctx.key()
  op = ctx.choice(["AND", "OR", "XOR", "NOT", "and", "or"]) \
      if ctx.chance(0.98) else ctx.choice(["FOO", "ANDX"])
  srcs = ctx.keys(1, 1 if op == "NOT" and ctx.chance(0.95) else 4)
  return Cmd(["BITOP", op, dest] + srcs,
             touched=on_keys(ctx, [dest] + srcs))


def _field_type(ctx):
  if ctx.chance(0.03):
    return ctx.choice(["u64", "i65", "i0", "x8", "I8", "u", ""])
  if ctx.chance(0.5):
    return "i%d" % ctx.rng.randint(1, 64)
  return "u%d" % ctx.rng.randint(1, 63)


def _field_offset(ctx):
  if ctx.chance(0.2):
    return "#%d" % ctx.rng.randint(0, 30) if ctx.chance(0.97) else \
        ctx.choice(["#-1", "#abc", "#9223372036854775807"])
  return _offset(ctx, bad=0.02)


def _field_value(ctx):
  r = ctx.rng.random()
  if r < 0.5:
    return str(ctx.rng.randint(-300, 300))
  if r < 0.8:
    return str(ctx.rng.randint(-2**63, 2**63 - 1))
  if r < 0.97:
    return ctx.choice(["9223372036854775807", "-9223372036854775808", "0",
                       "1", "-1", "255", "256", "127", "-128"])
  return ctx.choice(["abc", "1.5", "9223372036854775808"])


def gen_bitfield(ctx):
  k = ctx.key()
  ro = ctx.chance(0.2)
  args = ["BITFIELD_RO" if ro else "BITFIELD", k]
  for _ in range(ctx.rng.randint(0, 5)):
    r = ctx.rng.random()
    if r < 0.15:
      args += ["OVERFLOW", ctx.choice(["WRAP", "SAT", "FAIL", "wrap", "sat"])
               if ctx.chance(0.97) else "FOO"]
    elif r < 0.5 or (ro and ctx.chance(0.9)):
      args += ["GET", _field_type(ctx), _field_offset(ctx)]
    else:
      args += [ctx.choice(["SET", "INCRBY"]), _field_type(ctx),
               _field_offset(ctx), _field_value(ctx)]
  if ctx.chance(0.02):
    args.append(ctx.choice(["GET", "FOO", "OVERFLOW"]))
  return Cmd(args, touched=on_keys(ctx, [k]))


COMMANDS = [
    (6, gen_setbit), (4, gen_getbit), (4, gen_bitcount), (4, gen_bitpos),
    (3, gen_bitop), (5, gen_bitfield),
]
