// The table of configuration directives: for every option Vireo supports, its
// Redis 7.0 name and old alias, flags, how to parse a value into ServerConfig
// and how to format it for CONFIG GET; plus the names of Redis 7.0
// directives Vireo refuses. Data, not code paths: adding an option is adding
// a row in config_table.cc.
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
};

// All supported options, in a stable order (used by CONFIG GET *).
const std::vector<ConfigOption>& ConfigOptions();

// Looks `name` up among names and aliases, ignoring ASCII case.
const ConfigOption* FindConfigOption(std::string_view name);

// True for Redis 7.0 directives (and file-only keywords such as include or
// rename-command) that Vireo does not implement. Ignores ASCII case.
bool IsRefusedDirective(std::string_view name);

// "directive 'NAME' is not supported by vireo-server yet".
std::string RefusedDirectiveText(std::string_view name);

}  // namespace vireo

#endif  // VIREO_SERVER_CONFIG_TABLE_H_
