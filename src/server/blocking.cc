#include "server/blocking.h"

#include <algorithm>

#include "server/client.h"
#include "server/server.h"

namespace vireo {

void BlockingRegistry::Block(Client* c, int db, const std::vector<std::string_view>& keys,
                             const std::vector<std::string_view>& command, int64_t deadline_ms,
                             TimeoutReply on_timeout) {
  if (c == rerunning_) {  // re-run found nothing: stay in line where we were
    reblocked_ = true;
    return;
  }
  Waiter w;
  w.db = db;
  for (auto k : keys) {
    if (std::find(w.keys.begin(), w.keys.end(), k) != w.keys.end()) continue;
    w.keys.emplace_back(k);
    waiting_[{db, std::string(k)}].push_back(c);
  }
  for (auto a : command) w.args.emplace_back(a);
  w.on_timeout = on_timeout;
  w.deadline = deadline_ms > 0 ? timeouts_.emplace(deadline_ms, c) : timeouts_.end();
  blocked_[c] = std::move(w);
  c->blocked = true;
}

void BlockingRegistry::Unblock(Client* c) {
  auto it = blocked_.find(c);
  if (it == blocked_.end()) return;
  Waiter& w = it->second;
  for (const std::string& k : w.keys) {
    auto q = waiting_.find({w.db, k});
    if (q == waiting_.end()) continue;
    auto& dq = q->second;
    dq.erase(std::remove(dq.begin(), dq.end(), c), dq.end());
    if (dq.empty()) waiting_.erase(q);
  }
  if (w.deadline != timeouts_.end()) timeouts_.erase(w.deadline);
  blocked_.erase(it);
  c->blocked = false;
}

void BlockingRegistry::SignalKeyReady(int db, std::string_view key) {
  if (waiting_.empty()) return;
  DbKey k{db, std::string(key)};
  if (!waiting_.count(k)) return;
  if (std::find(ready_.begin(), ready_.end(), k) == ready_.end()) ready_.push_back(std::move(k));
}

void BlockingRegistry::SignalDb(int db) {
  for (auto& [k, q] : waiting_) {
    if (k.first == db && std::find(ready_.begin(), ready_.end(), k) == ready_.end()) ready_.push_back(k);
  }
}

void BlockingRegistry::Finish(Server& server, Client* c) {
  Unblock(c);
  server.ResumeClient(c);
}

void BlockingRegistry::ServeReadyKeys(Server& server) {
  if (rerunning_) return;  // a re-run's own writes are served by the outer loop
  while (!ready_.empty()) {
    std::vector<DbKey> batch;
    batch.swap(ready_);
    for (const DbKey& key : batch) {
      auto q = waiting_.find(key);
      if (q == waiting_.end()) continue;
      std::vector<Client*> line(q->second.begin(), q->second.end());
      for (Client* c : line) {
        auto it = blocked_.find(c);
        if (it == blocked_.end() || c->closing) continue;
        std::vector<std::string> args = it->second.args;  // Unblock may free the waiter
        rerunning_ = c;
        reblocked_ = false;
        c->woken_by = &key.second;
        server.Reexecute(c, args);
        c->woken_by = nullptr;
        rerunning_ = nullptr;
        if (!reblocked_) Finish(server, c);
      }
    }
  }
}

int64_t BlockingRegistry::ExpireTimeouts(Server& server, int64_t now_ms) {
  while (!timeouts_.empty() && timeouts_.begin()->first <= now_ms) {
    Client* c = timeouts_.begin()->second;
    auto it = blocked_.find(c);
    if (it->second.on_timeout == TimeoutReply::kNullArray) {
      c->reply.NullArray();
    } else {
      c->reply.Null();
    }
    Finish(server, c);
  }
  return timeouts_.empty() ? 0 : timeouts_.begin()->first;
}

bool BlockingRegistry::UnblockWith(Server& server, Client* c, bool with_error) {
  auto it = blocked_.find(c);
  if (it == blocked_.end()) return false;
  if (with_error) {
    static constexpr const char* kUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
    c->reply.Error(kUnblocked);
    server.CountBlockedCommandError(it->second.args, kUnblocked);
  } else if (it->second.on_timeout == TimeoutReply::kNullArray) {
    c->reply.NullArray();
  } else {
    c->reply.Null();
  }
  Finish(server, c);
  return true;
}

}  // namespace vireo
