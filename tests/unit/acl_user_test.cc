// AclUser / AclSelector: the rule grammar, the descriptions ACL LIST prints
// (Redis's texts) and that a description reads back to the same user.
#include <gtest/gtest.h>

#include "acl/acl_catalog.h"
#include "acl/acl_user.h"
#include "acl/acl_users.h"

namespace vireo {
namespace {

AclUser Make(std::initializer_list<const char*> rules) {
  AclUser u("u", false);
  for (const char* r : rules) EXPECT_EQ(u.Apply(r, false), AclRuleError::kNone) << r;
  return u;
}

TEST(AclUser, HashIsSha256Hex) {
  EXPECT_EQ(AclHashPassword("pw"), "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
  EXPECT_TRUE(AclValidHash(AclHashPassword("")));
  EXPECT_FALSE(AclValidHash("30C952FAB122C3F9759F02A6D95C3758B246B4FEE239957B2D4FEE46E26170C4"));
}

TEST(AclUser, NewUserAndDefault) {
  AclUser u("x", false);
  EXPECT_EQ(u.Describe(), "off resetchannels -@all");
  AclUsers users;
  EXPECT_EQ(users.default_user()->Describe(), "on nopass ~* &* +@all");
  EXPECT_TRUE(users.default_user()->unrestricted());
}

TEST(AclUser, DescribesLikeRedis) {
  EXPECT_EQ(Make({"on", ">p1", "~k*", "+get"}).Describe(),
            "on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~k* resetchannels -@all +get");
  EXPECT_EQ(Make({"allkeys", "+@all", "-@read"}).Describe(), "off ~* resetchannels +@all -@read");
  EXPECT_EQ(Make({"reset"}).Describe(), "off sanitize-payload resetchannels -@all");
  EXPECT_EQ(Make({"(~a +get)", "(%R~b +set)"}).Describe(),
            "off resetchannels -@all (~a resetchannels -@all +get) (%R~b resetchannels -@all +set)");
  EXPECT_EQ(Make({"%RW~x", "%R~y", "%W~z"}).selectors[0].KeysText(), "~x %R~y %W~z");
}

TEST(AclUser, RuleErrors) {
  AclUser u("u", false);
  EXPECT_EQ(u.Apply("+nosuch", false), AclRuleError::kUnknownCommand);
  EXPECT_EQ(u.Apply("+get|", false), AclRuleError::kSyntax);
  EXPECT_EQ(u.Apply("+config|get|x", false), AclRuleError::kSubcommandArg);
  EXPECT_EQ(u.Apply("-select|0", false), AclRuleError::kUnknownCommand);
  EXPECT_EQ(u.Apply("%", false), AclRuleError::kSyntax);
  EXPECT_EQ(u.Apply("<nope", false), AclRuleError::kNoSuchPassword);
  EXPECT_EQ(u.Apply("#abc", false), AclRuleError::kBadHash);
  EXPECT_EQ(u.Apply("allkeys", false), AclRuleError::kNone);
  EXPECT_EQ(u.Apply("~x", false), AclRuleError::kKeyAfterAll);
  EXPECT_EQ(u.Apply("&*", false), AclRuleError::kNone);
  EXPECT_EQ(u.Apply("&x", false), AclRuleError::kChannelAfterAll);
  EXPECT_EQ(u.Apply("foo", false), AclRuleError::kSyntax);
}

TEST(AclUser, CategoriesComeFromTheCommandTable) {
  const AclCatalog& cat = AclCatalog::Get();
  int get = cat.Lookup("GET");
  ASSERT_GE(get, 0);
  EXPECT_TRUE(cat.at(get).categories & AclCatalog::CategoryFlag("read"));
  EXPECT_TRUE(cat.at(get).categories & AclCatalog::CategoryFlag("string"));
  EXPECT_GE(cat.Lookup("config|get"), 0);
  EXPECT_EQ(cat.Lookup("get|x"), -1);
  AclUser u = Make({"+@string"});
  EXPECT_TRUE(u.selectors[0].Bit(get));
  EXPECT_FALSE(u.selectors[0].Bit(cat.Lookup("lpush")));
}

TEST(AclUser, DescriptionReadsBack) {
  const char* cases[][6] = {
      {"+@all", "-@dangerous", "+flushall", "-get", "", ""},
      {"-@all", "+@read", "+@write", "-@keyspace", "+del", ""},
      {"-@all", "+config|get", "+client", "-client|kill", "+select|0", ""},
      {"+@all", "-@hash", "-@list", "+hset", "(~a +@geo)", "&c*"},
  };
  for (auto& rules : cases) {
    AclUser u("u", false);
    for (const char* r : rules) ASSERT_EQ(u.Apply(r, false), AclRuleError::kNone) << r;
    std::string text = u.Describe();
    std::vector<std::string> words, merged;
    size_t start = 0;
    while (start <= text.size()) {
      size_t sp = text.find(' ', start);
      if (sp == std::string::npos) sp = text.size();
      words.push_back(text.substr(start, sp - start));
      start = sp + 1;
    }
    size_t bad;
    ASSERT_TRUE(AclMergeSelectorArgs(words, &merged, &bad));
    AclUser v("u", false);
    for (const std::string& r : merged) ASSERT_EQ(v.Apply(r, false), AclRuleError::kNone) << r;
    EXPECT_EQ(v.Describe(), text);
    EXPECT_EQ(v.selectors[0].allowed, u.selectors[0].allowed) << text;
  }
}

}  // namespace
}  // namespace vireo
