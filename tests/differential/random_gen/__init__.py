"""Random command generators, one module per command family.

Each family module exports COMMANDS: a list of (weight, function) where the
function takes a GenContext and returns a Cmd (or None to skip).  A new
family (lists, hashes...) adds a module and one line to FAMILIES.
"""

from random_gen import generic, strings
from random_gen import hashes
from random_gen import lists
from random_gen import sets
from random_gen import zsets
from random_gen import bitmaps
from random_gen import transactions
from random_gen import streams
from random_gen import geo

FAMILIES = [strings, generic, hashes, lists, sets, zsets, bitmaps, transactions, streams, geo]


def weighted_commands():
  table = []
  for family in FAMILIES:
    table.extend(family.COMMANDS)
  return table
