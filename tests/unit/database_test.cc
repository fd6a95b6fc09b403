#include "engine/database.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/keyspace.h"

namespace vireo {
namespace {

TEST(DatabaseTest, LazyExpiryDeletesAndCounts) {
  Keyspace ks(2);
  Database& db = ks.db(0);
  db.Add(Entry::NewString("a", "1"));
  Entry* e = db.Find("a");
  e = db.SetExpire(e, 1000);
  EXPECT_EQ(db.expires_size(), 1u);
  EXPECT_NE(db.Lookup("a", 999), nullptr);
  EXPECT_EQ(db.Lookup("a", 1000), nullptr);
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(db.expires_size(), 0u);
  EXPECT_EQ(ks.stats().expired_keys, 1u);
}

// CLIENT PAUSE keeps the dataset static until the pause's deadline: lookups
// report an expired key missing without deleting it, the active cycle skips.
TEST(DatabaseTest, PausedDeletionsKeepExpiredKeysUntilTheDeadline) {
  Keyspace ks(1);
  Database& db = ks.db(0);
  for (int i = 0; i < 100; ++i) {
    db.Add(Entry::NewString(std::to_string(i), "v"));
    db.SetExpire(db.Find(std::to_string(i)), 1000);
  }
  ks.PauseDeletions(2000);
  EXPECT_EQ(db.Lookup("1", 1500), nullptr);
  EXPECT_EQ(db.size(), 100u);
  ks.ActiveExpireCycle(false, 10, 1, 1500);
  EXPECT_EQ(db.size(), 100u);
  EXPECT_EQ(ks.stats().expired_keys, 0u);
  // The deadline passed: the pause no longer holds, even before anyone lifts it.
  EXPECT_EQ(db.Lookup("1", 2000), nullptr);
  EXPECT_EQ(db.size(), 99u);
  ks.PauseDeletions(0);
  ks.ActiveExpireCycle(false, 10, 1, 2000);
  EXPECT_LT(db.size(), 99u);
}

// A replica (ExpiredView): its own readers see an expired key missing and
// leave it, the primary's stream sees it live, a write command deletes it.
TEST(DatabaseTest, ExpiredViewDecidesWhatALookupDoes) {
  Keyspace ks(1);
  Database& db = ks.db(0);
  db.Add(Entry::NewString("a", "1"));
  db.SetExpire(db.Find("a"), 1000);
  EXPECT_EQ(ks.SetExpiredView(ExpiredView::kHide), ExpiredView::kDelete);
  EXPECT_EQ(db.Lookup("a", 1500), nullptr);
  EXPECT_FALSE(db.MayDeleteExpired(1500));
  EXPECT_EQ(db.size(), 1u);
  ks.SetExpiredView(ExpiredView::kLive);
  EXPECT_NE(db.Lookup("a", 1500), nullptr);
  EXPECT_EQ(db.size(), 1u);
  ks.SetExpiredView(ExpiredView::kDelete);
  EXPECT_EQ(db.Lookup("a", 1500), nullptr);
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(ks.stats().expired_keys, 1u);
}

TEST(DatabaseTest, OverwriteDropsOldTtl) {
  Keyspace ks(1);
  Database& db = ks.db(0);
  db.Add(Entry::NewString("a", "1"));
  db.SetExpire(db.Find("a"), 5000);
  db.Overwrite(Entry::NewString("a", "2"));
  EXPECT_EQ(db.expires_size(), 0u);
  EXPECT_FALSE(db.Find("a")->has_expire());
}

TEST(DatabaseTest, ReplaceKeepsExpiresTableInStep) {
  Keyspace ks(1);
  Database& db = ks.db(0);
  db.Add(Entry::NewString("a", "1"));
  Entry* e = db.SetExpire(db.Find("a"), 5000);
  Entry* fresh = Entry::WithExpire(Entry::NewString("a", "22"), true, 7000);
  db.Replace(e, fresh);
  EXPECT_EQ(db.expires().Find("a"), fresh);
  EXPECT_EQ(db.Find("a"), fresh);
  db.SetExpire(fresh, -1);
  EXPECT_EQ(db.expires_size(), 0u);
}

TEST(DatabaseTest, ActiveExpiryReclaimsUnreadKeys) {
  Keyspace ks(1);
  Database& db = ks.db(0);
  for (int i = 0; i < 20000; ++i) {
    std::string k = "k" + std::to_string(i);
    db.Add(Entry::NewString(k, "v"));
    db.SetExpire(db.Find(k), i % 2 ? 100 : 1000000);
  }
  for (int round = 0; round < 200 && db.size() > 10000; ++round) ks.ActiveExpireCycle(false, 10, 1, 500);
  EXPECT_EQ(db.size(), 10000u);
  EXPECT_EQ(db.expires_size(), 10000u);
  EXPECT_EQ(ks.stats().expired_keys, 10000u);
}

TEST(DatabaseTest, SwapContents) {
  Keyspace ks(2);
  ks.db(0).Add(Entry::NewString("a", "1"));
  ks.db(1).Add(Entry::NewString("b", "1"));
  ks.db(1).Add(Entry::NewString("c", "1"));
  ks.db(0).SwapContents(ks.db(1));
  EXPECT_EQ(ks.db(0).size(), 2u);
  EXPECT_NE(ks.db(1).Find("a"), nullptr);
}

}  // namespace
}  // namespace vireo
