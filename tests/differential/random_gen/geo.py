"""Random generators for the geo commands (GEOADD ... GEORADIUSBYMEMBER_RO).

Functions take a GenContext and return a Cmd; see random_gen/__init__.py.
Geo sets are sorted sets, so they share keys (and WRONGTYPE paths) with every
family. Points cluster around a few places so searches find several members;
coordinates include the limits and out-of-range values. Unsorted searches
are compared as sent: Vireo scans the geohash cells in Redis's order.
"""

from random_gen.cmd import Cmd, on_keys

PLACES = [(13.361389, 38.115556), (15.087269, 37.502669), (-122.27652, 37.805186), (0.0, 0.0),
          (179.9999, 85.05), (-180, -85.05112878), (2.352222, 48.856613)]
BAD_COORDS = [("181", "0"), ("0", "86"), ("abc", "1"), ("1", "nan"), ("", "5"), ("-180.0001", "0")]
MEMBERS = ["Palermo", "Catania", "a", "b", "c", "p%d", "", "1", "\x00"]
UNITS = ["m", "km", "mi", "ft", "KM", "yd"]


def _member(ctx):
  m = ctx.choice(MEMBERS)
  return m % ctx.rng.randint(0, 30) if "%" in m else m


def _coord(ctx):
  if ctx.chance(0.05):
    return list(ctx.choice(BAD_COORDS))
  lon, lat = ctx.choice(PLACES)
  lon = max(-180.0, min(180.0, lon + ctx.rng.uniform(-0.5, 0.5)))
  lat = max(-85.05112878, min(85.05112878, lat + ctx.rng.uniform(-0.5, 0.5)))
  return ["%.6f" % lon, "%.6f" % lat]


def gen_geoadd(ctx):
  k = ctx.key()
  args = ["GEOADD", k]
  for opt in ("NX", "XX", "CH"):
    if ctx.chance(0.1):
      args.append(opt)
  for _ in range(ctx.rng.randint(1, 4)):
    args += _coord(ctx) + [_member(ctx)]
  return Cmd(args, touched=on_keys(ctx, [k]))


def gen_read(ctx):
  k = ctx.key()
  r = ctx.rng.random()
  if r < 0.35:
    return Cmd(["GEOPOS", k] + [_member(ctx) for _ in range(ctx.rng.randint(1, 3))], touched=on_keys(ctx, [k]))
  if r < 0.7:
    args = ["GEODIST", k, _member(ctx), _member(ctx)]
    if ctx.chance(0.6):
      args.append(ctx.choice(UNITS))
    return Cmd(args, touched=on_keys(ctx, [k]))
  return Cmd(["GEOHASH", k] + [_member(ctx) for _ in range(ctx.rng.randint(1, 3))], touched=on_keys(ctx, [k]))


def _shape(ctx):
  if ctx.chance(0.5):
    return ["BYRADIUS", ctx.choice(["0", "1", "50", "200", "5000", "-1", "abc"]), ctx.choice(UNITS)]
  return ["BYBOX", ctx.choice(["1", "100", "400"]), ctx.choice(["1", "100", "300", "-5"]), ctx.choice(UNITS)]


def _options(ctx, store=False):
  out = []
  if ctx.chance(0.5):
    out.append(ctx.choice(["ASC", "DESC"]))
  if ctx.chance(0.4):
    out += ["COUNT", ctx.choice(["1", "3", "10", "0", "-1"])]
    if ctx.chance(0.3):
      out.append("ANY")
  if not store:
    for opt in ("WITHCOORD", "WITHDIST", "WITHHASH"):
      if ctx.chance(0.3):
        out.append(opt)
  elif ctx.chance(0.5):
    out.append("STOREDIST")
  return out


def _cut_by_count(args):
  """COUNT without ANY: Redis sorts with its own unstable partial quicksort
  (pqsort), so members at equal distances (zset members sharing a score)
  come out in an order, and are cut at COUNT, in a way Vireo does not
  reproduce. Such replies are compared by length; stores never cut so."""
  return "COUNT" in args and "ANY" not in args


def gen_search(ctx):
  k = ctx.key()
  origin = (["FROMMEMBER", _member(ctx)] if ctx.chance(0.5) else ["FROMLONLAT"] + _coord(ctx))
  if ctx.chance(0.3):
    dst = ctx.key()
    opts = _options(ctx, store=True)
    if _cut_by_count(opts):
      opts.append("ANY")
    return Cmd(["GEOSEARCHSTORE", dst, k] + origin + _shape(ctx) + opts,
               touched=on_keys(ctx, [k, dst]))
  opts = _options(ctx)
  return Cmd(["GEOSEARCH", k] + origin + _shape(ctx) + opts, touched=on_keys(ctx, [k]),
             compare="len" if _cut_by_count(opts) else None)


def gen_radius(ctx):
  k = ctx.key()
  if ctx.chance(0.5):
    head = [ctx.choice(["GEORADIUS", "GEORADIUS_RO"]), k] + _coord(ctx)
  else:
    head = [ctx.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"]), k, _member(ctx)]
  args = head + [ctx.choice(["10", "100", "500", "0"]), ctx.choice(UNITS)] + _options(ctx)
  touched = [k]
  if not head[0].endswith("_RO") and ctx.chance(0.2):
    dst = ctx.key()
    args = [a for a in args if a not in ("WITHCOORD", "WITHDIST", "WITHHASH")]
    if _cut_by_count(args):
      args.append("ANY")
    args += [ctx.choice(["STORE", "STOREDIST"]), dst]
    touched.append(dst)
    return Cmd(args, touched=on_keys(ctx, touched))
  return Cmd(args, touched=on_keys(ctx, touched), compare="len" if _cut_by_count(args) else None)


COMMANDS = [(6, gen_geoadd), (4, gen_read), (5, gen_search), (3, gen_radius)]
