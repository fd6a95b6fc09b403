#include "acl/acl_catalog.h"

#include <cstring>

#include "base/ascii.h"

namespace vireo {

const AclCatalog& AclCatalog::Get() {
  static const AclCatalog* catalog = new AclCatalog();
  return *catalog;
}

uint64_t AclCatalog::CategoryFlag(std::string_view name) {
  for (int i = 0; i < kAclCategoryCount; ++i) {
    if (EqualsNoCase(name, kAclCategoryNames[i])) return uint64_t(1) << i;
  }
  return 0;
}

AclCatalog::AclCatalog() {
  const auto& specs = CommandSpecs();
  commands_.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const CommandSpecData& s = specs[i];
    AclCommandInfo& info = commands_[i];
    info.full_name = s.name;
    by_name_[info.full_name] = int(i);
    // "@write @string @slow"
    const char* p = s.acl;
    while (*p) {
      while (*p == ' ') ++p;
      const char* start = p;
      while (*p && *p != ' ') ++p;
      std::string_view word(start, size_t(p - start));
      if (!word.empty() && word[0] == '@') info.categories |= CategoryFlag(word.substr(1));
    }
    info.no_auth = std::strstr(s.flags, "no_auth") != nullptr;
    // Specs flagged not_key (SPUBLISH's channel) name no key to check.
    info.has_keys = info.full_name == "sort";
    for (const KeySpec& k : s.key_specs) {
      info.has_keys |= std::strstr(k.flags, "not_key") == nullptr;
      uint8_t bits = 0;
      if (std::strstr(k.flags, "access")) bits |= 1;  // kAclKeyRead
      if (std::strstr(k.flags, "insert") || std::strstr(k.flags, "delete") || std::strstr(k.flags, "update")) {
        bits |= 2;  // kAclKeyWrite
      }
      if (std::strstr(k.flags, "not_key")) bits |= kAclSpecNotKey;
      info.key_spec_access.push_back(bits);
    }
    const std::string& n = info.full_name;
    if (n == "publish" || n == "spublish") {
      info.channels = AclCommandInfo::Channels::kFirst;
    } else if (n == "subscribe" || n == "ssubscribe") {
      info.channels = AclCommandInfo::Channels::kAll;
    } else if (n == "psubscribe") {
      info.channels = AclCommandInfo::Channels::kAllPatterns;
    }
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    AclCommandInfo& info = commands_[i];
    const size_t bar = info.full_name.find('|');
    if (bar == std::string::npos) {
      top_.push_back(int(i));
      continue;
    }
    auto it = by_name_.find(info.full_name.substr(0, bar));
    if (it == by_name_.end()) continue;
    info.parent = it->second;
    commands_[size_t(it->second)].subcommands.push_back(int(i));
  }
}

int AclCatalog::Lookup(std::string_view name) const {
  std::string lower;
  ToLower(name, &lower);
  const size_t bar = lower.find('|');
  if (bar == std::string::npos) {
    auto it = by_name_.find(lower);
    return it == by_name_.end() ? -1 : it->second;
  }
  if (lower.find('|', bar + 1) != std::string::npos) return -1;
  auto base = by_name_.find(lower.substr(0, bar));
  if (base == by_name_.end() || commands_[size_t(base->second)].subcommands.empty()) return -1;
  auto it = by_name_.find(lower);
  return it == by_name_.end() ? -1 : it->second;
}

}  // namespace vireo
