#include "engine/database.h"

#include <utility>

#include "base/clock.h"

namespace vireo {

Database::Database(int index, KeyspaceStats* stats, AccessClock* clock, const KeyEventHooks* hooks,
                   EntryPreserver* const* preserver, const FreeSettings* free,
                   const ExpiryRule* rule)
    : index_(index),
      stats_(stats),
      clock_(clock),
      hooks_(hooks),
      preserver_(preserver),
      free_(free),
      rule_(rule) {}

void Database::PreserveAllForSnapshot() {
  if (!*preserver_) return;
  keys_.ForEach([this](Entry* e) { PreserveForSnapshot(e); });
}

Database::~Database() { Clear(); }

Entry* Database::Lookup(std::string_view key, int64_t now_ms, bool touch) {
  Entry* e = keys_.Find(key);
  if (!e) return nullptr;
  if (IsExpired(e, now_ms)) [[unlikely]] {
    if (!rule_ || rule_->view != ExpiredView::kLive) {
      ExpireFound(e, now_ms);
      return nullptr;
    }
  }
  if (touch) clock_->Touch(e);
  return e;
}

void Database::Add(Entry* e) {
  e->set_lru(clock_->Initial());
  keys_.Insert(e);
  if (e->has_expire()) expires_.Insert(e);
  if (hooks_->added) hooks_->added(hooks_->ctx, index_, e->key());
  MaybeSignalReady(e);
}

void Database::Overwrite(Entry* e) {
  Entry** slot = keys_.FindSlot(e->key());
  if (!slot) {
    Add(e);
    return;
  }
  Replace(*slot, e);
}

void Database::Replace(Entry* old, Entry* fresh, bool free_old) {
  if (old != fresh) {
    PreserveForSnapshot(old);
    Entry** slot = keys_.FindSlot(old->key());
    *slot = fresh;
    // A new value under LFU inherits the key's counter (Redis's dbSetValue);
    // under LRU it was just accessed.
    fresh->set_lru(clock_->lfu ? old->lru() : clock_->lru);
    // The expires table holds the same pointer: keep it in step.
    if (old->has_expire() && fresh->has_expire()) {
      *expires_.FindSlot(old->key()) = fresh;
    } else if (old->has_expire()) {
      expires_.Remove(old->key());
    } else if (fresh->has_expire()) {
      expires_.Insert(fresh);
    }
    // A stream replaced by another type wakes its readers too (XREADGROUP
    // then fails, as Redis's signalDeletedKeyAsReady makes it).
    if (old->type() == ObjType::kStream && fresh->type() != ObjType::kStream && hooks_->ready) {
      hooks_->ready(hooks_->ctx, index_, fresh->key());
    }
    if (free_old) FreeEntry(old, free_ && free_->server_del);
    MaybeSignalReady(fresh);
  }
}

bool Database::Delete(std::string_view key) {
  Entry* e = Detach(key);
  if (!e) return false;
  FreeEntry(e, free_ && free_->server_del);
  return true;
}

bool Database::DeleteByUser(std::string_view key, bool unlink) {
  Entry* e = Detach(key);
  if (!e) return false;
  FreeEntry(e, unlink || (free_ && free_->user_del));
  return true;
}

Entry* Database::Detach(std::string_view key) {
  Entry* e = keys_.Remove(key);
  if (!e) return nullptr;
  PreserveForSnapshot(e);
  if (e->has_expire()) expires_.Remove(key);
  // Readers blocked on a deleted stream are woken (XREADGROUP answers an error).
  if (e->type() == ObjType::kStream) MaybeSignalReady(e);
  return e;
}

Entry* Database::SetExpire(Entry* e, int64_t when_ms) {
  PreserveForSnapshot(e);
  bool has = when_ms >= 0;
  if (has && e->has_expire()) {
    e->set_expire_ms(when_ms);
    return e;
  }
  if (!has && !e->has_expire()) return e;
  std::string_view key = e->key();
  Entry** slot = keys_.FindSlot(key);
  if (e->has_expire()) expires_.Remove(key);
  Entry* moved = Entry::WithExpire(e, has, when_ms);  // frees e
  *slot = moved;
  if (has) expires_.Insert(moved);
  return moved;
}

void Database::ExpireEntry(Entry* e) {
  PreserveForSnapshot(e);
  std::string_view key = e->key();
  if (hooks_->expired) hooks_->expired(hooks_->ctx, index_, key);
  const int64_t start_us = hooks_->deletion_time ? MonoUs() : 0;
  keys_.Remove(key);
  expires_.Remove(key);
  FreeEntry(e, free_ && free_->expire);
  if (start_us) [[unlikely]] hooks_->deletion_time(hooks_->ctx, false, MonoUs() - start_us);
  stats_->expired_keys++;
}

void Database::EvictEntry(Entry* e) {
  PreserveForSnapshot(e);
  std::string_view key = e->key();
  if (hooks_->evicted) hooks_->evicted(hooks_->ctx, index_, key);
  const int64_t start_us = hooks_->deletion_time ? MonoUs() : 0;
  keys_.Remove(key);
  if (e->has_expire()) expires_.Remove(key);
  FreeEntry(e, free_ && free_->eviction);
  if (start_us) [[unlikely]] hooks_->deletion_time(hooks_->ctx, true, MonoUs() - start_us);
  stats_->evicted_keys++;
}

void Database::Clear(bool lazy) {
  PreserveAllForSnapshot();
  expires_.Clear([](Entry*) {});
  if (lazy && free_ && free_->freer) {
    uint64_t inline_freed = 0;
    keys_.Clear([this, &inline_freed](Entry* e) {
      if (!free_->freer->FreeEntry(e)) ++inline_freed;
    });
    free_->freer->CountFreedInline(inline_freed);
  } else {
    keys_.Clear([](Entry* e) { Entry::Free(e); });
  }
  expire_cursor_ = 0;
}

void Database::SwapContents(Database& other) {
  PreserveAllForSnapshot();
  other.PreserveAllForSnapshot();
  keys_.Swap(other.keys_);
  expires_.Swap(other.expires_);
  std::swap(expire_cursor_, other.expire_cursor_);
}

bool Database::RehashMicroseconds(int us) {
  bool a = keys_.rehashing() ? keys_.RehashMicroseconds(us) : false;
  bool b = expires_.rehashing() ? expires_.RehashMicroseconds(us) : false;
  return a || b;
}

uint64_t Database::DefragStep(uint64_t cursor, const Entry::DefragMovers& m, uint64_t* hits, uint64_t* misses,
                              uint64_t* key_hits, uint64_t* key_misses) {
  return keys_.ScanSlots(cursor, [&](Entry*& slot) {
    Entry* old = slot;
    // The expires slot is found before the move: the lookup compares keys
    // through the stored pointer, which the move frees.
    Entry** exp_slot = old->has_expire() ? expires_.FindSlot(old->key()) : nullptr;
    const uint64_t before = *hits;
    Entry* moved = Entry::Defrag(old, m, hits, misses);
    if (moved != old) {
      slot = moved;
      if (exp_slot) *exp_slot = moved;
    }
    ++*(*hits != before ? key_hits : key_misses);
  });
}

}  // namespace vireo
