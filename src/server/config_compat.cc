// Compatibility rows: every Redis 7.0.15 directive that Vireo does not
// implement as an option of its own (config_table.cc), so that a stock
// redis.conf starts. Each row checks a value exactly as Redis would (same
// syntax, bounds and reason texts) and keeps it for CONFIG GET. The rule for
// what is accepted:
//   - a directive that only tunes something Vireo does differently or does
//     not run (replication, cluster, TLS, I/O threads...)
//     accepts every value Redis accepts;
//   - a directive whose other values ask for a behaviour Vireo lacks
//     (cluster-enabled yes, unixsocket...) accepts
//     only Redis's default and refuses the rest, saying what is missing.
// The facts (names, defaults, bounds, immutability) are Redis 7.0.15's, read
// from a running redis-server with CONFIG GET/SET.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/ascii.h"
#include "server/config_table.h"
#include "server/config_values.h"

namespace vireo {
namespace {

// How a directive's value is read; the parsers follow Redis's config types.
enum class Kind {
  kBool,
  kInt,              // signed decimal within [lo, hi]
  kMemory,           // memory value within [lo, hi]
  kEnum,             // one of `choices`
  kEnumFlags,        // one or more of `choices` (shutdown-on-sigterm)
  kString,           // any single word
  kOctal,            // unixsocketperm
  kHostname,         // cluster-announce-hostname
  kOomValues,        // three integers in [-2000, 2000]
  kPercentiles,      // latency-tracking-info-percentiles
  kProcTitle,        // proc-title-template
  kReplicaOf,        // "no one" or "<host> <port>"
};

constexpr long long kIntMax = 2147483647LL;
constexpr long long kLongMax = 9223372036854775807LL;

struct CompatRow {
  std::string_view name;
  Kind kind = Kind::kString;
  std::string_view def;  // Redis's default, as CONFIG GET shows it
  long long lo = 0;
  long long hi = 0;
  std::string_view choices;  // kEnum/kEnumFlags: comma-separated, Redis's order
  std::string_view alias;
  unsigned flags = 0;
  // Non-empty: only the default is accepted, and this names what another
  // value would ask for.
  std::string_view lacks;

  constexpr CompatRow Alias(std::string_view a) const {
    CompatRow r = *this;
    r.alias = a;
    return r;
  }
  constexpr CompatRow Flags(unsigned f) const {
    CompatRow r = *this;
    r.flags |= f;
    return r;
  }
  constexpr CompatRow Lacks(std::string_view what) const {
    CompatRow r = *this;
    r.lacks = what;
    return r;
  }
};

constexpr CompatRow Row(std::string_view name, Kind kind, std::string_view def) {
  CompatRow r;
  r.name = name;
  r.kind = kind;
  r.def = def;
  return r;
}
constexpr CompatRow Bool(std::string_view name, std::string_view def) {
  return Row(name, Kind::kBool, def);
}
constexpr CompatRow Int(std::string_view name, std::string_view def, long long lo, long long hi) {
  CompatRow r = Row(name, Kind::kInt, def);
  r.lo = lo;
  r.hi = hi;
  return r;
}
constexpr CompatRow Memory(std::string_view name, std::string_view def, long long lo,
                           long long hi) {
  CompatRow r = Row(name, Kind::kMemory, def);
  r.lo = lo;
  r.hi = hi;
  return r;
}
constexpr CompatRow Enum(std::string_view name, std::string_view def, std::string_view choices) {
  CompatRow r = Row(name, Kind::kEnum, def);
  r.choices = choices;
  return r;
}
constexpr CompatRow Flagset(std::string_view name, std::string_view def,
                           std::string_view choices) {
  CompatRow r = Row(name, Kind::kEnumFlags, def);
  r.choices = choices;
  r.flags = kConfigMultiArg;
  return r;
}
constexpr CompatRow Str(std::string_view name, std::string_view def = "") {
  return Row(name, Kind::kString, def);
}
constexpr CompatRow Special(std::string_view name, Kind kind, std::string_view def) {
  return Row(name, kind, def);
}

constexpr unsigned kImmutable = kConfigImmutable;

// Alphabetical, one row per directive (an old alias on the row of the new name).
constexpr CompatRow kRows[] = {
    Bool("activerehashing", "yes"),
    Bool("always-show-logo", "no").Flags(kImmutable),
    Str("aof_rewrite_cpulist").Flags(kImmutable),
    Str("bgsave_cpulist").Flags(kImmutable),
    Str("bind-source-addr"),
    Str("bio_cpulist").Flags(kImmutable),
    Bool("cluster-allow-pubsubshard-when-down", "yes"),
    Bool("cluster-allow-reads-when-down", "no"),
    Bool("cluster-allow-replica-migration", "yes"),
    Int("cluster-announce-bus-port", "0", 0, 65535),
    Special("cluster-announce-hostname", Kind::kHostname, ""),
    Str("cluster-announce-ip"),
    Int("cluster-announce-port", "0", 0, 65535),
    Int("cluster-announce-tls-port", "0", 0, 65535),
    Str("cluster-config-file", "nodes.conf").Flags(kImmutable),
    Bool("cluster-enabled", "no").Flags(kImmutable).Lacks("cluster mode"),
    Memory("cluster-link-sendbuf-limit", "0", 0, kLongMax),
    Int("cluster-migration-barrier", "1", 0, kIntMax),
    Int("cluster-node-timeout", "15000", 0, kLongMax),
    Int("cluster-port", "0", 0, 65535).Flags(kImmutable),
    Enum("cluster-preferred-endpoint-type", "ip", "ip,hostname,unknown-endpoint"),
    Bool("cluster-replica-no-failover", "no").Alias("cluster-slave-no-failover"),
    Int("cluster-replica-validity-factor", "10", 0, kIntMax).Alias("cluster-slave-validity-factor"),
    Bool("cluster-require-full-coverage", "yes"),
    Bool("crash-log-enabled", "yes"),
    Bool("crash-memcheck-enabled", "yes"),
    Bool("disable-thp", "yes").Flags(kImmutable),
    Bool("dynamic-hz", "yes"),
    Enum("enable-module-command", "no", "no,yes,local").Flags(kImmutable).Lacks("the MODULE command"),
    Enum("enable-protected-configs", "no", "no,yes,local")
        .Flags(kImmutable)
        .Lacks("CONFIG SET of protected configs"),
    Memory("hll-sparse-max-bytes", "3000", 0, kLongMax),
    Str("ignore-warnings"),
    Int("io-threads", "1", 1, 128).Flags(kImmutable),
    Bool("io-threads-do-reads", "no").Flags(kImmutable),
    Bool("jemalloc-bg-thread", "yes"),
    Str("masterauth"),
    Str("masteruser"),
    Int("min-replicas-max-lag", "10", 0, kIntMax).Alias("min-slaves-max-lag"),
    Int("min-replicas-to-write", "0", 0, kIntMax).Alias("min-slaves-to-write"),
    Bool("no-appendfsync-on-rewrite", "no"),
    Enum("oom-score-adj", "no", "no,yes,relative,absolute").Lacks("setting the OOM score"),
    Special("oom-score-adj-values", Kind::kOomValues, "0 200 800").Flags(kConfigMultiArg),
    Special("proc-title-template", Kind::kProcTitle, "{title} {listen-addr} {server-mode}"),
    Enum("propagation-error-behavior", "ignore", "ignore,panic,panic-on-replicas"),
    Bool("protected-mode", "yes"),
    Memory("repl-backlog-size", "1048576", 1, kLongMax),
    Int("repl-backlog-ttl", "3600", 0, kLongMax),
    Bool("repl-disable-tcp-nodelay", "no"),
    Enum("repl-diskless-load", "disabled", "disabled,on-empty-db,swapdb"),
    Bool("repl-diskless-sync", "yes"),
    Int("repl-diskless-sync-delay", "5", 0, kIntMax),
    Int("repl-diskless-sync-max-replicas", "0", 0, kIntMax),
    Int("repl-ping-replica-period", "10", 1, kIntMax).Alias("repl-ping-slave-period"),
    Int("repl-timeout", "60", 1, kIntMax),
    Str("replica-announce-ip").Alias("slave-announce-ip"),
    Int("replica-announce-port", "0", 0, 65535).Alias("slave-announce-port"),
    Bool("replica-announced", "yes"),
    Bool("replica-ignore-disk-write-errors", "no"),
    Bool("replica-ignore-maxmemory", "yes").Alias("slave-ignore-maxmemory"),
    Bool("replica-lazy-flush", "no").Alias("slave-lazy-flush"),
    Int("replica-priority", "100", 0, kIntMax).Alias("slave-priority"),
    Bool("replica-read-only", "yes").Alias("slave-read-only"),
    Bool("replica-serve-stale-data", "yes").Alias("slave-serve-stale-data"),
    Special("replicaof", Kind::kReplicaOf, "")
        .Alias("slaveof")
        .Flags(kImmutable | kConfigMultiArg),
    Str("server_cpulist").Flags(kImmutable).Lacks("pinning the server to CPUs"),
    Bool("set-proc-title", "yes").Flags(kImmutable),
    Flagset("shutdown-on-sigint", "default", "default,save,nosave,now,force")
        .Lacks("other shutdown modes on SIGINT"),
    Flagset("shutdown-on-sigterm", "default", "default,save,nosave,now,force")
        .Lacks("other shutdown modes on SIGTERM"),
    Int("shutdown-timeout", "10", 0, kIntMax),
    Int("socket-mark-id", "0", 0, 4294967295LL).Flags(kImmutable).Lacks("marking sockets"),
    Memory("stream-node-max-bytes", "4096", 0, kLongMax),
    Int("stream-node-max-entries", "100", 0, kLongMax),
    Enum("supervised", "no", "upstart,systemd,auto,no")
        .Flags(kImmutable)
        .Lacks("notifying a supervisor (systemd, upstart)"),
    Bool("syslog-enabled", "no").Flags(kImmutable).Lacks("logging to syslog"),
    Enum("syslog-facility", "local0", "user,local0,local1,local2,local3,local4,local5,local6,local7")
        .Flags(kImmutable),
    Str("syslog-ident", "redis").Flags(kImmutable),
    Enum("tls-auth-clients", "yes", "no,yes,optional"),
    Str("tls-ca-cert-dir"),
    Str("tls-ca-cert-file"),
    Str("tls-cert-file"),
    Str("tls-ciphers"),
    Str("tls-ciphersuites"),
    Str("tls-client-cert-file"),
    Str("tls-client-key-file"),
    Str("tls-client-key-file-pass"),
    Bool("tls-cluster", "no"),
    Str("tls-dh-params-file"),
    Str("tls-key-file"),
    Str("tls-key-file-pass"),
    Int("tls-port", "0", 0, 65535),
    Bool("tls-prefer-server-ciphers", "no"),
    Str("tls-protocols"),
    Bool("tls-replication", "no"),
    Int("tls-session-cache-size", "20480", 0, kIntMax),
    Int("tls-session-cache-timeout", "300", 0, kIntMax),
    Bool("tls-session-caching", "yes"),
    Str("unixsocket").Flags(kImmutable).Lacks("a Unix socket listener"),
    Special("unixsocketperm", Kind::kOctal, "0").Flags(kImmutable),
};

// redis.conf keywords that are not configs.
// rename-command is read by Config itself (a wrong argument count falls
// through to Redis's "Bad directive" text).
constexpr std::string_view kFileOnlyKeywords[] = {"include", "loadmodule", "sentinel", "user"};

std::vector<std::string_view> SplitChoices(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

bool ValidProcTitle(std::string_view t) {
  static constexpr std::string_view kVars[] = {"{title}",   "{listen-addr}", "{server-mode}",
                                               "{port}",    "{tls-port}",    "{unixsocket}",
                                               "{config-file}"};
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '}') return false;
    if (t[i] != '{') continue;
    const size_t close = t.find('}', i);
    if (close == std::string_view::npos) return false;
    bool known = false;
    for (std::string_view v : kVars) known |= t.substr(i, close - i + 1) == v;
    if (!known) return false;
    i = close;
  }
  return true;
}


// Checks `args` as Redis would for `row`; on success stores the canonical
// text (what CONFIG GET shows) in *out and returns "".
std::string Normalize(const CompatRow& row, const std::vector<std::string>& args,
                      std::string* out) {
  const std::string& a = args[0];
  switch (row.kind) {
    case Kind::kBool: {
      bool b;
      if (!ParseBool(a, &b)) return std::string(kNotBool);
      *out = b ? "yes" : "no";
      return "";
    }
    case Kind::kInt: {
      long long v;
      if (!ParseStrictInt(a, &v)) return std::string(kNotInteger);
      if (v < row.lo || v > row.hi) return RangeError(row.lo, row.hi);
      *out = std::to_string(v);
      return "";
    }
    case Kind::kMemory: {
      unsigned long long u;
      if (!ParseMemory(a, &u)) return std::string(kNotMemory);
      const long long v = static_cast<long long>(u);  // huge values go negative, as in Redis
      if (v < row.lo || v > row.hi) return RangeError(row.lo, row.hi);
      *out = std::to_string(v);
      return "";
    }
    case Kind::kEnum:
    case Kind::kEnumFlags: {
      const std::vector<std::string_view> choices = SplitChoices(row.choices);
      std::vector<bool> picked(choices.size());
      bool any = false;
      for (const std::string& word : args) {
        bool found = false;
        for (size_t i = 0; i < choices.size(); ++i) {
          if (EqualsNoCase(word, choices[i])) picked[i] = found = true;
        }
        if (!found) return EnumError(choices);
        any = true;
      }
      if (!any) return EnumError(choices);
      out->clear();
      for (size_t i = 0; i < choices.size(); ++i) {
        if (!picked[i]) continue;
        if (!out->empty()) out->push_back(' ');
        out->append(choices[i]);
      }
      return "";
    }
    case Kind::kString:
      *out = a;
      return "";
    case Kind::kOctal: {
      char* end = nullptr;
      const long v = std::strtol(a.c_str(), &end, 8);
      if (a.empty() || *end != '\0') return "argument couldn't be parsed as an octal number";
      if (v < 0 || v > 0777) return "argument must be between 0 and 777 inclusive";
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%lo", v);
      *out = buf;
      return "";
    }
    case Kind::kHostname:
      for (char c : a) {
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && c != '-' && c != '.') {
          return "Hostnames may only contain alphanumeric characters, hyphens or dots";
        }
      }
      *out = a;
      return "";
    case Kind::kOomValues: {
      if (args.size() != 3) return "wrong number of arguments";
      out->clear();
      for (const std::string& w : args) {
        long long v;
        if (!ParseStrictInt(w, &v) || v < -2000 || v > 2000) {
          return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
        }
        if (!out->empty()) out->push_back(' ');
        *out += std::to_string(v);
      }
      return "";
    }
    case Kind::kPercentiles: {
      out->clear();
      if (args.size() == 1 && args[0].empty()) return "";
      for (const std::string& w : args) {
        char* end = nullptr;
        const double v = std::strtod(w.c_str(), &end);
        if (w.empty() || *end != '\0') return "Invalid latency-tracking-info-percentiles parameters";
        if (!(v >= 0.0 && v <= 100.0)) {
          return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
        }
        if (!out->empty()) out->push_back(' ');
        *out += FormatPercentile(v);
      }
      return "";
    }
    case Kind::kProcTitle:
      if (!ValidProcTitle(a)) return "template format is invalid or contains unknown variables";
      *out = a;
      return "";
    case Kind::kReplicaOf:
      if (args.size() != 2) return "wrong number of arguments";
      if (EqualsNoCase(args[0], "no") && EqualsNoCase(args[1], "one")) {
        out->clear();
        return "";
      }
      *out = args[0] + " " + args[1];
      return "";
  }
  return "";
}

// How the accepted value is written in a config file.
std::string ShowDefault(const CompatRow& row) {
  if (row.kind == Kind::kReplicaOf) return "no one";
  return row.def.empty() ? std::string("\"\"") : std::string(row.def);
}

ConfigOption MakeOption(const CompatRow& row) {
  ConfigOption o;
  o.name = row.name;
  o.alias = row.alias;
  o.flags = row.flags;
  if (row.kind == Kind::kMemory) o.flags |= kConfigMemory;
  if (row.kind == Kind::kString || row.kind == Kind::kHostname || row.kind == Kind::kProcTitle) {
    o.flags |= kConfigString;
  }
  o.set = [row](const std::vector<std::string>& args, ServerConfig* cfg) {
    std::string value;
    // A multi-word directive given no words reads as one empty word.
    std::string why = Normalize(row, args.empty() ? std::vector<std::string>{""} : args, &value);
    if (why.empty()) cfg->compat_values[std::string(row.name)] = std::move(value);
    return why;
  };
  o.get = [row](const ServerConfig& cfg) {
    auto it = cfg.compat_values.find(row.name);
    return it == cfg.compat_values.end() ? std::string(row.def) : it->second;
  };
  if (!row.lacks.empty()) {
    o.refuse = [row, get = o.get](const std::vector<std::string>&, const ServerConfig& cfg) {
      if (get(cfg) == row.def) return std::string();
      return std::string(row.lacks) + " is not supported by vireo-server yet (accepted: " +
             std::string(row.name) + " " + ShowDefault(row) + ")";
    };
  }
  return o;
}

bool Names(const ConfigOption& o, std::string_view name) {
  return !name.empty() && (EqualsNoCase(o.name, name) || EqualsNoCase(o.alias, name));
}

}  // namespace

void AppendCompatOptions(std::vector<ConfigOption>* table) {
  const size_t implemented = table->size();
  for (const CompatRow& row : kRows) {
    bool taken = false;
    for (size_t i = 0; i < implemented && !taken; ++i) {
      taken = Names((*table)[i], row.name) || Names((*table)[i], row.alias);
    }
    if (!taken) table->push_back(MakeOption(row));
  }
}

bool IsFileOnlyKeyword(std::string_view name) {
  for (std::string_view k : kFileOnlyKeywords) {
    if (EqualsNoCase(name, k)) return true;
  }
  return false;
}

std::string FileOnlyKeywordRefusal(std::string_view name) {
  return "directive '" + std::string(name) + "' is not supported by vireo-server yet";
}

}  // namespace vireo
