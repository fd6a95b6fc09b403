// libFuzzer target for the ACL rule parser (ACL SETUSER, `user` config
// lines, ACL files): arbitrary rules, one per line, must be applied or
// refused, never crash. A user's description (ACL LIST's text) must read
// back to the same user: applied to a fresh user it describes identically.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acl/acl_user.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 4096) return 0;
  const bool allch = data[0] & 1;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> rules, merged;
  size_t start = 0;
  while (start <= in.size()) {
    size_t nl = in.find('\n', start);
    if (nl == std::string_view::npos) nl = in.size();
    rules.emplace_back(in.substr(start, nl - start));
    start = nl + 1;
  }
  size_t bad = 0;
  if (!vireo::AclMergeSelectorArgs(rules, &merged, &bad)) {
    if (bad >= rules.size() || rules[bad].empty() || rules[bad][0] != '(') __builtin_trap();
    return 0;
  }
  vireo::AclUser u("fuzz", allch);
  for (const std::string& r : merged) u.Apply(r, allch);
  const std::string text = u.Describe();
  // Patterns and first arguments are free text: with spaces, quotes or
  // parentheses the description is ambiguous (in Redis too), so only
  // plain ones are checked for the round trip.
  auto plain = [](const std::string& s) { return s.find_first_of(" \t\r\n\v\f()\"'\\") == std::string::npos; };
  for (const vireo::AclSelector& s : u.selectors) {
    for (const auto& p : s.patterns) {
      if (!plain(p.pattern)) return 0;
    }
    for (const auto& c : s.channels) {
      if (!plain(c)) return 0;
    }
    for (const auto& [id, args] : s.firstargs) {
      for (const auto& a : args) {
        if (!plain(a)) return 0;
      }
    }
  }
  // Round trip: the description is space-separated rules (selectors in
  // parentheses), as ACL LIST and ACL SAVE write them.
  std::vector<std::string> words, again;
  start = 0;
  while (start <= text.size()) {
    size_t sp = text.find(' ', start);
    if (sp == std::string::npos) sp = text.size();
    words.push_back(text.substr(start, sp - start));
    start = sp + 1;
  }
  if (!vireo::AclMergeSelectorArgs(words, &again, &bad)) __builtin_trap();
  vireo::AclUser v("fuzz", allch);
  for (const std::string& r : again) {
    if (v.Apply(r, allch) != vireo::AclRuleError::kNone) __builtin_trap();
  }
  if (v.Describe() != text) __builtin_trap();
  return 0;
}
