// AclCatalog: Redis 7.0's command table as the ACL sees it — an id per
// command and subcommand (its index in CommandSpecs()), each command's ACL
// categories as bits, parents and subcommands, and lookup by the names ACL
// rules use ("get", "config|get"). ACL rules are about Redis's whole table,
// built commands or not, and about the original names (rename-command does
// not change what `+config` means), as in Redis.
// Thread rule: built once (first use), immutable afterwards; safe anywhere.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/core/command_specs.h"

namespace vireo {

// Redis's categories in Redis's order (ACL CAT lists them so).
inline constexpr const char* kAclCategoryNames[] = {
    "keyspace", "read",      "write",     "set",        "sortedset",   "list",      "hash",
    "string",   "bitmap",    "hyperloglog", "geo",      "stream",      "pubsub",    "admin",
    "fast",     "slow",      "blocking",  "dangerous",  "connection",  "transaction", "scripting"};
inline constexpr int kAclCategoryCount = sizeof(kAclCategoryNames) / sizeof(kAclCategoryNames[0]);

struct AclCommandInfo {
  std::string full_name;        // "config|get"
  uint64_t categories = 0;      // bit i: kAclCategoryNames[i]
  int parent = -1;              // id of the container, or -1
  std::vector<int> subcommands; // ids, in table order
  bool no_auth = false;         // runs before AUTH and without ACL checks (AUTH, HELLO)
  bool has_keys = false;        // has key specs (or is SORT)
  // Per key spec: the ACL permission its keys need (kAclKeyRead/kAclKeyWrite
  // bits: access reads; insert, delete, update write), kAclSpecNotKey for a
  // not_key spec (SPUBLISH's shard channel). Precomputed so a check does
  // no text work.
  std::vector<uint8_t> key_spec_access;
  // The pub/sub channels the command names (Redis's getChannelsFromCommand).
  enum class Channels : uint8_t { kNone, kFirst, kAll, kAllPatterns } channels = Channels::kNone;
};
inline constexpr uint8_t kAclSpecNotKey = 0x80;

class AclCatalog {
 public:
  static const AclCatalog& Get();

  size_t size() const { return commands_.size(); }
  const AclCommandInfo& at(int id) const { return commands_[size_t(id)]; }
  // Top-level ids in table order (the order rule descriptions walk).
  const std::vector<int>& top_level() const { return top_; }
  // Redis's lookupCommandBySds: "name" or "container|sub", case-insensitive;
  // -1 if unknown (a name with a '|' whose first part has no subcommands
  // is unknown, as are three parts).
  int Lookup(std::string_view name) const;
  // The id of a built command (its spec's index).
  static int IdOf(const Command* c) { return int(c->spec - CommandSpecs().data()); }
  // Category bit for a name (case-insensitive), 0 if unknown.
  static uint64_t CategoryFlag(std::string_view name);

 private:
  AclCatalog();
  std::vector<AclCommandInfo> commands_;
  std::vector<int> top_;
  std::unordered_map<std::string, int> by_name_;  // lower-case full names
};

}  // namespace vireo
