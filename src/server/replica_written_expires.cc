#include "server/replica_written_expires.h"

#include "base/clock.h"
#include "engine/keyspace.h"

namespace vireo {

void ReplicaWrittenExpires::Remember(int db, std::string_view key) {
  if (db < 0 || db >= 64) return;
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second |= uint64_t(1) << db;
    return;
  }
  // Names live in entries_; the index views them. Growing the vector moves
  // the strings, and a short string's bytes move with it, so re-point the
  // index when the storage is reallocated.
  const bool grows = entries_.size() == entries_.capacity();
  entries_.emplace_back(std::string(key), uint64_t(1) << db);
  if (grows) {
    index_.clear();
    for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  } else {
    index_.emplace(entries_.back().first, entries_.size() - 1);
  }
}

void ReplicaWrittenExpires::Clear() {
  index_.clear();
  entries_.clear();
  entries_.shrink_to_fit();
}

void ReplicaWrittenExpires::RemoveAt(size_t i) {
  index_.erase(entries_[i].first);
  const size_t last = entries_.size() - 1;
  if (i != last) {
    index_.erase(entries_[last].first);
    entries_[i] = std::move(entries_[last]);
    entries_.pop_back();
    index_.emplace(entries_[i].first, i);  // the moved string's storage may have moved too
  } else {
    entries_.pop_back();
  }
}

void ReplicaWrittenExpires::ExpireStep(Keyspace& ks, int64_t now_ms) {
  if (entries_.empty() || ks.DeletionsPaused(now_ms)) return;
  const int64_t start_us = MonoUs();
  int picks = 0, idle_picks = 0;
  while (!entries_.empty()) {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    const size_t i = size_t(rng_ % entries_.size());
    const std::string& name = entries_[i].first;
    uint64_t dbs = entries_[i].second, still = 0;
    bool deleted = false;
    for (int db = 0; dbs && db < ks.count(); ++db, dbs >>= 1) {
      if (!(dbs & 1)) continue;
      Database& d = ks.db(db);
      Entry* e = d.Find(name);
      if (!e || !e->has_expire()) continue;
      if (Database::IsExpired(e, now_ms)) {
        d.ExpireEntry(e);
        deleted = true;
      } else {
        still |= uint64_t(1) << db;
      }
    }
    if (still) {
      entries_[i].second = still;
    } else {
      RemoveAt(i);
    }
    if (!deleted && ++idle_picks > 3) break;
    if (++picks % 64 == 0 && MonoUs() - start_us > 1000) break;
  }
}

}  // namespace vireo
