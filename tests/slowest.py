"""A unittest result mixin that times each test case, so a suite can end
with its slowest cases: what to look at first when CI time grows.

Used by tests/integration/run.py and tests/manager/run.py.
"""

import time
import unittest


class TimingResult(unittest.TextTestResult):
  """Records the wall time of every test case (setUp/tearDown included;
  class fixtures are charged to the first and last case of a class)."""

  def __init__(self, *args, **kwargs):
    super().__init__(*args, **kwargs)
    self.durations = []  # (seconds, test id)
    self._started = 0.0

  def startTest(self, test):
    self._started = time.monotonic()
    super().startTest(test)

  def stopTest(self, test):
    super().stopTest(test)
    self.durations.append((time.monotonic() - self._started, test.id()))


def print_slowest(result, stream, count=12):
  """Prints the `count` slowest modules and cases, and the share of the run
  they took."""
  durations = sorted(getattr(result, "durations", []), reverse=True)
  if not durations:
    return
  total = sum(d for d, _ in durations)
  modules = {}
  for seconds, name in durations:
    module = name.split(".")[0]
    modules[module] = modules.get(module, 0.0) + seconds
  stream.write("slowest modules:\n")
  for module, seconds in sorted(modules.items(), key=lambda m: -m[1])[:count]:
    stream.write("  %6.1f s  %s\n" % (seconds, module))
  top = durations[:count]
  stream.write("slowest %d of %d cases (%.0f s of %.0f s):\n" %
               (len(top), len(durations), sum(d for d, _ in top), total))
  for seconds, name in top:
    stream.write("  %6.1f s  %s\n" % (seconds, name))
  stream.flush()
