"""Cmd: one generated command plus what the runner needs to keep the
sequence deterministic and to compare its reply.

Plain data, no behaviour beyond small helpers; not shared between threads.
"""


class Cmd:
  """A command to send, the keys it reads or writes ((db, key) pairs), the
  databases it reads whole (KEYS, DBSIZE), the keys it gives a deadline that
  may pass mid-batch, an optional effect on the generator state applied once
  the command is accepted, and how its reply is compared:
  None = exact bytes, "sort" = top-level elements sorted, ("approx", n) =
  integers within n of each other (TTLs read a few ms apart), "len" = the
  same first line (reply type and element count)."""

  __slots__ = ("args", "touched", "whole_dbs", "fresh", "effect", "compare",
               "mutable", "before")

  def __init__(self, args, touched=(), whole_dbs=(), fresh=(), effect=None,
               compare=None, mutable=True, before=()):
    self.args = list(args)
    self.touched = list(touched)
    self.whole_dbs = tuple(whole_dbs)
    self.fresh = list(fresh)
    self.effect = effect
    self.compare = compare
    self.mutable = mutable
    self.before = list(before)   # Cmds to send first (e.g. EXISTS sweeps)


def on_keys(ctx, keys):
  """(db, key) pairs for keys of the selected database."""
  return [(ctx.db, k) for k in keys]
