#include "server/replica_written_expires.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/keyspace.h"

namespace vireo {
namespace {

// Many names, short (stored inside the string) and long, so the index is
// re-pointed through vector growth and swap-removal; every expired key goes,
// every live one stays tracked, persisted and missing ones are forgotten.
TEST(ReplicaWrittenExpiresTest, ExpiresTrackedKeysAndForgetsTheRest) {
  Keyspace ks(2);
  ReplicaWrittenExpires t;
  const int n = 300;
  for (int i = 0; i < n; ++i) {
    std::string key = (i % 2 ? "k" : std::string(40, 'x') + "-") + std::to_string(i);
    const int db = i % 3 == 0 ? 1 : 0;
    ks.db(db).Add(Entry::NewString(key, "v"));
    // Thirds: expired at 1000, live until 5000, persisted (no TTL).
    if (i % 3 != 2) ks.db(db).SetExpire(ks.db(db).Find(key), i % 3 == 0 ? 1000 : 5000);
    t.Remember(db, key);
    t.Remember(db, key);  // once per name
  }
  t.Remember(64, "ignored");  // databases past 63 are not tracked
  EXPECT_EQ(t.size(), size_t(n));
  for (int round = 0; round < 10000 && t.size() > size_t(n / 3); ++round) t.ExpireStep(ks, 2000);
  EXPECT_EQ(t.size(), size_t(n / 3));  // the live ones
  EXPECT_EQ(ks.db(1).size(), 0u);      // i % 3 == 0: all expired
  EXPECT_EQ(ks.db(0).size(), size_t(2 * n / 3));
  EXPECT_EQ(ks.stats().expired_keys, uint64_t(n / 3));
  t.Clear();
  EXPECT_TRUE(t.empty());
}

TEST(ReplicaWrittenExpiresTest, OneNameInSeveralDatabases) {
  Keyspace ks(4);
  ReplicaWrittenExpires t;
  for (int db : {0, 3}) {
    ks.db(db).Add(Entry::NewString("a", "v"));
    ks.db(db).SetExpire(ks.db(db).Find("a"), db == 0 ? 1000 : 5000);
    t.Remember(db, "a");
  }
  EXPECT_EQ(t.size(), 1u);
  for (int i = 0; i < 100; ++i) t.ExpireStep(ks, 2000);
  EXPECT_EQ(ks.db(0).size(), 0u);
  EXPECT_EQ(ks.db(3).size(), 1u);
  EXPECT_EQ(t.size(), 1u);  // still tracked for db 3
  for (int i = 0; i < 100; ++i) t.ExpireStep(ks, 6000);
  EXPECT_TRUE(t.empty());
}

}  // namespace
}  // namespace vireo
