#include "engine/entry.h"

#include <gtest/gtest.h>

#include <string>

namespace vireo {
namespace {

TEST(EntryTest, EncodingsFollowRedisRules) {
  char scratch[24];
  Entry* a = Entry::NewString("k", "12345");
  EXPECT_EQ(a->encoding(), Encoding::kInt);
  EXPECT_EQ(a->StringValue(scratch), "12345");
  Entry* b = Entry::NewString("k", "012");  // not canonical: stays a string
  EXPECT_EQ(b->encoding(), Encoding::kEmbstr);
  EXPECT_EQ(b->StringValue(scratch), "012");
  Entry* c = Entry::NewString("k", std::string(44, 'x'));
  EXPECT_EQ(c->encoding(), Encoding::kEmbstr);
  Entry* d = Entry::NewString("k", std::string(45, 'x'));
  EXPECT_EQ(d->encoding(), Encoding::kRaw);
  EXPECT_EQ(d->StringValue(scratch), std::string(45, 'x'));
  Entry* e = Entry::NewString("k", "-9223372036854775808");
  EXPECT_EQ(e->encoding(), Encoding::kInt);
  EXPECT_EQ(e->StringValue(scratch), "-9223372036854775808");
  for (Entry* x : {a, b, c, d, e}) Entry::Free(x);
}

TEST(EntryTest, KeysOfAnyLength) {
  std::string long_key(300, 'k');
  long_key[17] = '\0';
  Entry* e = Entry::NewString(long_key, "v");
  EXPECT_EQ(e->key(), long_key);
  Entry* f = Entry::NewString("", "");
  EXPECT_EQ(f->key(), "");
  char scratch[24];
  EXPECT_EQ(f->StringValue(scratch), "");
  Entry::Free(e);
  Entry::Free(f);
}

TEST(EntryTest, ExpireAddAndRemoveKeepValueAndKey) {
  char scratch[24];
  Entry* e = Entry::NewString("key", std::string(100, 'v'));
  e->set_lru(12345);
  e = Entry::WithExpire(e, true, 1700000000123);
  ASSERT_TRUE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 1700000000123);
  EXPECT_EQ(e->key(), "key");
  EXPECT_EQ(e->StringValue(scratch), std::string(100, 'v'));
  EXPECT_EQ(e->lru(), 12345u);
  e->set_expire_ms(5);
  EXPECT_EQ(e->expire_ms(), 5);
  e = Entry::WithExpire(e, false, 0);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->StringValue(scratch), std::string(100, 'v'));
  Entry::Free(e);
}

TEST(EntryTest, RenameAndClone) {
  char scratch[24];
  Entry* e = Entry::NewRaw("a", "hello", 64);
  e = Entry::WithExpire(e, true, 99);
  Entry* c = Entry::Clone(e, "b", nullptr);
  e = Entry::WithKey(e, "renamed");
  EXPECT_EQ(e->key(), "renamed");
  EXPECT_EQ(e->expire_ms(), 99);
  EXPECT_EQ(c->key(), "b");
  EXPECT_EQ(c->StringValue(scratch), "hello");
  EXPECT_NE(c->heap(), e->heap());  // deep copy
  Entry::Free(e);
  Entry::Free(c);
}

TEST(EntryTest, SmallKeyIsOneSmallAllocation) {
  // The memory goal rests on this: a 16-byte key with a 16-byte value fits a 48-byte size class.
  Entry* e = Entry::NewString("key:000000000001", "vvvvvvvvvvvvvvvv");
  EXPECT_LE(e->AllocatedBytes(), 48u);
  Entry::Free(e);
}

}  // namespace
}  // namespace vireo
