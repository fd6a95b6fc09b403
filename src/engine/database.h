// Database: one of the numbered keyspaces (SELECT n). Owns its entries, a main
// table (key -> Entry) and an expires table holding the same Entry pointers for
// the keys that have a TTL, which is what active expiry samples.
// Keys past their deadline are removed lazily when looked up (Lookup) and
// actively by Keyspace::ActiveExpireCycle, except while deletions are paused
// (CLIENT PAUSE, FAILOVER) or on a replica (ExpiryRule): then an expired key
// reads as missing but stays.
// Thread rule: owned and used by the node's main thread only.
#pragma once
#include <cstdint>
#include <string_view>

#include "engine/access_clock.h"
#include "engine/entry.h"
#include "engine/lazy_free.h"
#include "base/hash_table.h"

namespace vireo {

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_time_cap_reached_count = 0;
  uint64_t expire_cycle_cpu_milliseconds = 0;
  double expired_stale_perc = 0;
};

using KeyTable = HashTable<Entry, EntryKeyTraits>;

// Which deletions free big values in the background (lazyfree-lazy-*), and
// the freer that does it. Owned by the Keyspace, set by the node.
struct FreeSettings {
  LazyFreer* freer = nullptr;
  bool eviction = false;    // lazyfree-lazy-eviction
  bool expire = false;      // lazyfree-lazy-expire
  bool server_del = false;  // lazyfree-lazy-server-del: overwrites, RENAME, implicit deletes
  bool user_del = false;    // lazyfree-lazy-user-del: DEL behaves as UNLINK
  bool user_flush = false;  // lazyfree-lazy-user-flush: FLUSHALL/FLUSHDB default to ASYNC
};

// What the engine tells the node about keys it changes by itself, without a
// command's handler knowing (so the node can wake, notify and invalidate):
//  ready:   a key blocked clients may wait for (list, sorted set, stream) was
//           created or replaced: RENAME, MOVE, COPY, SORT STORE... wake them too.
//  expired: a key is being deleted because its TTL passed (lazily on lookup or
//           by the active cycle); called before the entry is freed.
//  evicted: a key is being deleted by maxmemory eviction; called before the
//           entry is freed (same duties as expired: WATCH, tracking, events).
//  keymiss: a read lookup found no key (keyspace notification class m).
//  added:   a key that did not exist was added (Redis's dbAdd: class n "new").
//  deletion_time: when set, how long an expiry or eviction took to delete its
//           key, in microseconds (the node's expire-del / eviction-del latency
//           events); set only while the latency monitor is on, so unset it
//           costs one test per deletion.
// Any slot may be null. Thread rule: called on the main thread, inside the
// engine call that caused it; the callee must not touch the key's entry.
struct KeyEventHooks {
  using Fn = void (*)(void* ctx, int db, std::string_view key);
  Fn ready = nullptr;
  Fn expired = nullptr;
  Fn evicted = nullptr;
  Fn keymiss = nullptr;
  Fn added = nullptr;
  using TimeFn = void (*)(void* ctx, bool evicted, int64_t us);
  TimeFn deletion_time = nullptr;
  void* ctx = nullptr;
};

// While a point-in-time snapshot runs (persistence/snapshot_writer.h), it
// must write each entry as it was when it started. Database calls Preserve
// before it changes, replaces or drops an entry the snapshot has not written
// yet (!e->snapshot_saved()); the preserver writes it and marks it saved.
// Commands that mutate a value in place reach it through LookupWrite, which
// preserves it too; Server::Call also preserves every key a write command
// declares, for handlers that find their key another way.
// Thread rule: called on the main thread, inside the engine call.
class EntryPreserver {
 public:
  virtual ~EntryPreserver() = default;
  virtual void Preserve(int db, Entry* e) = 0;
};

// How a lookup treats a key whose TTL has passed: Redis 7.0's expireIfNeeded.
// A replica leaves expiry to its primary, which sends a DEL; until then its
// own clients see the key as missing, and the primary's stream sees it as
// live (the primary's clock decides, so an INCR of a key that expired here a
// moment early still finds its value).
enum class ExpiredView : uint8_t {
  kDelete,  // a primary, or a writable replica's write command: missing, deleted
  kHide,    // a replica's own reader: missing, kept for the primary's DEL
  kLive,    // a replica applying its primary's stream: still there
};

// What may happen to expired keys now, set by the node and read by every
// Database through one pointer (owned by the Keyspace).
struct ExpiryRule {
  // CLIENT PAUSE / FAILOVER keep the dataset static until this time (ms;
  // INT64_MAX: until told; 0: not paused).
  int64_t deletions_paused_until = 0;
  ExpiredView view = ExpiredView::kDelete;
};

class Database {
 public:
  // preserver: the Keyspace's slot for the running snapshot's preserver
  // (read through, so installing one is a single store).
  // rule: the Keyspace's ExpiryRule (read through); null: a primary never paused.
  Database(int index, KeyspaceStats* stats, AccessClock* clock, const KeyEventHooks* hooks,
           EntryPreserver* const* preserver, const FreeSettings* free = nullptr,
           const ExpiryRule* rule = nullptr);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  int index() const { return index_; }
  size_t size() const { return keys_.size(); }
  size_t expires_size() const { return expires_.size(); }

  // The entry for key, ignoring TTLs (an expired key may be returned).
  Entry* Find(std::string_view key) { return keys_.Find(key); }
  // The live entry for key: an expired key is deleted (unless deletions are
  // paused or this is a replica) and nullptr returned; while a replica applies
  // its primary's stream an expired key is returned (ExpiredView::kLive).
  // Updates the key's access clock unless touch is false.
  Entry* Lookup(std::string_view key, int64_t now_ms, bool touch = true);
  // Lookup for a command that reads the key: counts a keyspace hit or miss
  // (INFO keyspace_hits/misses), as Redis's lookupKeyRead does.
  Entry* LookupRead(std::string_view key, int64_t now_ms, bool touch = true) {
    Entry* e = Lookup(key, now_ms, touch);
    if (e) {
      ++stats_->keyspace_hits;
    } else {
      ++stats_->keyspace_misses;
      if (hooks_->keymiss) hooks_->keymiss(hooks_->ctx, index_, key);
    }
    return e;
  }
  // Lookup for a command that will write the key (no hit/miss counted).
  Entry* LookupWrite(std::string_view key, int64_t now_ms) {
    Entry* e = Lookup(key, now_ms);
    if (e) PreserveForSnapshot(e);
    return e;
  }
  // Lets a running snapshot write e before it changes (see EntryPreserver).
  void PreserveForSnapshot(Entry* e) {
    if (*preserver_ && !e->snapshot_saved()) (*preserver_)->Preserve(index_, e);
  }
  // Every entry of this database, before a change to all of them (flush, swap).
  void PreserveAllForSnapshot();
  // Adds an entry whose key is absent.
  void Add(Entry* e);
  // Adds e, deleting whatever the key held before (its TTL goes with it).
  void Overwrite(Entry* e);
  // Puts fresh in place of old (same key); frees old unless free_old is false.
  void Replace(Entry* old, Entry* fresh, bool free_old = true);
  // Removes and frees the key; false if absent. (lazyfree-lazy-server-del)
  bool Delete(std::string_view key);
  // DEL (lazy with lazyfree-lazy-user-del) and UNLINK (always lazy): a big
  // value is freed in the background.
  bool DeleteByUser(std::string_view key, bool unlink);
  // Removes the key and hands its entry to the caller.
  Entry* Detach(std::string_view key);
  // Sets (when_ms >= 0) or removes (when_ms < 0) the TTL; returns the entry at its new address.
  Entry* SetExpire(Entry* e, int64_t when_ms);
  // Deletes every key; lazy: big values are freed in the background
  // (entries themselves, from this thread's slab, are freed here).
  void Clear(bool lazy = false);
  // Exchanges contents with another database (SWAPDB).
  void SwapContents(Database& other);

  // True when the key's deadline has passed.
  static bool IsExpired(const Entry* e, int64_t now_ms) { return e->has_expire() && e->expire_ms() <= now_ms; }

  KeyTable& keys() { return keys_; }
  KeyTable& expires() { return expires_; }
  // Cursor of the active-expiry scan over expires_.
  uint64_t& expire_cursor() { return expire_cursor_; }
  // Deletes e (known expired) and counts it.
  void ExpireEntry(Entry* e);
  // An expired entry a lookup met: deleted as ExpireEntry, unless deletions
  // are paused at now_ms or this is a replica's reader (it then stays,
  // logically missing, for the end of the pause or the primary's DEL: Redis
  // 7.0's expireIfNeeded).
  void ExpireFound(Entry* e, int64_t now_ms) {
    if (MayDeleteExpired(now_ms)) ExpireEntry(e);
  }
  // True while a CLIENT PAUSE / FAILOVER keeps the dataset static: no lazy or
  // active expiry, no eviction.
  bool DeletionsPaused(int64_t now_ms) const { return rule_ && now_ms < rule_->deletions_paused_until; }
  // True on a replica serving its own clients (ExpiredView::kHide).
  bool HidesExpired() const { return rule_ && rule_->view == ExpiredView::kHide; }
  // True when an expired key met now may be deleted (a primary not paused).
  bool MayDeleteExpired(int64_t now_ms) const {
    return !rule_ || (rule_->view == ExpiredView::kDelete && now_ms >= rule_->deletions_paused_until);
  }
  // Deletes e for maxmemory eviction and counts it.
  void EvictEntry(Entry* e);
  // One step of active defragmentation (engine/active_defrag.h): offers the
  // entries of one cursor step to Entry::Defrag and stores moved entries'
  // new addresses in both tables. Returns the next cursor (0: done) and adds
  // to the counters (allocations moved/kept, keys with/without a move).
  uint64_t DefragStep(uint64_t cursor, const Entry::DefragMovers& m, uint64_t* hits, uint64_t* misses,
                      uint64_t* key_hits, uint64_t* key_misses);
  // Memory held by the tables themselves (not entries).
  size_t TableBytes() const { return keys_.bucket_bytes() + expires_.bucket_bytes(); }
  size_t KeyTableBytes() const { return keys_.bucket_bytes(); }
  size_t ExpireTableBytes() const { return expires_.bucket_bytes(); }
  // Incremental rehash of both tables within a time budget; true if work remains.
  bool RehashMicroseconds(int us);

 private:
  int index_;
  KeyspaceStats* stats_;
  AccessClock* clock_;
  const KeyEventHooks* hooks_;
  EntryPreserver* const* preserver_;  // the Keyspace's slot; *preserver_ null: no snapshot
  const FreeSettings* free_;
  const ExpiryRule* rule_;
  // Frees a detached entry, in the background when `lazy` and it is big.
  void FreeEntry(Entry* e, bool lazy) {
    if (lazy && free_ && free_->freer) {
      free_->freer->FreeEntry(e);
    } else {
      Entry::Free(e);
    }
  }
  void MaybeSignalReady(const Entry* e) {
    if (hooks_->ready && (e->type() == ObjType::kList || e->type() == ObjType::kZSet ||
                          e->type() == ObjType::kStream)) {
      hooks_->ready(hooks_->ctx, index_, e->key());
    }
  }
  KeyTable keys_;
  KeyTable expires_;
  uint64_t expire_cursor_ = 0;
};

}  // namespace vireo
