// The table of configuration directives: for every Redis 7.0 directive, its
// name and old alias, flags, how to parse a value into ServerConfig, how to
// format it for CONFIG GET, and which values ask for a behaviour Vireo lacks
// (refused). Implemented options are rows in config_table.cc; every other
// Redis 7.0 directive is a compatibility row (config_compat.cc) that checks
// the value as Redis would and keeps it for CONFIG GET. Data, not code
// paths: adding an option is adding a row in config_table.cc, which then
// replaces the compatibility row of the same name.
//
// The table is built once and immutable afterwards; safe to read from any
// thread.
#ifndef VIREO_SERVER_CONFIG_TABLE_H_
#define VIREO_SERVER_CONFIG_TABLE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"

namespace vireo {

enum ConfigOptionFlags : unsigned {
  kConfigImmutable = 1,  // start-up only: CONFIG SET says "can't set immutable config"
  kConfigProtected = 2,  // CONFIG SET refused (Redis's enable-protected-configs, always off here)
  kConfigMultiArg = 4,   // takes any number of words (save, bind)
  kConfigHidden = 8,     // CONFIG GET patterns skip it; exact names work (test knobs)
  // How CONFIG REWRITE writes the value (Redis's config types): a memory
  // value in the largest exact unit (10mb), or a string in double quotes.
  kConfigMemory = 16,
  kConfigString = 32,
};

struct ConfigOption {
  std::string_view name;
  std::string_view alias;  // pre-7.0 name (ziplist, slave), or ""
  unsigned flags = 0;
  // Parses the value words into *cfg. Returns "" or Redis's reason text
  // (e.g. "argument must be a memory value"). Must not modify *cfg on error.
  std::function<std::string(const std::vector<std::string>& args, ServerConfig* cfg)> set;
  // Formats the current value as CONFIG GET shows it.
  std::function<std::string(const ServerConfig& cfg)> get;
  // Optional. Called after `set` succeeded: a non-empty result says that
  // the value asks for a behaviour Vireo lacks (the refusal reason). At
  // start-up every refusal is collected and listed in one message; CONFIG
  // SET fails with it and keeps the old values.
  std::function<std::string(const std::vector<std::string>& args, const ServerConfig& cfg)> refuse;
};

// All options, in a stable order (used by CONFIG GET *): the implemented
// ones, then the compatibility rows whose names no implemented row uses.
const std::vector<ConfigOption>& ConfigOptions();

// Appends a compatibility row for every Redis 7.0 directive that `table`
// does not already name (by name or alias): an implemented option always
// wins over its compatibility row.
void AppendCompatOptions(std::vector<ConfigOption>* table);

// Looks `name` up among names and aliases, ignoring ASCII case.
const ConfigOption* FindConfigOption(std::string_view name);

// True for redis.conf keywords that are not configs (include, rename-command,
// loadmodule, user, sentinel): Vireo refuses them at start-up, and CONFIG
// SET/GET do not know them (as in Redis). Ignores ASCII case.
bool IsFileOnlyKeyword(std::string_view name);

// The start-up refusal of a file-only keyword.
std::string FileOnlyKeywordRefusal(std::string_view name);

}  // namespace vireo

#endif  // VIREO_SERVER_CONFIG_TABLE_H_
