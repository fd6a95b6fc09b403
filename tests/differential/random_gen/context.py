"""State shared by the random command generators of every family.

A GenContext picks keys, values and options from a seeded RNG and tracks the
little state needed to keep generated sequences deterministic on two servers
that run them a few milliseconds apart:

  * which keys were given a 1 ms (or already past) deadline in the current
    batch ("fresh"): nothing may read them until the batch is over and the
    deadline has surely passed, since whether they still exist would depend
    on timing;
  * which keys may be expired but still stored ("pending"): DBSIZE counts
    those until a lookup or the active expire cycle removes them, so they are
    swept with EXISTS right before any DBSIZE;
  * which database the connection has selected.

Single-threaded; one context per generated sequence.
"""

import random

# The key space: small, so commands collide often.  "lcs*" keys only ever
# hold short values (LCS costs O(n*m)): they are not in KEYS_MAIN, so no
# rename, copy or append can make them big.
KEYS_MAIN = ["k%d" % i for i in range(22)] + [
    "", "bin\x00key", b"\xff\xfe", "{tag}a", "{tag}b", "key with space"]
KEYS_LCS = ["lcs0", "lcs1", "lcs2", "lcs3"]
DBS = [0, 1, 2]

# Relative TTLs (seconds) for commands that do not compare deadlines.
COMMON_TTLS = [1000, 5000, 20000, 100000, 9223372036854]
# GT/LT compare the new deadline with the old one.  Equal relative TTLs set
# in the same millisecond or not would compare differently, so GT/LT only
# ever use unique TTLs, far (>= 1000 s) from each other and from the common
# ones; the <60 s a run lasts can never change an ordering.
UNIQUE_TTL_BASE = 1000000
UNIQUE_TTL_STEP = 1000

INT64_MAX = 9223372036854775807
INT64_MIN = -9223372036854775808


class GenContext:
  """See the module comment."""

  def __init__(self, seed, base_time):
    self.rng = random.Random(seed)
    self.base_time = base_time      # unix seconds, same for both servers
    self.db = 0
    self.unique_counter = 0
    self.fresh = set()              # {(db, key)} with a deadline this batch
    self.pending = set()            # {(db, key)} expired, maybe still stored

  # -- randomness helpers -------------------------------------------------------

  def chance(self, p):
    return self.rng.random() < p

  def choice(self, seq):
    return self.rng.choice(seq)

  def key(self):
    return self.rng.choice(KEYS_MAIN)

  def keys(self, lo=1, hi=4):
    return [self.key() for _ in range(self.rng.randint(lo, hi))]

  def lcs_key(self):
    return self.rng.choice(KEYS_LCS)

  def other_db(self):
    return self.rng.choice(DBS)

  def int_value(self):
    r = self.rng.random()
    if r < 0.5:
      return str(self.rng.randint(-100, 100))
    if r < 0.7:
      return str(self.rng.randint(-10**12, 10**12))
    if r < 0.9:
      return str(self.rng.choice([INT64_MAX, INT64_MIN, INT64_MAX - 1,
                                  INT64_MIN + 1, INT64_MAX - 100,
                                  INT64_MIN + 100]))
    return self.rng.choice(["9223372036854775808", "-9223372036854775809",
                            "18446744073709551615", "007", "-0", "+5",
                            " 5", "5 ", "0x10", "1e3", ""])

  def float_value(self):
    return self.rng.choice([
        "1.5", "-0.25", "0.1", "3e10", "1e308", "-1e308", "1e-300", "2.5e-5",
        "17.0000000000000001", "123456789.123456789", "0", "-0", "0.0", "10",
        "inf", "-inf", "nan", "1e400", "abc", ".5", "5.", "1.2.3", " 1.5",
        str(self.rng.uniform(-1000, 1000)),
        str(self.rng.randint(-10**6, 10**6) / 8.0)])

  def binary_value(self):
    n = self.rng.randint(0, 20)
    return bytes(self.rng.getrandbits(8) for _ in range(n))

  def short_string(self):
    return self.rng.choice(["a", "foo", "bar", "hello world", "ohmytext",
                            "mynewtext", "abcabcabc", "x" * 44, "y" * 45,
                            "tEsT", "\x00", "a\r\nb"])

  def long_string(self):
    n = self.rng.randint(100, 3000)
    ch = self.rng.choice("abcxyz")
    return ch * n

  def value(self):
    r = self.rng.random()
    if r < 0.3:
      return self.int_value()
    if r < 0.45:
      return self.float_value()
    if r < 0.5:
      return ""
    if r < 0.6:
      return self.binary_value()
    if r < 0.97:
      return self.short_string()
    return self.long_string()

  def small_value(self):
    """For APPEND and the lcs keys: keeps strings from growing huge."""
    r = self.rng.random()
    if r < 0.3:
      return str(self.rng.randint(-100, 100))
    if r < 0.4:
      return self.binary_value()
    if r < 0.45:
      return ""
    return self.short_string()

  def index(self):
    r = self.rng.random()
    if r < 0.8:
      return str(self.rng.randint(-60, 60))
    if r < 0.9:
      return str(self.rng.choice([INT64_MAX, INT64_MIN, 0, -1]))
    return self.rng.choice(["abc", "1.5", "", "99999999999999999999"])

  def common_ttl(self, ms=False):
    r = self.rng.random()
    if r < 0.85:
      v = self.rng.choice(COMMON_TTLS)
      return str(v * 1000 + self.rng.randint(0, 999)) if ms else str(v)
    return self.invalid_ttl(ms)

  def invalid_ttl(self, ms=False):
    return self.rng.choice(["0", "-1", "-100", "abc", "1.5", "",
                            str(INT64_MAX), str(INT64_MIN),
                            "9223372036854775808",
                            "9223372036854775" if not ms else "0"])

  def unique_ttl(self, ms=False):
    self.unique_counter += 1
    v = UNIQUE_TTL_BASE + self.unique_counter * UNIQUE_TTL_STEP
    return str(v * 1000 + self.rng.randint(0, 999)) if ms else str(v)

  def unique_abs(self, ms=False):
    self.unique_counter += 1
    v = self.base_time + UNIQUE_TTL_BASE + self.unique_counter * UNIQUE_TTL_STEP
    return str(v * 1000 + self.rng.randint(0, 999)) if ms else str(v)

  def common_abs(self, ms=False):
    v = self.base_time + self.rng.choice([3000, 50000, 400000])
    return str(v * 1000 + self.rng.randint(0, 999)) if ms else str(v)

  def past_abs(self, ms=False):
    v = self.rng.choice([1, self.base_time - 100, 0])
    return str(v * 1000) if ms else str(v)

  # -- determinism bookkeeping ----------------------------------------------------

  def conflicts(self, touched, whole_dbs=()):
    """True if a command reading `touched` [(db, key)] or whole databases
    would depend on whether a fresh key has expired yet."""
    for dk in touched:
      if dk in self.fresh:
        return True
    for db in whole_dbs:
      if any(d == db for d, _ in self.fresh):
        return True
    return False

  def swept(self, db, keys):
    # EXISTS looked these up, which deletes them if expired.  (Other
    # commands may fail on an argument before any lookup, so only this
    # explicit sweep clears pending keys.)
    self.pending -= {(db, k) for k in keys}

  def mark_fresh(self, dk):
    self.fresh.add(dk)

  def end_batch(self):
    """Returns True if the caller must wait for fresh deadlines to pass."""
    had = bool(self.fresh)
    self.pending |= self.fresh
    self.fresh = set()
    return had

  def swap_dbs(self, a, b):
    def swap(s):
      return {((b if d == a else a if d == b else d), k) for d, k in s}
    self.fresh = swap(self.fresh)
    self.pending = swap(self.pending)

  def flush_db(self, db):
    self.fresh = {x for x in self.fresh if x[0] != db}
    self.pending = {x for x in self.pending if x[0] != db}

  def flush_all(self):
    self.fresh = set()
    self.pending = set()

  def pending_in(self, db):
    return sorted((k for d, k in self.pending if d == db),
                  key=lambda k: k if isinstance(k, bytes) else k.encode())
