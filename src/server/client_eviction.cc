// maxmemory-clients: Redis 7.0's client eviction.
//
// Every normal and pub/sub client's memory (Client::MemoryUsage: buffers,
// MULTI queue, watches, subscriptions) is re-measured when it can change —
// after input is read and parsed, before each command, when output is
// queued by someone else or sent — and kept in one running total, so the
// check "all clients together are over the limit" is a comparison. When it
// is over, the clients using the most memory are closed first until the
// total is under the limit. Redis keeps clients in power-of-two buckets from
// 32 KiB up and evicts the topmost bucket first, in the order clients entered
// it; Vireo sorts the candidates by their measured memory, which is the same
// bucket order with the biggest client first inside a bucket. Replicas, the
// primary's link and clients with CLIENT NO-EVICT on are never evicted (their
// memory still counts in the total, as in Redis). Each eviction is logged
// ("Evicting client: <CLIENT LIST line>") and counted in INFO's
// evicted_clients.
//
// With maxmemory-clients 0 (the default) none of this runs: the hooks are
// one predictable branch on client_eviction_limit_.
#include <algorithm>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {

namespace {
// Redis's floor: a tiny maxmemory-clients must not cut every connection.
constexpr size_t kMinClientEvictionLimit = 128 * 1024;

bool CountedType(const Client& c) { return !c.is_master && !(c.replica && !c.monitor); }
}  // namespace

void Server::ApplyClientEvictionConfig() {
  // Redis's getClientEvictionLimit: a percentage needs maxmemory.
  const long long v = cfg().maxmemory_clients;
  size_t limit = 0;
  if (v < 0 && cfg().maxmemory > 0) {
    const double bytes = double(cfg().maxmemory) * double(-v) / 100.0;
    limit = bytes >= double(SIZE_MAX) ? SIZE_MAX : size_t(bytes);
  } else if (v > 0) {
    limit = size_t(v);
  }
  if (limit && limit < kMinClientEvictionLimit) limit = kMinClientEvictionLimit;
  const bool was_on = client_eviction_limit_ != 0;
  client_eviction_limit_ = limit;
  if (limit && !was_on) {
    // The per-client figures were not kept while off: measure everyone again.
    clients_mem_ = 0;
    for (auto& [id, c] : clients_) {
      c->mem_tracked = 0;
      TrackClientMemory(c.get());
    }
  }
}

void Server::TrackClientMemory(Client* c) {
  if (c->closing) return;
  const size_t m = CountedType(*c) ? c->MemoryUsage() : 0;
  clients_mem_ += m - c->mem_tracked;  // unsigned arithmetic: a shrink wraps back
  c->mem_tracked = m;
}

void Server::EvictClients() {
  const size_t limit = client_eviction_limit_;
  if (!limit || clients_mem_ < limit) return;
  std::vector<Client*> candidates;
  for (auto& [id, c] : clients_) {
    Client* cl = c.get();
    if (!cl->closing && !cl->no_evict && CountedType(*cl)) candidates.push_back(cl);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Client* a, const Client* b) { return a->mem_tracked > b->mem_tracked; });
  const int64_t now = NowMs();
  for (Client* c : candidates) {
    if (clients_mem_ < limit) return;
    VLOG_NOTICE("Evicting client: %s", ClientInfoLine(*this, *c, now).c_str());
    stats_.evicted_clients++;
    CloseClient(c);  // takes its share off clients_mem_
  }
  if (clients_mem_ >= limit && now - last_client_evict_warning_ms_ >= 1000) {
    // Redis logs this on every attempt; once a second is enough to see it.
    last_client_evict_warning_ms_ = now;
    VLOG_WARNING("Over client maxmemory after evicting all evictable clients");
  }
}

}  // namespace vireo
