// The COMMAND DOCS tables: the generated facts line up with the command specs,
// the argument trees stay inside their arrays, and Vireo's prose table has
// exactly one row per command, sorted, with a complexity where Redis has one.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "commands/core/command_docs.h"
#include "commands/core/command_specs.h"

namespace vireo {
namespace {

void CheckArgs(std::span<const DocArg> args, int depth) {
  ASSERT_LT(depth, 8);
  for (const DocArg& a : args) {
    EXPECT_TRUE(a.name && *a.name);
    EXPECT_LT(a.type, std::size(kDocArgTypeNames));
    EXPECT_EQ(a.flags & ~7u, 0u) << a.name;
    bool nested = a.type == kDocArgOneof || a.type == kDocArgBlock;
    EXPECT_EQ(nested, a.children > 0) << a.name;
    if (a.type == kDocArgKey) EXPECT_GE(a.key_spec_index, 0) << a.name;  // patterns may have one too
    CheckArgs(DocArgChildren(a), depth + 1);
  }
}

TEST(CommandDocs, FactsFollowTheSpecs) {
  const auto& specs = CommandSpecs();
  ASSERT_EQ(DocFactsCount(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const CommandDocFacts& d = DocFacts(i);
    EXPECT_STREQ(d.name, specs[i].name);
    EXPECT_EQ(d.deprecated_since != nullptr, (d.doc_flags & kDocDeprecated) != 0) << d.name;
    EXPECT_EQ(d.deprecated_since != nullptr, d.replaced_by != nullptr) << d.name;
    for (const DocHistory& h : DocHistoryOf(d)) {
      EXPECT_TRUE(h.version && *h.version && h.change && *h.change) << d.name;
    }
    CheckArgs(DocArgs(d), 0);
  }
}

TEST(CommandDocs, EveryCommandHasVireoProse) {
  const auto& specs = CommandSpecs();
  std::set<std::string> names;
  for (size_t i = 0; i < specs.size(); ++i) {
    names.insert(specs[i].name);
    const CommandProse* p = FindCommandProse(specs[i].name);
    ASSERT_NE(p, nullptr) << specs[i].name;
    EXPECT_STRNE(p->summary, "") << specs[i].name;
    EXPECT_EQ(DocFacts(i).has_complexity, *p->complexity != '\0') << specs[i].name;
  }
  auto all = AllCommandProse();
  EXPECT_EQ(all.size(), specs.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(names.count(all[i].name)) << "prose for an unknown command: " << all[i].name;
    if (i > 0) EXPECT_LT(std::string_view(all[i - 1].name), std::string_view(all[i].name));
  }
  EXPECT_EQ(FindCommandProse("nosuchcommand"), nullptr);
  EXPECT_EQ(FindCommandProse("client|"), nullptr);
}

TEST(CommandDocs, KnownShapes) {
  const auto& specs = CommandSpecs();
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string_view n = specs[i].name;
    const CommandDocFacts& d = DocFacts(i);
    if (n == "zadd") {
      ASSERT_EQ(DocArgs(d).size(), 6u);
      const DocArg& cond = DocArgs(d)[1];
      EXPECT_STREQ(cond.name, "condition");
      EXPECT_EQ(cond.type, kDocArgOneof);
      EXPECT_EQ(cond.flags, kDocArgOptional);
      ASSERT_EQ(DocArgChildren(cond).size(), 2u);
      EXPECT_STREQ(DocArgChildren(cond)[0].token, "NX");
      ASSERT_EQ(DocHistoryOf(d).size(), 3u);
      EXPECT_STREQ(DocHistoryOf(d)[2].version, "6.2.0");
    } else if (n == "getset") {
      EXPECT_EQ(d.doc_flags, kDocDeprecated);
      EXPECT_STREQ(d.deprecated_since, "6.2.0");
    } else if (n == "psync") {
      EXPECT_FALSE(d.has_complexity);
    }
  }
}

}  // namespace
}  // namespace vireo
