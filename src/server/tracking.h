// Client-side caching (CLIENT TRACKING), Redis 7.0's design:
//  - default mode: the keys a tracking client reads (read-only commands)
//    are remembered in one table, key -> client ids; when a key changes,
//    each of those clients gets one "invalidate" message and the key is
//    forgotten until read again;
//  - BCAST mode: clients subscribe to key prefixes; keys changed under a
//    prefix are collected and sent, one message per prefix, before the
//    loop sleeps; nothing is remembered per read.
// Messages are RESP3 pushes, or, with REDIRECT, "message" frames on
// __redis__:invalidate to a RESP2 client subscribed there. A message for the
// client whose own command caused it is held until that command (or the
// whole EXEC) has replied, as Redis 7.0 does. The table is bounded by
// tracking-table-max-keys: beyond it, keys are evicted by invalidating them.
// Thread rule: main thread only; owned by the Server.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/hash.h"

namespace vireo {

class Client;
class Server;

// A client's tracking options (CLIENT TRACKING / CACHING).
struct ClientTracking {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  bool broken_redirect = false;  // the REDIRECT client went away
  bool caching_given = false;    // CLIENT CACHING YES (optin) / NO (optout) for the next command
  uint64_t redirect = 0;
  std::vector<std::string> prefixes;  // BCAST, sorted
};

class Tracking {
 public:
  explicit Tracking(Server& server) : server_(server) {}

  size_t clients() const { return clients_; }
  size_t total_keys() const { return keys_.size(); }
  size_t total_items() const { return items_; }
  size_t total_prefixes() const { return prefixes_.size(); }

  // CLIENT TRACKING ON (after the handler validated the options) / OFF.
  void Enable(Client* c, bool bcast, bool optin, bool optout, bool noloop, uint64_t redirect,
              const std::vector<std::string>& prefixes);
  void Disable(Client* c);

  // After a read-only command of c ran: remember its keys when c tracks
  // them (default mode, and OPTIN/OPTOUT with CLIENT CACHING as Redis).
  void RememberKeys(Client* c, const std::vector<std::string_view>& keys);
  // A key changed (any database: the table is by name, as Redis's);
  // modifier is the client whose command is running (null: the cron);
  // NOLOOP clients are not told of their own changes.
  // broadcast: also collect it for BCAST prefixes (not for evictions).
  void InvalidateKey(std::string_view key, Client* modifier, bool broadcast = true);
  // Anything to do on a key change (cheap test for the write path).
  bool active() const { return !keys_.empty() || !prefixes_.empty(); }
  bool has_held() const { return held_for_ != nullptr; }
  // FLUSHDB / FLUSHALL: every tracking client gets a null invalidation and
  // the table is emptied.
  void InvalidateAll(Client* modifier);
  // The command of c (Call's outermost level) is done: send what was held.
  void FlushHeld(Client* c);
  // Before the loop sleeps: BCAST messages.
  void BroadcastPending();
  // tracking-table-max-keys: evicts keys (invalidating them) with bounded
  // effort; called before commands and from the cron.
  void EnforceLimit(long long max_keys);
  void ClientClosed(Client* c);

 private:
  // Delivers one invalidation for tracking client c: keys, or null (flush).
  void Send(Client* c, const std::vector<std::string_view>* keys);
  void SendOrHold(Client* c, std::string_view key, Client* executing);
  void RemovePrefixes(Client* c);

  struct Prefix {
    std::unordered_set<uint64_t> clients;
    // Keys changed since the last broadcast -> the client that changed them
    // (0 when several did), for NOLOOP; sorted as Redis's radix tree sends them.
    std::map<std::string, uint64_t, std::less<>> pending;
  };

  Server& server_;
  std::unordered_map<std::string, std::vector<uint64_t>, KeyHash, std::equal_to<>> keys_;
  size_t items_ = 0;
  std::map<std::string, Prefix, std::less<>> prefixes_;
  size_t pending_prefixes_ = 0;  // prefixes with pending keys
  size_t clients_ = 0;
  // Messages held for the executing client: key, or nullopt for a flush.
  Client* held_for_ = nullptr;
  std::vector<std::optional<std::string>> held_;
  unsigned limit_rounds_ = 0;  // EnforceLimit's growing effort, as Redis
};

}  // namespace vireo
