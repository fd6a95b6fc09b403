"""Random generators for the generic (keyspace) commands and the few
connection commands whose replies are deterministic.

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
Left out on purpose (replies differ between any two servers): RANDOMKEY,
SCAN, TIME, CLIENT ID/LIST, INFO, OBJECT IDLETIME/FREQ, DEBUG.
"""

from random_gen.cmd import Cmd, on_keys
from random_gen.context import DBS

KEY_PATTERNS = ["*", "k1*", "k?", "*[0-5]", "k[!1]*", "{tag}*", "bin*",
                "nomatch*", "*a*", "\\{tag\\}a", ""]


def gen_del(ctx):
  ks = ctx.keys(1, 3)
  name = ctx.choice(["DEL", "UNLINK"])
  return Cmd([name] + ks, touched=on_keys(ctx, ks))


def gen_exists(ctx):
  ks = ctx.keys(1, 4)
  name = ctx.choice(["EXISTS", "TOUCH"])
  return Cmd([name] + ks, touched=on_keys(ctx, ks))


def gen_type(ctx):
  k = ctx.key()
  return Cmd(["TYPE", k], touched=on_keys(ctx, [k]))


def _expire_opts(ctx):
  """NX/XX need no care; GT/LT get a unique deadline (see context.py)."""
  r = ctx.rng.random()
  if r < 0.5:
    return [], False
  if r < 0.7:
    return [ctx.choice(["NX", "XX"])], False
  if r < 0.95:
    return [ctx.choice(["GT", "LT"])], True
  return [ctx.choice(["NX", "GT", "FOO"]), ctx.choice(["XX", "LT"])], True


def gen_expire(ctx):
  k = ctx.key()
  name = ctx.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
  ms = name.startswith("P")
  absolute = name.endswith("AT")
  opts, compares = _expire_opts(ctx)
  short = False
  r = ctx.rng.random()
  if r < 0.08:
    # A deadline that passes at once or within 1 ms.
    when = ctx.past_abs(ms) if absolute else ctx.choice(
        ["0", "-5", "1"] if ms else ["0", "-5"])
    short = True
  elif r < 0.14:
    when = ctx.invalid_ttl(ms)
  elif compares:
    when = ctx.unique_abs(ms) if absolute else ctx.unique_ttl(ms)
  else:
    when = ctx.common_abs(ms) if absolute else ctx.common_ttl(ms)
  return Cmd([name, k, when] + opts, touched=on_keys(ctx, [k]),
             fresh=on_keys(ctx, [k]) if short else ())


def gen_ttl(ctx):
  k = ctx.key()
  name = ctx.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])
  # Relative deadlines were set a few ms apart on the two servers.
  tolerance = 1000 if name.startswith("P") else 1
  return Cmd([name, k], touched=on_keys(ctx, [k]),
             compare=("approx", tolerance))


def gen_persist(ctx):
  k = ctx.key()
  return Cmd(["PERSIST", k], touched=on_keys(ctx, [k]))


def gen_rename(ctx):
  a, b = ctx.key(), ctx.key()
  name = ctx.choice(["RENAME", "RENAMENX"])
  return Cmd([name, a, b], touched=on_keys(ctx, [a, b]))


def gen_copy(ctx):
  a, b = ctx.key(), ctx.key()
  args = ["COPY", a, b]
  dst_db = ctx.db
  if ctx.chance(0.4):
    if ctx.chance(0.9):
      dst_db = ctx.other_db()
      args += ["DB", str(dst_db)]
    else:
      args += ["DB", ctx.choice(["16", "-1", "abc"])]
  if ctx.chance(0.4):
    args.append("REPLACE")
  return Cmd(args, touched=[(ctx.db, a), (dst_db, b)])


def gen_move(ctx):
  k = ctx.key()
  if ctx.chance(0.9):
    db = ctx.other_db()
    return Cmd(["MOVE", k, str(db)], touched=[(ctx.db, k), (db, k)])
  return Cmd(["MOVE", k, ctx.choice(["16", "-1", "x"])],
             touched=on_keys(ctx, [k]))


def gen_keys(ctx):
  return Cmd(["KEYS", ctx.choice(KEY_PATTERNS)], whole_dbs=[ctx.db],
             compare="sort")


def gen_dbsize(ctx):
  # Expired keys still stored would be counted until something removes
  # them, at a moment that differs between servers: look them up first.
  pending = ctx.pending_in(ctx.db)
  before = []
  if pending:
    db = ctx.db

    def effect(c):
      c.swept(db, pending)
    before.append(Cmd(["EXISTS"] + pending, touched=on_keys(ctx, pending),
                      effect=effect, mutable=False))
  return Cmd(["DBSIZE"], whole_dbs=[ctx.db], before=before, mutable=False)


def gen_select(ctx):
  if ctx.chance(0.9):
    db = ctx.choice(DBS)

    def effect(c):
      c.db = db
    return Cmd(["SELECT", str(db)], effect=effect, mutable=False)
  return Cmd(["SELECT", ctx.choice(["16", "-1", "abc", ""])], mutable=False)


def gen_swapdb(ctx):
  a, b = ctx.choice(DBS), ctx.choice(DBS)
  if ctx.chance(0.1):
    return Cmd(["SWAPDB", str(a), ctx.choice(["16", "-1", "x"])],
               mutable=False)

  def effect(c):
    c.swap_dbs(a, b)
  return Cmd(["SWAPDB", str(a), str(b)], effect=effect, mutable=False)


def gen_flush(ctx):
  if ctx.chance(0.8):
    db = ctx.db
    opt = ctx.choice([[], ["SYNC"], ["ASYNC"]])

    def effect(c):
      c.flush_db(db)
    return Cmd(["FLUSHDB"] + opt, effect=effect, mutable=False)
  opt = ctx.choice([[], ["SYNC"], ["ASYNC"]])

  def effect_all(c):
    c.flush_all()
  return Cmd(["FLUSHALL"] + opt, effect=effect_all, mutable=False)


def gen_object(ctx):
  k = ctx.key()
  sub = ctx.choice(["ENCODING", "ENCODING", "REFCOUNT", "NOSUCH"])
  return Cmd(["OBJECT", sub, k], touched=on_keys(ctx, [k]))


def gen_conn(ctx):
  r = ctx.rng.random()
  if r < 0.4:
    return Cmd(["PING"] + ([ctx.small_value()] if ctx.chance(0.5) else []))
  if r < 0.8:
    return Cmd(["ECHO", ctx.value()])
  return Cmd([ctx.choice(["NOSUCHCMD", "GETT", "OBJECT"]), ctx.key()])


COMMANDS = [
    (4, gen_del), (4, gen_exists), (2, gen_type), (8, gen_expire),
    (6, gen_ttl), (2, gen_persist), (3, gen_rename), (2, gen_copy),
    (2, gen_move), (1, gen_keys), (1, gen_dbsize), (2, gen_select),
    (0.3, gen_swapdb), (0.15, gen_flush), (2, gen_object), (2, gen_conn),
]
