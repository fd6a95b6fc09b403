#include "server/config_table.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/alloc_defrag.h"
#include "base/ascii.h"
#include "base/numbers.h"
#include "commands/core/context.h"
#include "server/config_values.h"

namespace vireo {
namespace {

// ---- Row builders. `Field` is a pointer to a ServerConfig member.

// C is ServerConfig or one of its bases (EncodingLimits).
template <typename T, typename C>
ConfigOption IntOption(std::string_view name, std::string_view alias, unsigned flags,
                       T C::*field, long long lo, long long hi,
                       long long store_lo = LLONG_MIN, long long store_hi = LLONG_MAX) {
  ConfigOption o;
  o.name = name;
  o.alias = alias;
  o.flags = flags;
  // store_lo/store_hi clamp what is kept (hz to 1..500, maxclients to int),
  // after the bounds check that Redis reports.
  o.set = [=](const std::vector<std::string>& args, ServerConfig* cfg) {
    long long v;
    if (!ParseStrictInt(args[0], &v)) return std::string(kNotInteger);
    if (v < lo || v > hi) return RangeError(lo, hi);
    static_cast<C&>(*cfg).*field = static_cast<T>(std::clamp(v, store_lo, store_hi));
    return std::string();
  };
  o.get = [=](const ServerConfig& cfg) { return std::to_string(static_cast<const C&>(cfg).*field); };
  return o;
}

// Memory-valued option stored signed, with Redis's inclusive bounds.
ConfigOption MemoryOption(std::string_view name, std::string_view alias, unsigned flags,
                          long long ServerConfig::*field, long long lo, long long hi) {
  ConfigOption o;
  o.name = name;
  o.alias = alias;
  o.flags = flags | kConfigMemory;
  o.set = [=](const std::vector<std::string>& args, ServerConfig* cfg) {
    unsigned long long u;
    if (!ParseMemory(args[0], &u)) return std::string(kNotMemory);
    const long long v = static_cast<long long>(u);  // huge values go negative, as in Redis
    if (v < lo || v > hi) return RangeError(lo, hi);
    cfg->*field = v;
    return std::string();
  };
  o.get = [=](const ServerConfig& cfg) { return std::to_string(cfg.*field); };
  return o;
}

ConfigOption BoolOption(std::string_view name, std::string_view alias, unsigned flags,
                        bool ServerConfig::*field) {
  ConfigOption o;
  o.name = name;
  o.alias = alias;
  o.flags = flags;
  o.set = [=](const std::vector<std::string>& args, ServerConfig* cfg) {
    bool b;
    if (!ParseBool(args[0], &b)) return std::string(kNotBool);
    cfg->*field = b;
    return std::string();
  };
  o.get = [=](const ServerConfig& cfg) { return std::string(cfg.*field ? "yes" : "no"); };
  return o;
}

// A yes/no directive Vireo only supports at one value (e.g. appendonly no):
// the other value is parsed, then refused with `refusal`.
ConfigOption FixedBoolOption(std::string_view name, unsigned flags, bool fixed,
                             std::string refusal) {
  ConfigOption o;
  o.name = name;
  o.flags = flags;
  o.set = [=](const std::vector<std::string>& args, ServerConfig*) {
    bool b;
    if (!ParseBool(args[0], &b)) return std::string(kNotBool);
    return std::string();
  };
  o.get = [=](const ServerConfig&) { return std::string(fixed ? "yes" : "no"); };
  o.refuse = [=](const std::vector<std::string>& args, const ServerConfig&) {
    bool b = fixed;
    ParseBool(args[0], &b);
    return b == fixed ? std::string() : refusal;
  };
  return o;
}

// activedefrag: a plain yes/no where the allocator can tell what to move
// (jemalloc builds); elsewhere yes is refused, as Redis refuses it without
// its jemalloc.
ConfigOption ActiveDefragOption() {
  ConfigOption o = BoolOption("activedefrag", "", 0, &ServerConfig::activedefrag);
  if (!alloc_defrag::Supported()) {
    o.refuse = [](const std::vector<std::string>& args, const ServerConfig&) {
      bool b = false;
      ParseBool(args[0], &b);
      return b ? std::string("Active defragmentation cannot be enabled: it requires a vireo-server built with jemalloc")
               : std::string();
    };
  }
  return o;
}

// latency-tracking-info-percentiles: any number of percentiles in [0, 100]
// ("" alone: none), shown as Redis prints them ("%f" without trailing zeros).
ConfigOption PercentilesOption(std::string_view name) {
  ConfigOption o;
  o.name = name;
  o.flags = kConfigMultiArg;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    std::vector<double> v;
    if (!(args.size() == 1 && args[0].empty())) {
      for (const std::string& w : args) {
        char* end = nullptr;
        const double d = std::strtod(w.c_str(), &end);
        if (w.empty() || *end != '\0') return std::string("Invalid latency-tracking-info-percentiles parameters");
        if (!(d >= 0.0 && d <= 100.0)) {
          return std::string("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
        }
        v.push_back(d);
      }
    }
    cfg->latency_tracking_info_percentiles = std::move(v);
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) {
    std::string out;
    for (double d : cfg.latency_tracking_info_percentiles) {
      if (!out.empty()) out.push_back(' ');
      out += FormatPercentile(d);
    }
    return out;
  };
  return o;
}

ConfigOption StringOption(std::string_view name, unsigned flags, std::string ServerConfig::*field) {
  ConfigOption o;
  o.name = name;
  o.flags = flags | kConfigString;
  o.set = [=](const std::vector<std::string>& args, ServerConfig* cfg) {
    cfg->*field = args[0];
    return std::string();
  };
  o.get = [=](const ServerConfig& cfg) { return cfg.*field; };
  return o;
}

// An option taking one of `names`; the index of the match is stored.
ConfigOption EnumOption(std::string_view name, unsigned flags, std::vector<std::string_view> names,
                        int ServerConfig::*field) {
  ConfigOption o;
  o.name = name;
  o.flags = flags;
  o.set = [=](const std::vector<std::string>& args, ServerConfig* cfg) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (EqualsNoCase(args[0], names[i])) {
        cfg->*field = static_cast<int>(i);
        return std::string();
      }
    }
    return EnumError(names);
  };
  o.get = [=](const ServerConfig& cfg) {
    const int i = std::clamp(cfg.*field, 0, static_cast<int>(names.size()) - 1);
    return std::string(names[i]);
  };
  return o;
}

ConfigOption MaxmemoryOption() {
  ConfigOption o;
  o.name = "maxmemory";
  o.flags = kConfigMemory;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    unsigned long long v;
    if (!ParseMemory(args[0], &v)) return std::string(kNotMemory);
    cfg->maxmemory = v;
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) { return std::to_string(cfg.maxmemory); };
  return o;
}

// maxmemory-clients: bytes, or N% of maxmemory (kept negative, as Redis
// keeps it); CONFIG GET shows the percent sign back.
ConfigOption MaxmemoryClientsOption() {
  ConfigOption o;
  o.name = "maxmemory-clients";
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    const std::string& a = args[0];
    constexpr const char* kBad = "argument must be a memory or percent value";
    if (!a.empty() && a.back() == '%') {
      long long pct;
      if (!ParseStrictInt(std::string_view(a).substr(0, a.size() - 1), &pct) || pct < 0) return std::string(kBad);
      if (pct > 100) return std::string("percentage argument must be less or equal to 100");
      cfg->maxmemory_clients = -pct;
      return std::string();
    }
    unsigned long long u = 0;
    if (!a.empty() && !ParseMemory(a, &u)) return std::string(kBad);
    // Redis keeps the value signed: a byte count past 2^63 wraps negative
    // and reads as a percentage (checked as one), as in Redis 7.0.
    const long long v = static_cast<long long>(u);
    if (v < -100) return std::string("percentage argument must be less or equal to 100");
    cfg->maxmemory_clients = v;
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) {
    return cfg.maxmemory_clients < 0 ? std::to_string(-cfg.maxmemory_clients) + "%"
                                     : std::to_string(cfg.maxmemory_clients);
  };
  return o;
}

// vireo-endpoint-ports [port ...]: see ServerConfig::endpoint_ports; ""
// clears the list.
ConfigOption EndpointPortsOption() {
  ConfigOption o;
  o.name = "vireo-endpoint-ports";
  o.flags = kConfigMultiArg | kConfigHidden;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    constexpr size_t kMaxPorts = 4;
    std::vector<int> ports;
    if (!(args.size() == 1 && args[0].empty())) {
      if (args.size() > kMaxPorts) return std::string("Too many endpoint ports specified.");
      for (const std::string& a : args) {
        long long v;
        if (!ParseStrictInt(a, &v) || v < 1 || v > 65535) {
          return std::string("argument must be a list of ports (1-65535)");
        }
        if (std::find(ports.begin(), ports.end(), int(v)) == ports.end()) ports.push_back(int(v));
      }
    }
    cfg->endpoint_ports = std::move(ports);
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) {
    std::string s;
    for (size_t i = 0; i < cfg.endpoint_ports.size(); ++i) {
      if (i) s.push_back(' ');
      s += std::to_string(cfg.endpoint_ports[i]);
    }
    return s;
  };
  return o;
}

ConfigOption BindOption() {
  ConfigOption o;
  o.name = "bind";
  o.flags = kConfigMultiArg;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    constexpr size_t kMaxBind = 16;
    if (args.size() > kMaxBind) {
      return std::string("Too many bind addresses specified.");
    }
    // A single empty word (`bind ""`) means: listen nowhere.
    if (args.size() == 1 && args[0].empty()) {
      cfg->bind.clear();
    } else {
      cfg->bind = args;
    }
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) {
    std::string s;
    for (size_t i = 0; i < cfg.bind.size(); ++i) {
      if (i) s.push_back(' ');
      s += cfg.bind[i];
    }
    return s;
  };
  return o;
}

// save <seconds> <changes> [...]: the snapshot points; "" clears them.
ConfigOption SaveOption() {
  ConfigOption o;
  o.name = "save";
  o.flags = kConfigMultiArg;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    if (args.empty() || (args.size() == 1 && args[0].empty())) {
      cfg->save_params.clear();
      return std::string();
    }
    if (args.size() % 2 != 0) return std::string("Invalid save parameters");
    std::vector<std::pair<long long, long long>> points;
    for (size_t i = 0; i < args.size(); i += 2) {
      char* end;
      errno = 0;
      const long long seconds = std::strtoll(args[i].c_str(), &end, 10);
      if (*end != '\0') return std::string("Invalid save parameters");
      const long long changes = std::strtoll(args[i + 1].c_str(), &end, 10);
      if (*end != '\0' || seconds < 1 || changes < 0) {
        return std::string("Invalid save parameters");
      }
      points.emplace_back(seconds, changes);
    }
    cfg->save_params = std::move(points);
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) {
    std::string s;
    for (const auto& [secs, changes] : cfg.save_params) {
      if (!s.empty()) s.push_back(' ');
      s += std::to_string(secs) + " " + std::to_string(changes);
    }
    return s;
  };
  return o;
}

// A file name that must not be a path (dbfilename, appendfilename, appenddirname).
ConfigOption FileNameOption(std::string_view name, unsigned flags, std::string ServerConfig::*field,
                            std::string refusal) {
  ConfigOption o = StringOption(name, flags, field);
  o.set = [=](const std::vector<std::string>& args, ServerConfig* cfg) {
    if (args[0].find('/') != std::string::npos) return refusal;
    cfg->*field = args[0];
    return std::string();
  };
  return o;
}

// Redis chdir()s here; we only validate and record the absolute path, and
// leave changing the working directory to the node at start-up. A relative
// path is taken relative to the current `dir`, as successive chdir()s would.
ConfigOption DirOption() {
  ConfigOption o;
  o.name = "dir";
  o.flags = kConfigProtected;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    std::string path = args[0];
    if (!path.empty() && path[0] != '/' && !cfg->dir.empty()) {
      path = cfg->dir + "/" + path;
    }
    struct stat st;
    if (path.empty()) return std::string(std::strerror(ENOENT));
    if (stat(path.c_str(), &st) != 0) return std::string(std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) return std::string(std::strerror(ENOTDIR));
    if (access(path.c_str(), X_OK) != 0) return std::string(std::strerror(errno));
    char* real = realpath(path.c_str(), nullptr);
    if (real == nullptr) return std::string(std::strerror(errno));
    cfg->dir = real;
    std::free(real);
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) { return cfg.dir; };
  return o;
}

// notify-keyspace-events: Redis's class letters, stored as NotifyClass bits.
// "A" stands for every data class (g$lshzxetd, not m or n); CONFIG GET
// prints the flags in Redis's canonical order.
ConfigOption NotifyKeyspaceEventsOption() {
  ConfigOption o;
  o.name = "notify-keyspace-events";
  o.flags = kConfigString;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    int flags = 0;
    for (char ch : args[0]) {
      switch (ch) {
        case 'A': flags |= kNotifyAllDataClasses; break;
        case 'g': flags |= kNotifyGeneric; break;
        case '$': flags |= kNotifyString; break;
        case 'l': flags |= kNotifyList; break;
        case 's': flags |= kNotifySet; break;
        case 'h': flags |= kNotifyHash; break;
        case 'z': flags |= kNotifyZSet; break;
        case 'x': flags |= kNotifyExpired; break;
        case 'e': flags |= kNotifyEvicted; break;
        case 'K': flags |= kNotifyKeyspace; break;
        case 'E': flags |= kNotifyKeyevent; break;
        case 't': flags |= kNotifyStream; break;
        case 'm': flags |= kNotifyKeyMiss; break;
        case 'd': flags |= kNotifyModule; break;
        case 'n': flags |= kNotifyNew; break;
        default: return std::string("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      }
    }
    cfg->notify_keyspace_events = flags;
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) {
    const int f = cfg.notify_keyspace_events;
    std::string s;
    if ((f & kNotifyAllDataClasses) == kNotifyAllDataClasses) {
      s += 'A';
    } else {
      static const std::pair<int, char> kOrder[] = {
          {kNotifyGeneric, 'g'}, {kNotifyString, '$'}, {kNotifyList, 'l'},   {kNotifySet, 's'},
          {kNotifyHash, 'h'},    {kNotifyZSet, 'z'},   {kNotifyExpired, 'x'}, {kNotifyEvicted, 'e'},
          {kNotifyStream, 't'},  {kNotifyModule, 'd'}, {kNotifyNew, 'n'}};
      for (auto [bit, ch] : kOrder) {
        if (f & bit) s += ch;
      }
    }
    if (f & kNotifyKeyspace) s += 'K';
    if (f & kNotifyKeyevent) s += 'E';
    if (f & kNotifyKeyMiss) s += 'm';
    return s;
  };
  return o;
}

// client-output-buffer-limit: groups of "<class> <hard> <soft> <soft seconds>";
// only the classes named change (as CONFIG SET and redis.conf lines do in Redis).
ConfigOption ClientOutputBufferLimitOption() {
  ConfigOption o;
  o.name = "client-output-buffer-limit";
  o.flags = kConfigMultiArg;
  o.set = [](const std::vector<std::string>& args, ServerConfig* cfg) {
    if (args.size() == 1 && args[0].empty()) return std::string();
    if (args.size() % 4 != 0) return std::string("Wrong number of arguments in buffer limit configuration.");
    OutputBufferLimit limits[kObufClasses];
    std::copy(std::begin(cfg->client_obuf_limits), std::end(cfg->client_obuf_limits), limits);
    for (size_t i = 0; i < args.size(); i += 4) {
      int cls;
      if (EqualsNoCase(args[i], "normal")) {
        cls = kObufNormal;
      } else if (EqualsNoCase(args[i], "replica") || EqualsNoCase(args[i], "slave")) {
        cls = kObufReplica;
      } else if (EqualsNoCase(args[i], "pubsub")) {
        cls = kObufPubsub;
      } else {
        return std::string("Invalid client class specified in buffer limit configuration.");
      }
      unsigned long long hard, soft;
      long long secs;
      if (!ParseMemory(args[i + 1], &hard) || !ParseMemory(args[i + 2], &soft) ||
          !ParseStrictInt(args[i + 3], &secs) || secs < 0) {
        return std::string("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      limits[cls] = {hard, soft, secs};
    }
    std::copy(std::begin(limits), std::end(limits), cfg->client_obuf_limits);
    return std::string();
  };
  o.get = [](const ServerConfig& cfg) {
    static const char* kNames[kObufClasses] = {"normal", "slave", "pubsub"};
    std::string s;
    for (int i = 0; i < kObufClasses; ++i) {
      const OutputBufferLimit& l = cfg.client_obuf_limits[i];
      if (!s.empty()) s += ' ';
      s += std::string(kNames[i]) + " " + std::to_string(l.hard) + " " + std::to_string(l.soft) + " " +
           std::to_string(l.soft_seconds);
    }
    return s;
  };
  return o;
}

using S = ServerConfig;
constexpr long long kIntMax = INT_MAX;
constexpr long long kIntMin = INT_MIN;
constexpr long long kLongMax = LLONG_MAX;
constexpr long long kOneMb = 1LL << 20;

std::vector<ConfigOption> BuildTable() {
  std::vector<ConfigOption> t;
  // Network and process.
  t.push_back(IntOption("port", "", 0, &S::port, 0, 65535));
  t.push_back(EndpointPortsOption());
  t.push_back(BindOption());
  t.push_back(BoolOption("protected-mode", "", 0, &S::protected_mode));
  t.push_back(StringOption("requirepass", 0, &S::requirepass));
  t.push_back(StringOption("aclfile", kConfigImmutable, &S::aclfile));
  t.push_back(IntOption("acllog-max-len", "", 0, &S::acllog_max_len, 0, kLongMax));
  t.push_back(EnumOption("acl-pubsub-default", 0, {"allchannels", "resetchannels"}, &S::acl_pubsub_default));
  t.push_back(IntOption("tcp-backlog", "", kConfigImmutable, &S::tcp_backlog, 0, kIntMax));
  t.push_back(IntOption("timeout", "", 0, &S::timeout, 0, kIntMax));
  t.push_back(IntOption("vireo-tls-handshake-timeout", "", kConfigHidden, &S::tls_handshake_timeout_ms, 0, kIntMax));
  t.push_back(IntOption("tcp-keepalive", "", 0, &S::tcp_keepalive, 0, kIntMax));
  t.push_back(IntOption("maxclients", "", 0, &S::maxclients, 1, 4294967295LL, 1, kIntMax));
  t.push_back(IntOption("databases", "", kConfigImmutable, &S::databases, 1, kIntMax));
  t.push_back(IntOption("hz", "", 0, &S::hz, 0, kIntMax, 1, 500));
  t.push_back(FixedBoolOption("daemonize", kConfigImmutable, false,
                              "daemonize yes is not supported by vireo-server: run it in the "
                              "foreground under a process supervisor"));
  t.push_back(StringOption("pidfile", kConfigImmutable, &S::pidfile));
  t.push_back(StringOption("logfile", kConfigImmutable, &S::logfile));
  // Index order must match the severities in base/log.h.
  t.push_back(EnumOption("loglevel", 0, {"debug", "verbose", "notice", "warning"}, &S::loglevel));
  t.push_back(EnumOption("enable-debug-command", kConfigImmutable, {"no", "yes", "local"},
                         &S::enable_debug_command));
  t.push_back(DirOption());
  // Protocol limits.
  t.push_back(MemoryOption("proto-max-bulk-len", "", 0, &S::proto_max_bulk_len, kOneMb, kLongMax));
  t.push_back(MemoryOption("client-query-buffer-limit", "", 0, &S::client_query_buffer_limit,
                           kOneMb, kLongMax));
  // Memory.
  t.push_back(MaxmemoryOption());
  // Index order is EvictionPolicy's (engine/eviction.h).
  t.push_back(EnumOption("maxmemory-policy", 0,
                         {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
                          "allkeys-lfu", "allkeys-random", "noeviction"},
                         &S::maxmemory_policy));
  t.push_back(IntOption("maxmemory-samples", "", 0, &S::maxmemory_samples, 1, kIntMax));
  t.push_back(IntOption("maxmemory-eviction-tenacity", "", 0, &S::maxmemory_eviction_tenacity, 0, 100));
  // Vireo's own (server/footprint_guard.h): hidden from CONFIG GET patterns so
  // CONFIG GET * lists what Redis 7.0 lists; its exact name answers.
  t.push_back(IntOption("maxmemory-fragmentation-share", "", kConfigHidden, &S::maxmemory_fragmentation_share, 0, 100));
  t.push_back(IntOption("lfu-log-factor", "", 0, &S::lfu_log_factor, 0, kIntMax));
  t.push_back(IntOption("lfu-decay-time", "", 0, &S::lfu_decay_time, 0, kIntMax));
  // Clients: output limits and keyspace notifications.
  t.push_back(ClientOutputBufferLimitOption());
  t.push_back(MaxmemoryClientsOption());
  t.push_back(NotifyKeyspaceEventsOption());
  // Persistence: RDB snapshots, DUMP/RESTORE payloads, AOF settings (one
  // block; appendonly yes waits for the AOF).
  t.push_back(SaveOption());
  t.push_back(FileNameOption("dbfilename", kConfigProtected, &S::dbfilename,
                             "dbfilename can't be a path, just a filename"));
  t.push_back(BoolOption("rdbcompression", "", 0, &S::rdbcompression));
  t.push_back(BoolOption("rdbchecksum", "", 0, &S::rdbchecksum));
  t.push_back(BoolOption("rdb-del-sync-files", "", 0, &S::rdb_del_sync_files));
  t.push_back(BoolOption("rdb-save-incremental-fsync", "", 0, &S::rdb_save_incremental_fsync));
  t.push_back(BoolOption("stop-writes-on-bgsave-error", "", 0, &S::stop_writes_on_bgsave_error));
  t.push_back(IntOption("rdb-key-save-delay", "", kConfigHidden, &S::rdb_key_save_delay, kIntMin,
                        kIntMax));
  t.push_back(IntOption("key-load-delay", "", kConfigHidden, &S::key_load_delay, kIntMin, kIntMax));
  t.push_back(IntOption("loading-process-events-interval-bytes", "", kConfigHidden,
                        &S::loading_process_events_interval_bytes, 1024, kIntMax));
  t.push_back(EnumOption("sanitize-dump-payload", 0, {"no", "yes", "clients"}, &S::sanitize_dump_payload));
  t.push_back(BoolOption("appendonly", "", 0, &S::appendonly));
  t.push_back(FileNameOption("appenddirname", kConfigImmutable, &S::appenddirname,
                             "appenddirname can't be a path, just a dirname"));
  t.push_back(FileNameOption("appendfilename", kConfigImmutable, &S::appendfilename,
                             "appendfilename can't be a path, just a filename"));
  t.push_back(EnumOption("appendfsync", 0, {"always", "everysec", "no"}, &S::appendfsync));
  t.push_back(IntOption("auto-aof-rewrite-percentage", "", 0, &S::auto_aof_rewrite_percentage, 0, kIntMax));
  t.push_back(MemoryOption("auto-aof-rewrite-min-size", "", 0, &S::auto_aof_rewrite_min_size, 0, kLongMax));
  t.push_back(BoolOption("aof-load-truncated", "", 0, &S::aof_load_truncated));
  t.push_back(BoolOption("aof-use-rdb-preamble", "", 0, &S::aof_use_rdb_preamble));
  t.push_back(BoolOption("aof-timestamp-enabled", "", 0, &S::aof_timestamp_enabled));
  t.push_back(BoolOption("aof-rewrite-incremental-fsync", "", 0, &S::aof_rewrite_incremental_fsync));
  t.push_back(BoolOption("aof-disable-auto-gc", "", 0, &S::aof_disable_auto_gc));
  // Collection encodings.
  t.push_back(IntOption("list-max-listpack-size", "list-max-ziplist-size", 0,
                        &S::list_max_listpack_size, kIntMin, kIntMax));
  // Taken by lists created afterwards (types/quicklist.h), as in Redis.
  t.push_back(IntOption("list-compress-depth", "", 0, &S::list_compress_depth, 0, kIntMax));
  t.push_back(IntOption("hash-max-listpack-entries", "hash-max-ziplist-entries", 0,
                        &S::hash_max_listpack_entries, 0, kLongMax));
  t.push_back(MemoryOption("hash-max-listpack-value", "hash-max-ziplist-value", 0,
                           &S::hash_max_listpack_value, 0, kLongMax));
  t.push_back(IntOption("set-max-intset-entries", "", 0, &S::set_max_intset_entries, 0, kLongMax));
  t.push_back(IntOption("zset-max-listpack-entries", "zset-max-ziplist-entries", 0,
                        &S::zset_max_listpack_entries, 0, kLongMax));
  t.push_back(MemoryOption("zset-max-listpack-value", "zset-max-ziplist-value", 0,
                           &S::zset_max_listpack_value, 0, kLongMax));
  t.push_back(MemoryOption("hll-sparse-max-bytes", "", 0, &S::hll_sparse_max_bytes, 0, kLongMax));
  t.push_back(MemoryOption("stream-node-max-bytes", "", 0, &S::stream_node_max_bytes, 0, kLongMax));
  t.push_back(IntOption("stream-node-max-entries", "", 0, &S::stream_node_max_entries, 0, kLongMax));
  // Monitoring.
  t.push_back(
      IntOption("slowlog-log-slower-than", "", 0, &S::slowlog_log_slower_than, -1, kLongMax));
  t.push_back(IntOption("slowlog-max-len", "", 0, &S::slowlog_max_len, 0, kLongMax, 0, kIntMax));
  t.push_back(
      IntOption("latency-monitor-threshold", "", 0, &S::latency_monitor_threshold, 0, kLongMax));
  t.push_back(BoolOption("latency-tracking", "", 0, &S::latency_tracking));
  t.push_back(PercentilesOption("latency-tracking-info-percentiles"));
  t.push_back(IntOption("tracking-table-max-keys", "", 0, &S::tracking_table_max_keys, 0, kLongMax));
  t.push_back(IntOption("busy-reply-threshold", "lua-time-limit", 0, &S::busy_reply_threshold, 0, kLongMax));
  // Active defragmentation (engine/active_defrag.h); bounds are Redis 7.0's.
  t.push_back(ActiveDefragOption());
  t.push_back(MemoryOption("active-defrag-ignore-bytes", "", 0, &S::active_defrag_ignore_bytes, 1, kLongMax));
  t.push_back(IntOption("active-defrag-threshold-lower", "", 0, &S::active_defrag_threshold_lower, 0, 1000));
  t.push_back(IntOption("active-defrag-threshold-upper", "", 0, &S::active_defrag_threshold_upper, 0, 1000));
  t.push_back(IntOption("active-defrag-cycle-min", "", 0, &S::active_defrag_cycle_min, 1, 99));
  t.push_back(IntOption("active-defrag-cycle-max", "", 0, &S::active_defrag_cycle_max, 1, 99));
  t.push_back(IntOption("active-defrag-max-scan-fields", "", 0, &S::active_defrag_max_scan_fields, 1, kLongMax));
  // Expiry and freeing.
  t.push_back(IntOption("active-expire-effort", "", 0, &S::active_expire_effort, 1, 10));
  t.push_back(BoolOption("lazyfree-lazy-eviction", "", 0, &S::lazyfree_lazy_eviction));
  t.push_back(BoolOption("lazyfree-lazy-expire", "", 0, &S::lazyfree_lazy_expire));
  t.push_back(BoolOption("lazyfree-lazy-server-del", "", 0, &S::lazyfree_lazy_server_del));
  t.push_back(BoolOption("lazyfree-lazy-user-del", "", 0, &S::lazyfree_lazy_user_del));
  t.push_back(BoolOption("lazyfree-lazy-user-flush", "", 0, &S::lazyfree_lazy_user_flush));
  return t;
}

}  // namespace

const std::vector<ConfigOption>& ConfigOptions() {
  static const std::vector<ConfigOption> table = [] {
    std::vector<ConfigOption> t = BuildTable();
    AppendCompatOptions(&t);
    return t;
  }();
  return table;
}

const ConfigOption* FindConfigOption(std::string_view name) {
  for (const ConfigOption& o : ConfigOptions()) {
    if (EqualsNoCase(name, o.name) || (!o.alias.empty() && EqualsNoCase(name, o.alias))) {
      return &o;
    }
  }
  return nullptr;
}

}  // namespace vireo
