"""Random MULTI/EXEC blocks: WATCH on a few keys, sometimes a write to one
of them (the EXEC then answers a null array on both servers), MULTI, a few
commands drawn from the other families, EXEC. The block is one composite
Cmd (the queued commands go in `before`), so the generator's conflict rules
see every key it touches and no watched key's deadline can pass between
WATCH and EXEC on one server only.

Queued commands whose replies are compared sorted (SMEMBERS...) are left
out: inside EXEC's array their order would make the comparison flaky.
"""

from random_gen.cmd import Cmd, on_keys


def _inner_table():
  # Imported here: the family table includes this module.
  from random_gen import FAMILIES
  table = []
  for family in FAMILIES:
    if family.__name__.endswith("transactions"):
      continue
    table.extend(family.COMMANDS)
  return table


_TABLE = []


def _draw_inner(ctx):
  if not _TABLE:
    _TABLE.extend(_inner_table())
  funcs = [f for _, f in _TABLE]
  weights = [w for w, _ in _TABLE]
  for _ in range(10):
    cmd = ctx.rng.choices(funcs, weights)[0](ctx)
    if cmd is None or cmd.compare is not None or cmd.before:
      continue
    # SELECT/SWAPDB/FLUSH* inside a block would move the generator's idea
    # of the current database under the later commands: keep them out.
    if cmd.args[0].upper() in ("SELECT", "SWAPDB", "FLUSHDB", "FLUSHALL", "MOVE", "COPY"):
      continue
    return cmd
  return None


def gen_transaction(ctx):
  watched = ctx.keys(0, 2) if ctx.chance(0.6) else []
  before = []
  touched = list(on_keys(ctx, watched))
  whole = []
  if watched:
    before.append(Cmd(["WATCH"] + watched, mutable=False))
    if ctx.chance(0.3):
      # A change to a watched key before MULTI: EXEC must fail.
      before.append(Cmd(["SET", watched[0], ctx.small_value()], mutable=False))
  before.append(Cmd(["MULTI"], mutable=False))
  for _ in range(ctx.rng.randint(0, 4)):
    inner = _draw_inner(ctx)
    if inner is None:
      continue
    touched += inner.touched
    whole += inner.whole_dbs
    before.append(inner)
  return Cmd(["EXEC"], touched=touched, whole_dbs=whole, before=before)


def gen_unwatch(ctx):
  return Cmd(["UNWATCH"])


COMMANDS = [
    (3, gen_transaction),
    (1, gen_unwatch),
]
