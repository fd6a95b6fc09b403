// BlockingRegistry: clients waiting for keys (BLPOP, BLMOVE, BZPOPMIN,
// BLMPOP...). A blocked client keeps its command; when a write makes one of
// its keys ready, the command is run again for it, first-come first-served
// per key, as Redis does. A run that still finds nothing blocks again and
// keeps the client's place in line.
// Thread rule: owned by the Server, main thread only.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/core/context.h"

namespace vireo {

class Client;
class Server;

class BlockingRegistry {
 public:
  using TimeoutReply = BlockTimeoutReply;

  // Blocks c on keys of database db. deadline_ms 0 = forever. Called by a
  // blocking command's handler when no key can serve it. Called again while
  // the command is being re-run for c, it only keeps c blocked.
  void Block(Client* c, int db, const std::vector<std::string_view>& keys,
             const std::vector<std::string_view>& command, int64_t deadline_ms, TimeoutReply on_timeout);
  // Forgets c everywhere (served, timed out, CLIENT UNBLOCK, disconnected).
  void Unblock(Client* c);
  bool IsBlocked(const Client* c) const { return blocked_.count(c) != 0; }
  size_t blocked_count() const { return blocked_.size(); }

  // A write may let waiters of (db, key) proceed. Cheap when nobody waits.
  void SignalKeyReady(int db, std::string_view key);
  // Every waited-on key of db is ready (SWAPDB, FLUSHALL's neighbours...).
  void SignalDb(int db);
  bool has_ready() const { return !ready_.empty(); }
  // During a re-run: its handler found nothing and blocked again.
  bool reblocked() const { return reblocked_; }

  // Re-runs the commands of clients waiting on ready keys, in order, until no
  // key is ready. Server::Reexecute does the run.
  void ServeReadyKeys(Server& server);
  // Answers clients whose deadline passed; returns the earliest deadline left (0 if none).
  int64_t ExpireTimeouts(Server& server, int64_t now_ms);
  // CLIENT UNBLOCK: false if c was not blocked.
  bool UnblockWith(Server& server, Client* c, bool with_error);

 private:
  struct Waiter {
    int db;
    std::vector<std::string> keys;
    std::vector<std::string> args;  // the command, kept to run it again
    TimeoutReply on_timeout;
    std::multimap<int64_t, Client*>::iterator deadline;  // timeouts_.end() when none
  };
  using DbKey = std::pair<int, std::string>;
  void Finish(Server& server, Client* c);

  std::unordered_map<const Client*, Waiter> blocked_;
  std::multimap<int64_t, Client*> timeouts_;  // deadline -> client
  std::map<DbKey, std::deque<Client*>> waiting_;  // per key, in arrival order
  std::vector<DbKey> ready_;
  Client* rerunning_ = nullptr;  // the client whose command is being re-run
  bool reblocked_ = false;       // its handler called Block again
};

}  // namespace vireo
