// ReplicaWrittenExpires: the keys that a writable replica's own clients gave
// a TTL (Redis 7.0's "slave keys with expire", INFO's
// slave_expires_tracked_keys). A replica never expires its primary's keys
// (the primary's DEL does), so without this list a key a client wrote here
// with a TTL would stay in memory until something wrote it again. The cron
// samples the list at random and deletes the keys whose TTL passed, as
// Redis's expireSlaveKeys does; a key gone or persisted leaves the list.
// A name is kept once with a bitmask of the databases (0-63) it was written
// in; keys in higher databases are not tracked (as Redis).
// Thread rule: main thread only (commands and cron).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vireo {

class Keyspace;

class ReplicaWrittenExpires {
 public:
  // key in db now has a TTL set by one of this replica's clients.
  void Remember(int db, std::string_view key);
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Every database emptied (FLUSHALL, a full sync): nothing left to track.
  void Clear();
  // One cron step: random picks, deleting tracked keys whose TTL passed and
  // forgetting keys without one; stops after a few picks that had nothing
  // to delete, or after about 1 ms.
  void ExpireStep(Keyspace& ks, int64_t now_ms);

 private:
  void RemoveAt(size_t i);
  std::vector<std::pair<std::string, uint64_t>> entries_;  // name, database bitmask
  std::unordered_map<std::string_view, size_t> index_;     // name -> position in entries_
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace vireo
