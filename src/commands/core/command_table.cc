#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "commands/core/command.h"
#include "commands/core/command_specs.h"

namespace vireo {
namespace {

const std::vector<CommandSpecData>& AllSpecs() { return CommandSpecs(); }

const CommandSpecData* FindSpec(const std::string& full_name) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string, const CommandSpecData*>();
    for (const auto& s : AllSpecs()) (*m)[s.name] = &s;
    return m;
  }();
  auto it = index->find(full_name);
  return it == index->end() ? nullptr : it->second;
}

uint32_t ParseFlags(const char* text) {
  static const std::pair<const char*, uint32_t> kNames[] = {
      {"write", kCmdWrite},         {"readonly", kCmdReadonly},     {"denyoom", kCmdDenyOom},
      {"admin", kCmdAdmin},         {"pubsub", kCmdPubsub},         {"noscript", kCmdNoscript},
      {"blocking", kCmdBlocking},   {"loading", kCmdLoading},       {"stale", kCmdStale},
      {"skip_monitor", kCmdSkipMonitor}, {"skip_slowlog", kCmdSkipSlowlog}, {"fast", kCmdFast},
      {"no_auth", kCmdNoAuth},      {"may_replicate", kCmdMayReplicate}, {"no_multi", kCmdNoMulti},
      {"movablekeys", kCmdMovableKeys}, {"allow_busy", kCmdAllowBusy},
  };
  uint32_t bits = 0;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    for (auto& [n, b] : kNames) {
      if (word == n) bits |= b;
    }
  }
  return bits;
}

// Redis's COMMAND INFO hides may_replicate, so the generated specs lack it:
// the commands that carry it in Redis 7.0 (scripts treat them as writes,
// CLIENT PAUSE WRITE holds them).
uint32_t HiddenFlags(const std::string& full_name) {
  static const char* const kMayReplicate[] = {"eval", "evalsha", "fcall", "publish", "spublish", "pfcount"};
  for (const char* n : kMayReplicate) {
    if (full_name == n) return kCmdMayReplicate;
  }
  return 0;
}

}  // namespace

const std::vector<CommandSpecData>& CommandSpecs() {
  static const std::vector<CommandSpecData> specs = {
#include "commands/core/command_specs.inc"
  };
  return specs;
}

CommandTable::CommandTable() {
  BindStringCommands(*this);
  BindGenericCommands(*this);
  BindListCommands(*this);
  BindHashCommands(*this);
  BindSetCommands(*this);
  BindZSetCommands(*this);
  BindSortCommands(*this);
  BindStreamCommands(*this);
  BindBitmapCommands(*this);
  BindHllCommands(*this);
  BindGeoCommands(*this);
}

CommandTable::~CommandTable() {
  for (Command* c : owned_) delete c;
}

Command* CommandTable::GetOrCreate(const std::string& full_name) {
  const CommandSpecData* spec = FindSpec(full_name);
  if (!spec) {
    fprintf(stderr, "command table: no spec for '%s'\n", full_name.c_str());
    abort();
  }
  size_t bar = full_name.find('|');
  if (bar == std::string::npos) {
    auto it = by_name_.find(full_name);
    if (it != by_name_.end()) return it->second;
    auto* c = new Command();
    owned_.push_back(c);
    c->spec = spec;
    c->name = c->full_name = full_name;
    c->flags = ParseFlags(spec->flags) | HiddenFlags(full_name);
    by_name_[full_name] = c;
    order_.push_back(c);
    return c;
  }
  Command* parent = GetOrCreate(full_name.substr(0, bar));
  std::string sub = full_name.substr(bar + 1);
  auto it = parent->sub_by_name.find(sub);
  if (it != parent->sub_by_name.end()) return it->second;
  auto* c = new Command();
  owned_.push_back(c);
  c->spec = spec;
  c->name = sub;
  c->full_name = full_name;
  c->flags = ParseFlags(spec->flags);
  c->parent = parent;
  parent->sub_by_name[sub] = c;
  parent->subcommands.push_back(c);
  return c;
}

void CommandTable::Bind(std::string_view name, CommandHandler handler) {
  Command* c = GetOrCreate(std::string(name));
  c->handler = handler;
}

Command* CommandTable::Find(std::string_view name) const {
  auto it = by_name_.find(name);  // case-insensitive, no copy
  return it == by_name_.end() ? nullptr : it->second;
}

std::string CommandTable::Rename(std::string_view from, std::string_view to) {
  std::string lower;
  auto it = by_name_.find(std::string(ToLower(from, &lower)));
  if (it == by_name_.end()) return "No such command in rename-command";
  Command* c = it->second;
  by_name_.erase(it);
  if (to.empty()) {
    order_.erase(std::remove(order_.begin(), order_.end(), c), order_.end());
    return "";
  }
  // As in Redis the old name is gone before the target is checked (so
  // `rename-command get get` is allowed).
  std::string target(ToLower(to, &lower));
  if (by_name_.count(target) != 0) return "Target command name already exists";
  by_name_[target] = c;
  return "";
}

void CommandTable::ResetStats() {
  for (Command* c : owned_) {
    c->calls = c->usec = c->rejected_calls = c->failed_calls = 0;
    c->latency.reset();
  }
}

}  // namespace vireo
