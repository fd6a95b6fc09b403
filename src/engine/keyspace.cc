#include "engine/keyspace.h"

#include <vector>

#include "base/clock.h"

namespace vireo {

Keyspace::Keyspace(int databases) {
  free_.freer = &lazy_;
  for (int i = 0; i < databases; ++i) {
    dbs_.push_back(std::make_unique<Database>(i, &stats_, &clock_, &hooks_, &preserver_, &free_,
                                               &rule_));
  }
}

uint64_t Keyspace::IdleSeconds(const Entry* e) const {
  uint32_t now = clock_.lru, then = e->lru();
  return now >= then ? now - then : (kLruMask - then) + now;
}

uint64_t Keyspace::TotalKeys() const {
  uint64_t n = 0;
  for (auto& d : dbs_) n += d->size();
  return n;
}

void Keyspace::FlushAll(bool lazy) {
  for (auto& d : dbs_) d->Clear(lazy);
}

void Keyspace::RehashStep(int us) {
  for (auto& d : dbs_) {
    if (d->keys().rehashing() || d->expires().rehashing()) d->RehashMicroseconds(us);
  }
}

// The numbers are Redis's (expire.c): 20 keys sampled per loop, a loop repeats
// while more than 10% of the sample was expired, the slow cycle may use 25% of
// the timer period, the fast one runs 1 ms; `effort` (1-10) scales them up.
void Keyspace::ActiveExpireCycle(bool fast, int hz, int effort, int64_t now_ms) {
  if (!active_expire_enabled_ || DeletionsPaused(now_ms)) return;
  const int e = effort - 1;
  const int keys_per_loop = 20 + 20 / 4 * e;
  const int64_t fast_duration_us = 1000 + 1000 / 4 * e;
  const int slow_cpu_percent = 25 + 2 * e;
  const int acceptable_stale = 10 - e;

  int64_t start = MonoUs();
  if (fast) {
    if (!timelimit_exit_ && stats_.expired_stale_perc * 100 < acceptable_stale) return;
    if (start < last_fast_cycle_us_ + fast_duration_us * 2) return;
    last_fast_cycle_us_ = start;
  }
  int64_t budget = fast ? fast_duration_us : int64_t(slow_cpu_percent) * 1000000 / hz / 100;
  if (budget <= 0) budget = 1;
  timelimit_exit_ = false;

  uint64_t total_sampled = 0, total_expired = 0;
  int dbs_per_call = int(dbs_.size());
  std::vector<Entry*> sampled;
  for (int j = 0; j < dbs_per_call && !timelimit_exit_; ++j) {
    Database& db = *dbs_[next_db_ % dbs_.size()];
    next_db_ = (next_db_ + 1) % int(dbs_.size());
    int iteration = 0;
    while (true) {
      if (db.expires_size() == 0) break;
      uint64_t sampled_now = 0, expired_now = 0;
      // Walk buckets from the saved cursor until enough keys were sampled.
      uint64_t cursor = db.expire_cursor();
      int max_buckets = keys_per_loop * 20;
      while (sampled_now < uint64_t(keys_per_loop) && max_buckets-- > 0) {
        sampled.clear();
        cursor = db.expires().Scan(cursor, [&](Entry* en) { sampled.push_back(en); });
        for (Entry* en : sampled) {
          ++sampled_now;
          if (Database::IsExpired(en, now_ms)) {
            db.ExpireEntry(en);
            ++expired_now;
          }
        }
        if (cursor == 0) break;
      }
      db.expire_cursor() = cursor;
      total_sampled += sampled_now;
      total_expired += expired_now;
      if ((++iteration & 0xf) == 0 && MonoUs() - start > budget) {
        timelimit_exit_ = true;
        stats_.expired_time_cap_reached_count++;
        break;
      }
      if (sampled_now == 0 || expired_now * 100 / sampled_now <= uint64_t(acceptable_stale)) break;
      if (MonoUs() - start > budget) {
        timelimit_exit_ = true;
        stats_.expired_time_cap_reached_count++;
        break;
      }
    }
  }
  int64_t elapsed = MonoUs() - start;
  stats_.expire_cycle_cpu_milliseconds += elapsed / 1000;
  double current = total_sampled ? double(total_expired) / total_sampled : 0;
  stats_.expired_stale_perc = current * 0.05 + stats_.expired_stale_perc * 0.95;
}

}  // namespace vireo
