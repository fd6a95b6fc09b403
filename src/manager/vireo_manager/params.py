"""Cache parameter definitions: types, allowed values, defaults, change type.

A parameter group is a named set of overrides on these defaults. "immediate"
parameters are pushed to every member with CONFIG SET when changed;
"requires-reboot" ones are written to the node config and take effect at the
node's next restart. Immutable tables and pure functions: thread-safe.
"""

from .errors import invalid

_POLICIES = ("volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu",
             "volatile-random", "allkeys-random", "volatile-ttl", "noeviction")

# name -> (data type, allowed (range tuple, enum tuple or None), default,
#          change type, description)
PARAMETERS = {
    "maxmemory-policy": ("string", _POLICIES, "volatile-lru", "immediate",
                         "Eviction policy when maxmemory is reached."),
    "maxmemory-samples": ("integer", (1, 64), "5", "immediate",
                          "Keys sampled per eviction decision."),
    "timeout": ("integer", (0, 2147483647), "0", "immediate",
                "Close idle clients after this many seconds (0: never)."),
    "tcp-keepalive": ("integer", (0, 2147483647), "300", "immediate",
                      "TCP keepalive interval in seconds."),
    "notify-keyspace-events": ("string", None, "", "immediate",
                               "Keyspace notification classes."),
    "slowlog-log-slower-than": ("integer", (-1, 2147483647), "10000",
                                "immediate", "Slow log threshold (us)."),
    "slowlog-max-len": ("integer", (0, 2147483647), "128", "immediate",
                        "Slow log length."),
    "appendonly": ("boolean", ("yes", "no"), "no", "immediate",
                   "Append-only file persistence."),
    "appendfsync": ("string", ("always", "everysec", "no"), "everysec",
                    "immediate", "AOF fsync policy."),
    "lazyfree-lazy-eviction": ("boolean", ("yes", "no"), "no", "immediate",
                               "Free evicted values in the background."),
    "repl-backlog-size": ("integer", (16384, 2**40), "1048576", "immediate",
                          "Replication backlog size in bytes."),
    "maxclients": ("integer", (1, 65000), "10000", "immediate",
                   "Maximum number of client connections."),
    "databases": ("integer", (1, 1200000), "16", "requires-reboot",
                  "Number of logical databases."),
}

FAMILIES = ("redis7", "vireo1")
DEFAULT_GROUP = "default.redis7"


def check_value(name, value):
  """Raises InvalidParameterValue unless `value` suits parameter `name`."""
  spec = PARAMETERS.get(name)
  if spec is None:
    raise invalid(f"Unknown parameter {name!r}.")
  kind, allowed, _, _, _ = spec
  if value is None or len(value) > 1024 or "\n" in value or "\r" in value:
    raise invalid(f"Invalid value for parameter {name}.")
  if kind == "integer":
    try:
      n = int(value)
    except ValueError:
      raise invalid(f"Parameter {name} must be an integer, got "
                    f"{value!r}.") from None
    if not allowed[0] <= n <= allowed[1]:
      raise invalid(f"Parameter {name} must be between {allowed[0]} and "
                    f"{allowed[1]}.")
  elif allowed is not None and value not in allowed:
    raise invalid(f"Parameter {name} must be one of {', '.join(allowed)}.")
  elif name == "notify-keyspace-events" and any(
      c not in "KEg$lshzxeAtmdn" for c in value):
    raise invalid("notify-keyspace-events may only contain the classes "
                  "KEg$lshzxeAtmdn.")


def effective(overrides):
  """Full parameter -> value map for a group's overrides."""
  out = {name: spec[2] for name, spec in PARAMETERS.items()}
  out.update(overrides or {})
  return out


def describe(overrides):
  """ElastiCache-shaped Parameters list for DescribeCacheParameters."""
  result = []
  for name, (kind, allowed, default, change, desc) in PARAMETERS.items():
    value = (overrides or {}).get(name, default)
    if kind == "integer":
      allowed_text = f"{allowed[0]}-{allowed[1]}"
    else:
      allowed_text = ",".join(allowed) if allowed else ""
    result.append({
        "ParameterName": name, "ParameterValue": value,
        "Description": desc,
        "Source": "user" if name in (overrides or {}) else "system",
        "DataType": kind, "AllowedValues": allowed_text,
        "IsModifiable": True, "MinimumEngineVersion": "7.0.0",
        "ChangeType": change})
  return result
