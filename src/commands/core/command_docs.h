// CommandDocs: what COMMAND DOCS says about each command of CommandSpecs():
// the facts of Redis 7.0's reply (argument trees, history, doc flags,
// deprecation), generated from the reference server into command_docs.inc,
// and Vireo's own prose (summary, complexity) from command_prose.inc.
// Everything is constant data in flat arrays: nothing is built or
// allocated at run time, COMMAND DOCS walks the arrays while it replies.
// Thread rule: constant data; safe from any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace vireo {

// Argument types, in the order of kDocArgTypeNames.
enum DocArgType : uint8_t {
  kDocArgKey, kDocArgString, kDocArgInteger, kDocArgDouble, kDocArgPattern,
  kDocArgUnixTime, kDocArgPureToken, kDocArgOneof, kDocArgBlock,
};
inline constexpr const char* kDocArgTypeNames[] = {
    "key", "string", "integer", "double", "pattern", "unix-time", "pure-token", "oneof", "block"};

// Argument flag bits, in the order Redis lists them.
enum DocArgFlag : uint8_t { kDocArgOptional = 1, kDocArgMultiple = 2, kDocArgMultipleToken = 4 };
inline constexpr const char* kDocArgFlagNames[] = {"optional", "multiple", "multiple_token"};

// Command doc flags, in the order Redis lists them.
enum DocFlag : uint8_t { kDocDeprecated = 1, kDocSyscmd = 2 };
inline constexpr const char* kDocFlagNames[] = {"deprecated", "syscmd"};

// One argument; nullptr strings are fields Redis leaves out. The children
// of a oneof/block are kDocArgs[first_child, first_child + children).
struct DocArg {
  const char* name;
  uint8_t type;
  int8_t key_spec_index;  // -1: not a key
  uint8_t flags;
  const char* token;
  const char* since;
  const char* deprecated_since;
  uint16_t first_child, children;
};

struct DocHistory {
  const char* version;
  const char* change;
};

struct CommandDocFacts {
  const char* name;  // as in CommandSpecs(), "container|sub" for subcommands
  uint8_t doc_flags;
  const char* deprecated_since;
  const char* replaced_by;
  uint16_t first_history, histories;
  uint16_t first_arg, args;
  bool has_complexity;  // Redis gives no complexity for a few (MONITOR, SYNC...)
};

// Vireo's text for one command (command_prose.inc, sorted by name).
struct CommandProse {
  const char* name;
  const char* summary;
  const char* complexity;  // "" where Redis gives none
};

// The facts of CommandSpecs()[spec_index] (same order, checked by a unit test).
const CommandDocFacts& DocFacts(size_t spec_index);
size_t DocFactsCount();
std::span<const DocArg> DocArgs(const CommandDocFacts& c);
std::span<const DocArg> DocArgChildren(const DocArg& a);
std::span<const DocHistory> DocHistoryOf(const CommandDocFacts& c);
// nullptr when the prose table lacks the command.
const CommandProse* FindCommandProse(std::string_view full_name);
std::span<const CommandProse> AllCommandProse();

}  // namespace vireo
