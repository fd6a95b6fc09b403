// Transactions: a client's MULTI queue (MultiState) and the registry of
// WATCHed keys (WatchRegistry) that marks watching clients dirty when a key
// changes, so their EXEC fails (optimistic locking, Redis's CAS semantics).
//
// A watched key counts as changed when a write command reports it
// (CommandServices::KeyModified), when it is deleted by expiry, when its
// database is flushed or swapped while it exists, and, checked at EXEC, when
// its TTL has passed since WATCH. A key that was already logically expired
// at WATCH time and is then deleted by expiry is not a change (Redis 7.0).
// Thread rule: main thread only, like the Server that owns the registry.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/hash.h"

namespace vireo {

class Client;
class Keyspace;
struct Command;

// One command waiting for EXEC: its arguments are owned (the query buffer
// they came from is consumed before EXEC).
struct QueuedCommand {
  Command* cmd;
  std::vector<std::string> args;
};

struct MultiState {
  bool active = false;      // between MULTI and EXEC/DISCARD
  bool dirty_exec = false;  // a command was rejected while queueing: EXEC aborts
  bool dirty_cas = false;   // a watched key changed: EXEC replies a null array
  std::vector<QueuedCommand> queue;
  uint32_t cmd_flags = 0;   // union of the queued commands' flags (EXEC's OOM refusal)
  uint32_t cmd_inv_flags = 0;  // union of their missing flags (EXEC's MASTERDOWN: one lacks "stale")
  size_t arg_bytes = 0;     // CLIENT LIST multi-mem
  void Clear() { *this = MultiState(); }
};

// What a client watches (its side of the registry, for UNWATCH and EXEC).
struct WatchedKey {
  int db;
  std::string key;
};

class WatchRegistry {
 public:
  bool empty() const { return watched_ == 0; }
  // WATCH: adds (db, key) for c unless c watches it already.
  void Watch(Client* c, int db, std::string_view key, bool expired_at_watch);
  // UNWATCH, EXEC, DISCARD, RESET, disconnect.
  void UnwatchAll(Client* c);
  // A key changed; key_gone: it no longer exists (deleted or expired).
  void Touch(int db, std::string_view key, bool key_gone);
  // Database `db` is about to be emptied (FLUSHDB/FLUSHALL) or, when
  // replaced_with >= 0, swapped with that database (SWAPDB). Only keys that
  // exist on either side count as changed.
  void TouchDb(Keyspace& ks, int db, int replaced_with, int64_t now_ms);
  // EXEC's last check: a watched key whose TTL passed since WATCH.
  bool AnyExpiredSinceWatch(const Client& c, Keyspace& ks, int64_t now_ms) const;

 private:
  // One client watching one key. The flag lives here, not in the client's
  // list, so a write finds it without scanning what that client watches
  // (WATCH of 100,000 keys stays linear).
  struct Watcher {
    Client* client;
    bool expired_at_watch;  // logically expired (still stored) when WATCHed
  };
  using KeyMap = std::unordered_map<std::string, std::vector<Watcher>, KeyHash, std::equal_to<>>;
  void MarkDirtyAndUnwatch(const std::vector<Client*>& clients);
  void RemoveWatcher(int db, const std::string& key, Client* c);

  std::vector<KeyMap> by_db_;  // index: database number, grown on demand
  size_t watched_ = 0;         // (client, key) pairs, for the fast "nobody watches" test
};

}  // namespace vireo
