#include "server/transaction.h"

#include <algorithm>

#include "engine/keyspace.h"
#include "server/client.h"

namespace vireo {

void WatchRegistry::Watch(Client* c, int db, std::string_view key, bool expired_at_watch) {
  if (by_db_.size() <= size_t(db)) by_db_.resize(size_t(db) + 1);
  KeyMap& m = by_db_[size_t(db)];
  auto it = m.find(key);
  if (it == m.end()) {
    it = m.emplace(std::string(key), std::vector<Watcher>()).first;
  } else {
    for (const Watcher& w : it->second) {
      if (w.client == c) return;  // watched already
    }
  }
  it->second.push_back({c, expired_at_watch});
  c->watched.push_back({db, std::string(key)});
  ++watched_;
}

void WatchRegistry::RemoveWatcher(int db, const std::string& key, Client* c) {
  KeyMap& m = by_db_[size_t(db)];
  auto it = m.find(key);
  if (it == m.end()) return;
  std::vector<Watcher>& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(), [c](const Watcher& w) { return w.client == c; }), v.end());
  if (v.empty()) m.erase(it);
  --watched_;
}

void WatchRegistry::UnwatchAll(Client* c) {
  for (const WatchedKey& wk : c->watched) RemoveWatcher(wk.db, wk.key, c);
  c->watched.clear();
}

// Once dirty, a client's EXEC will fail whatever else changes: its watches
// are dropped at once instead of being kept until EXEC (as Redis 7.0 does).
void WatchRegistry::MarkDirtyAndUnwatch(const std::vector<Client*>& clients) {
  for (Client* c : clients) {
    c->multi.dirty_cas = true;
    UnwatchAll(c);  // a client listed twice finds nothing left the second time
  }
}

void WatchRegistry::Touch(int db, std::string_view key, bool key_gone) {
  if (watched_ == 0 || by_db_.size() <= size_t(db)) return;
  KeyMap& m = by_db_[size_t(db)];
  auto it = m.find(key);
  if (it == m.end()) return;
  std::vector<Client*> dirty;
  for (Watcher& w : it->second) {
    if (w.expired_at_watch && key_gone) {
      // Deleting a key that was already logically expired is no change;
      // from now on it is simply a missing key.
      w.expired_at_watch = false;
    } else {
      dirty.push_back(w.client);
    }
  }
  MarkDirtyAndUnwatch(dirty);
}

void WatchRegistry::TouchDb(Keyspace& ks, int db, int replaced_with, int64_t now_ms) {
  if (watched_ == 0 || by_db_.size() <= size_t(db)) return;
  Database& emptied = ks.db(db);
  Database* other = replaced_with >= 0 ? &ks.db(replaced_with) : nullptr;
  std::vector<Client*> dirty;
  for (auto& [key, watchers] : by_db_[size_t(db)]) {
    const bool in_emptied = emptied.Find(key) != nullptr;
    const Entry* incoming = other ? other->Find(key) : nullptr;
    if (!in_emptied && !incoming) continue;
    const bool incoming_expired = incoming && Database::IsExpired(incoming, now_ms);
    for (Watcher& w : watchers) {
      if (w.expired_at_watch) {
        if (!incoming) {
          w.expired_at_watch = false;  // an expired key deleted: no logical change
          continue;
        }
        if (incoming_expired) continue;  // expired before, expired after
      } else if (!in_emptied && incoming_expired) {
        w.expired_at_watch = true;  // a missing key replaced by an expired one
        continue;
      }
      dirty.push_back(w.client);
    }
  }
  MarkDirtyAndUnwatch(dirty);
}

bool WatchRegistry::AnyExpiredSinceWatch(const Client& c, Keyspace& ks, int64_t now_ms) const {
  for (const WatchedKey& wk : c.watched) {
    const Entry* e = ks.db(wk.db).Find(wk.key);
    if (!e || !Database::IsExpired(e, now_ms)) continue;
    const KeyMap& m = by_db_[size_t(wk.db)];
    auto it = m.find(wk.key);
    for (const Watcher& w : it->second) {
      if (w.client == &c && !w.expired_at_watch) return true;
    }
  }
  return false;
}

}  // namespace vireo
