// The command table: what every command is (arity, flags, key positions, ACL
// categories: the data COMMAND INFO reports) and which function runs it.
// The specs are data generated from the reference server's COMMAND INFO
// (scripts/gen_command_specs.py -> command_specs.inc); a command exists for
// clients only once a family file binds a handler to it, so unimplemented
// commands get Redis's unknown-command error.
// Thread rule: built at start-up, then read-only except the per-command
// statistics, which the main thread updates.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/ascii.h"  // EqualsNoCase, ToLower for handlers
#include "base/latency_histogram.h"
#include "commands/core/context.h"

namespace vireo {

using CommandHandler = void (*)(CommandContext&);

// Flag bits the dispatcher acts on; the full set of flag names is kept as text for COMMAND INFO.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadonly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdPubsub = 1u << 4,
  kCmdNoscript = 1u << 5,
  kCmdBlocking = 1u << 6,
  kCmdLoading = 1u << 7,
  kCmdStale = 1u << 8,
  kCmdSkipMonitor = 1u << 9,
  kCmdSkipSlowlog = 1u << 10,
  kCmdFast = 1u << 11,
  kCmdNoAuth = 1u << 12,
  kCmdMayReplicate = 1u << 13,
  kCmdNoMulti = 1u << 14,
  kCmdMovableKeys = 1u << 15,
  kCmdAllowBusy = 1u << 16,
  // Not a Redis flag: may run while a RESP2 client is subscribed (set by the pub/sub family).
  kCmdAllowedInSubscriberMode = 1u << 17,
  // Not a Redis flag: runs at once inside MULTI instead of being queued
  // (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET; set by their families).
  kCmdTransactionControl = 1u << 18,
};

// One key specification (Redis 7 key-specs), as COMMAND INFO describes it.
struct KeySpec {
  const char* flags;        // space separated, e.g. "RW ACCESS UPDATE"
  const char* notes;        // may be empty
  const char* bs_type;      // "index", "keyword" or "unknown"
  int bs_index;             // index: argument position
  const char* bs_keyword;   // keyword: the keyword
  int bs_startfrom;         // keyword: where to start looking
  const char* fk_type;      // "range", "keynum" or "unknown"
  int fk_a, fk_b, fk_c;     // range: lastkey keystep limit; keynum: keynumidx firstkey keystep
};

// Static description of one command or subcommand (generated data).
struct CommandSpecData {
  const char* name;         // lower case; subcommands "container|sub"
  int arity;
  const char* flags;        // space separated, as COMMAND INFO lists them
  int first_key, last_key, step;
  const char* acl;          // space separated, e.g. "@write @string @slow"
  const char* tips;         // space separated
  const char* group;
  const char* since;
  std::vector<KeySpec> key_specs;
};

struct Command {
  const CommandSpecData* spec = nullptr;
  std::string name;  // lower case, without the container part
  std::string full_name;  // "client|setname" for subcommands
  uint32_t flags = 0;
  CommandHandler handler = nullptr;
  Command* parent = nullptr;
  std::vector<Command*> subcommands;  // bound ones only, in binding order
  std::unordered_map<std::string, Command*, NoCaseHash, NoCaseEq> sub_by_name;  // any case finds
  // INFO commandstats / errorstats
  uint64_t calls = 0, usec = 0, rejected_calls = 0, failed_calls = 0;
  // INFO latencystats / LATENCY HISTOGRAM: allocated on the first call
  // recorded with latency-tracking on, freed by CONFIG RESETSTAT.
  std::unique_ptr<LatencyHistogram> latency;
};

class CommandTable {
 public:
  CommandTable();
  ~CommandTable();
  // Makes `name` ("get", "client|setname") callable. Aborts at start-up if
  // the name has no spec (a programming error).
  void Bind(std::string_view name, CommandHandler handler);
  // Container commands (CLIENT, CONFIG...) are bound implicitly by their subcommands.
  Command* Find(std::string_view name) const;  // case-insensitive, top level
  // rename-command: `from` answers to `to` from now on ("" removes it from
  // the table, so COMMAND no longer lists it). Returns "" or Redis's reason.
  std::string Rename(std::string_view from, std::string_view to);
  const std::vector<Command*>& all() const { return order_; }
  size_t size() const { return order_.size(); }
  void ResetStats();

 private:
  Command* GetOrCreate(const std::string& full_name);
  std::unordered_map<std::string, Command*, NoCaseHash, NoCaseEq> by_name_;  // top-level, lower case
  std::vector<Command*> order_;
  std::vector<Command*> owned_;
};

// Every data family's binding function; the table's constructor calls them
// all. The node's own families (connection, server) are bound by the node.
void BindStringCommands(CommandTable& t);
void BindGenericCommands(CommandTable& t);
void BindListCommands(CommandTable& t);
void BindHashCommands(CommandTable& t);
void BindSetCommands(CommandTable& t);
void BindZSetCommands(CommandTable& t);
void BindSortCommands(CommandTable& t);
void BindStreamCommands(CommandTable& t);
void BindBitmapCommands(CommandTable& t);
void BindHllCommands(CommandTable& t);
void BindGeoCommands(CommandTable& t);


}  // namespace vireo
