// Keyspace: the node's numbered databases, the shared access clock and the
// expiry statistics, and the active expiry cycle that reclaims keys nobody reads.
// Thread rule: owned and used by the node's main thread only.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/active_defrag.h"
#include "engine/database.h"

namespace vireo {

class Keyspace {
 public:
  explicit Keyspace(int databases);
  ~Keyspace() { preserver_ = nullptr; }
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  int count() const { return int(dbs_.size()); }
  Database& db(int i) { return *dbs_[i]; }
  KeyspaceStats& stats() { return stats_; }
  void set_key_event_hooks(KeyEventHooks hooks) { hooks_ = hooks; }
  void set_deletion_timer(KeyEventHooks::TimeFn fn) { hooks_.deletion_time = fn; }
  // The running snapshot's preserver, or nullptr (see EntryPreserver).
  void set_preserver(EntryPreserver* p) { preserver_ = p; }
  EntryPreserver* preserver() const { return preserver_; }
  // Which deletions are lazy (lazyfree-lazy-*); the freer is the Keyspace's.
  FreeSettings& free_settings() { return free_; }
  LazyFreer& lazy_freer() { return lazy_; }

  // The 24-bit seconds clock stored in entries for OBJECT IDLETIME.
  uint32_t lru_clock() const { return clock_.lru; }
  void UpdateLruClock(int64_t now_ms) { clock_.Update(now_ms); }
  // The access field's layout (LRU or LFU) and its parameters.
  AccessClock& access_clock() { return clock_; }
  const AccessClock& access_clock() const { return clock_; }
  // Seconds since an entry was last touched, handling the clock's wrap.
  uint64_t IdleSeconds(const Entry* e) const;
  static constexpr uint32_t kLruMask = (1u << 24) - 1;

  // Redis's adaptive expiry cycle. Slow: from the timer, with a budget of a
  // share of the timer period. Fast: before sleeping, at most 1 ms, only when
  // the last slow cycle left many expired keys behind.
  void ActiveExpireCycle(bool fast, int hz, int effort, int64_t now_ms);
  bool active_expire_enabled() const { return active_expire_enabled_; }

  // Keeps the dataset static until until_ms (INT64_MAX: until told; 0: not
  // paused), as Redis 7.0 does while clients are paused: expired keys read as
  // missing but are not deleted (lazily or actively) and the node does not
  // evict. The deadline is compared with the caller's clock, so a pause that
  // has run out stops holding deletions at once, before the cron lifts it.
  void PauseDeletions(int64_t until_ms) { rule_.deletions_paused_until = until_ms; }
  bool DeletionsPaused(int64_t now_ms) const { return now_ms < rule_.deletions_paused_until; }
  // How lookups treat expired keys (see ExpiredView); the node sets it around
  // each command on a replica. Returns the view it replaces.
  ExpiredView SetExpiredView(ExpiredView v) {
    ExpiredView old = rule_.view;
    rule_.view = v;
    return old;
  }
  void set_active_expire_enabled(bool on) { active_expire_enabled_ = on; }

  // Active defragmentation's state and counters (activedefrag).
  ActiveDefrag& defrag() { return defrag_; }

  // Incremental rehash of every database's tables, within a time budget.
  void RehashStep(int us);
  void FlushAll(bool lazy = false);
  uint64_t TotalKeys() const;

 private:
  // Declared before the databases, which read it through a pointer to the
  // end; cleared first on destruction so freeing them preserves nothing.
  EntryPreserver* preserver_ = nullptr;
  ExpiryRule rule_;  // read by every Database through a pointer
  std::vector<std::unique_ptr<Database>> dbs_;
  KeyspaceStats stats_;
  KeyEventHooks hooks_;
  AccessClock clock_;
  // Destroyed before the databases (which then free synchronously); its
  // destructor joins the thread once every hand-off is freed.
  LazyFreer lazy_;
  FreeSettings free_;
  bool active_expire_enabled_ = true;
  ActiveDefrag defrag_;
  // State kept between cycles, as Redis does, so one cycle resumes where the last stopped.
  int next_db_ = 0;
  bool timelimit_exit_ = false;
  int64_t last_fast_cycle_us_ = 0;
};

}  // namespace vireo
