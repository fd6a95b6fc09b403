#!/usr/bin/env python3
"""Checks that includes follow the layer order drawn in ARCHITECTURE.md:

    base <- net, resp <- types <- engine <- commands <- server

A file may include its own layer and the layers below it, never one above
(src/commands must not include src/server, the engine must not include
commands...). Persistence, replication, scripting, acl and cluster sit beside
the server and may use everything but the server; the manager is Python.
Prints each violation; the last line is "layers: N passed, M failed".
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# What each layer may include (besides itself and the standard library).
ALLOWED = {
    "base": set(),
    "net": {"base"},
    "resp": {"base"},
    "types": {"base", "resp"},
    "engine": {"base", "types"},
    "commands": {"base", "net", "resp", "types", "engine"},
    "persistence": {"base", "net", "resp", "types", "engine", "commands"},
    "replication": {"base", "net", "resp", "types", "engine", "commands", "persistence"},
    "scripting": {"base", "net", "resp", "types", "engine", "commands"},
    "acl": {"base", "net", "resp", "types", "engine", "commands"},
    "cluster": {"base", "net", "resp", "types", "engine", "commands"},
    "forwarder": {"base"},
    "server": {"base", "net", "resp", "types", "engine", "commands", "persistence", "replication",
               "scripting", "acl", "cluster"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main():
  checked = 0
  bad = []
  for dirpath, _, files in os.walk(ROOT):
    rel = os.path.relpath(dirpath, ROOT)
    layer = rel.split(os.sep)[0]
    if layer not in ALLOWED:
      continue
    for name in files:
      if not name.endswith((".h", ".cc", ".inc")):
        continue
      path = os.path.join(dirpath, name)
      checked += 1
      with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
          m = INCLUDE.match(line)
          if not m:
            continue
          target = m.group(1)
          if target == layer or target not in ALLOWED:
            continue
          if target not in ALLOWED[layer]:
            bad.append("src/%s/%s:%d includes %s/ (layer %s may use: %s)" %
                       (rel, name, lineno, target, layer, ", ".join(sorted(ALLOWED[layer])) or "nothing"))
  for b in bad:
    print(b)
  print("layers: %d passed, %d failed" % (checked - len(bad), len(bad)))
  return 1 if bad else 0


if __name__ == "__main__":
  sys.exit(main())
