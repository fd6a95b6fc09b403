#include "commands/core/command_docs.h"

#include <algorithm>
#include <cstring>

namespace vireo {
namespace {

#include "commands/core/command_docs.inc"

constexpr CommandProse kProse[] = {
#include "commands/core/command_prose.inc"
};

}  // namespace

const CommandDocFacts& DocFacts(size_t spec_index) { return kDocFacts[spec_index]; }
size_t DocFactsCount() { return std::size(kDocFacts); }

std::span<const DocArg> DocArgs(const CommandDocFacts& c) {
  return c.args ? std::span<const DocArg>(kDocArgs + c.first_arg, c.args) : std::span<const DocArg>();
}

std::span<const DocArg> DocArgChildren(const DocArg& a) {
  return a.children ? std::span<const DocArg>(kDocArgs + a.first_child, a.children)
                    : std::span<const DocArg>();
}

std::span<const DocHistory> DocHistoryOf(const CommandDocFacts& c) {
  return c.histories ? std::span<const DocHistory>(kDocHistory + c.first_history, c.histories)
                     : std::span<const DocHistory>();
}

const CommandProse* FindCommandProse(std::string_view full_name) {
  auto it = std::lower_bound(std::begin(kProse), std::end(kProse), full_name,
                             [](const CommandProse& p, std::string_view n) { return std::string_view(p.name) < n; });
  return it != std::end(kProse) && std::string_view(it->name) == full_name ? it : nullptr;
}

std::span<const CommandProse> AllCommandProse() { return kProse; }

}  // namespace vireo
