// GlobMatch against results observed with KEYS on redis-server 7.0.15.
#include "base/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace vireo {
namespace {

TEST(GlobTest, Basics) {
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h*llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(GlobMatch("abc", "abcd"));
  EXPECT_TRUE(GlobMatch("a**", "a"));
  EXPECT_TRUE(GlobMatch("*b", "ab"));
  EXPECT_FALSE(GlobMatch("[!a]", "b"));  // '!' is not a negation in Redis
}

TEST(GlobTest, EmptySubjectMatchesOnlyEmptyPattern) {
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("**", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
}

TEST(GlobTest, Escapes) {
  EXPECT_TRUE(GlobMatch("\\[", "["));
  EXPECT_TRUE(GlobMatch("\\*", "*"));
  EXPECT_FALSE(GlobMatch("\\*", "a"));
  EXPECT_TRUE(GlobMatch("\\", "\\"));  // trailing backslash is literal
  EXPECT_FALSE(GlobMatch("a\\", "a"));
  EXPECT_TRUE(GlobMatch("a\\", "a\\"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));   // escaped ']' inside a class
  EXPECT_FALSE(GlobMatch("[\\]", "\\"));  // `\]` escapes the ']' -> class of ']'
  EXPECT_TRUE(GlobMatch("[\\]", "]"));
}

TEST(GlobTest, ClassEdgeCases) {
  EXPECT_FALSE(GlobMatch("[", "["));  // empty unclosed class matches nothing
  EXPECT_TRUE(GlobMatch("[^", "x"));  // negated empty class matches anything
  EXPECT_TRUE(GlobMatch("[a", "a"));  // unclosed class ends at pattern end
  EXPECT_TRUE(GlobMatch("[a-c", "b"));
  EXPECT_FALSE(GlobMatch("[]]", "]"));  // "[]" is an empty class
  EXPECT_FALSE(GlobMatch("x[]]", "x]"));
  EXPECT_TRUE(GlobMatch("[z-a]", "b"));  // reversed range
  EXPECT_TRUE(GlobMatch("[-]", "-"));
  EXPECT_TRUE(GlobMatch("[a-]", "^"));  // range a..']' swallows the ']'
  EXPECT_TRUE(GlobMatch("[a-]x", "^"));
  EXPECT_FALSE(GlobMatch("a[", "a"));
  EXPECT_FALSE(GlobMatch("?[", "a"));
}

TEST(GlobTest, HighBytesCompareSigned) {
  EXPECT_TRUE(GlobMatch("[a-\xff]", "A"));
  EXPECT_TRUE(GlobMatch("[a-\xff]", "\xff"));
  EXPECT_FALSE(GlobMatch("[a-\xff]", "\xe9"));
  EXPECT_TRUE(GlobMatch("[\x80-\xff]", "\xe9"));
  EXPECT_TRUE(GlobMatch("[^a-\xff]", "~"));
}

TEST(GlobTest, NoCase) {
  EXPECT_TRUE(GlobMatch("PORT", "port", true));
  EXPECT_TRUE(GlobMatch("P*T", "port", true));
  EXPECT_TRUE(GlobMatch("[A-Z]ort", "port", true));
  EXPECT_FALSE(GlobMatch("PORT", "port", false));
}

TEST(GlobTest, StarGroupLimitAndNoBlowup) {
  std::string subject(1100, 'a');
  std::string p1000, p1001;
  for (int i = 0; i < 1000; ++i) p1000 += "*a";
  p1001 = p1000 + "*a";
  EXPECT_TRUE(GlobMatch(p1000, subject));
  EXPECT_FALSE(GlobMatch(p1001, subject));       // Redis's nesting limit
  EXPECT_TRUE(GlobMatch(p1000 + "*", subject));  // a trailing group is free
  std::string bad;
  for (int i = 0; i < 30; ++i) bad += "a*";
  bad += "b";
  EXPECT_FALSE(GlobMatch(bad, std::string(5000, 'a')));  // returns quickly
}

}  // namespace
}  // namespace vireo
