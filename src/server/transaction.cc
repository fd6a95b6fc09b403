#include "server/transaction.h"

#include <algorithm>

#include "engine/keyspace.h"
#include "server/client.h"

namespace vireo {

void WatchRegistry::Watch(Client* c, int db, std::string_view key, bool expired_at_watch) {
  for (const WatchedKey& wk : c->watched) {
    if (wk.db == db && wk.key == key) return;
  }
  if (by_db_.size() <= size_t(db)) by_db_.resize(size_t(db) + 1);
  KeyMap& m = by_db_[size_t(db)];
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), std::vector<Client*>()).first;
  it->second.push_back(c);
  c->watched.push_back({db, std::string(key), expired_at_watch});
  ++watched_;
}

void WatchRegistry::RemoveWatcher(int db, const std::string& key, Client* c) {
  KeyMap& m = by_db_[size_t(db)];
  auto it = m.find(key);
  if (it == m.end()) return;
  std::vector<Client*>& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), c), v.end());
  if (v.empty()) m.erase(it);
  --watched_;
}

void WatchRegistry::UnwatchAll(Client* c) {
  for (const WatchedKey& wk : c->watched) RemoveWatcher(wk.db, wk.key, c);
  c->watched.clear();
}

// Once dirty, a client's EXEC will fail whatever else changes: its watches
// are dropped at once instead of being kept until EXEC (as Redis 7.0 does).
void WatchRegistry::MarkDirty(Client* c) { c->multi.dirty_cas = true; }

void WatchRegistry::Touch(int db, std::string_view key, bool key_gone) {
  if (watched_ == 0 || by_db_.size() <= size_t(db)) return;
  KeyMap& m = by_db_[size_t(db)];
  auto it = m.find(key);
  if (it == m.end()) return;
  std::vector<Client*> dirty;
  for (Client* c : it->second) {
    for (WatchedKey& wk : c->watched) {
      if (wk.db != db || wk.key != key) continue;
      if (wk.expired_at_watch && key_gone) {
        // Deleting a key that was already logically expired is no change;
        // from now on it is simply a missing key.
        wk.expired_at_watch = false;
      } else {
        dirty.push_back(c);
      }
      break;
    }
  }
  for (Client* c : dirty) {
    MarkDirty(c);
    UnwatchAll(c);
  }
}

void WatchRegistry::TouchDb(Keyspace& ks, int db, int replaced_with, int64_t now_ms) {
  if (watched_ == 0 || by_db_.size() <= size_t(db)) return;
  Database& emptied = ks.db(db);
  Database* other = replaced_with >= 0 ? &ks.db(replaced_with) : nullptr;
  std::vector<Client*> dirty;
  for (auto& [key, clients] : by_db_[size_t(db)]) {
    const bool in_emptied = emptied.Find(key) != nullptr;
    const Entry* incoming = other ? other->Find(key) : nullptr;
    if (!in_emptied && !incoming) continue;
    const bool incoming_expired = incoming && Database::IsExpired(incoming, now_ms);
    for (Client* c : clients) {
      for (WatchedKey& wk : c->watched) {
        if (wk.db != db || wk.key != key) continue;
        if (wk.expired_at_watch) {
          if (!incoming) {
            wk.expired_at_watch = false;  // an expired key deleted: no logical change
            break;
          }
          if (incoming_expired) break;  // expired before, expired after
        } else if (!in_emptied && incoming_expired) {
          wk.expired_at_watch = true;  // a missing key replaced by an expired one
          break;
        }
        dirty.push_back(c);
        break;
      }
    }
  }
  for (Client* c : dirty) {
    MarkDirty(c);
    UnwatchAll(c);
  }
}

bool WatchRegistry::AnyExpiredSinceWatch(const Client& c, Keyspace& ks, int64_t now_ms) {
  for (const WatchedKey& wk : c.watched) {
    if (wk.expired_at_watch) continue;
    const Entry* e = ks.db(wk.db).Find(wk.key);
    if (e && Database::IsExpired(e, now_ms)) return true;
  }
  return false;
}

}  // namespace vireo
