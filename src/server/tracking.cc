#include "server/tracking.h"

#include <algorithm>

#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/server.h"

namespace vireo {

void Tracking::Enable(Client* c, bool bcast, bool optin, bool optout, bool noloop, uint64_t redirect,
                      const std::vector<std::string>& prefixes) {
  ClientTracking& t = c->tracking;
  if (!t.on) ++clients_;
  t.on = true;
  t.broken_redirect = false;
  t.bcast = bcast;
  t.optin = optin;
  t.optout = optout;
  t.noloop = noloop;
  t.redirect = redirect;
  if (!bcast) return;
  auto add = [&](const std::string& p) {
    auto pos = std::lower_bound(t.prefixes.begin(), t.prefixes.end(), p);
    if (pos != t.prefixes.end() && *pos == p) return;
    t.prefixes.insert(pos, p);  // sorted, as CLIENT TRACKINGINFO lists them
    prefixes_[p].clients.insert(c->id());
  };
  if (prefixes.empty()) add("");  // BCAST without PREFIX: every key
  for (const std::string& p : prefixes) add(p);
}

void Tracking::RemovePrefixes(Client* c) {
  for (const std::string& p : c->tracking.prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    it->second.clients.erase(c->id());
    if (it->second.clients.empty()) {
      if (!it->second.pending.empty()) --pending_prefixes_;
      prefixes_.erase(it);
    }
  }
  c->tracking.prefixes.clear();
}

void Tracking::Disable(Client* c) {
  ClientTracking& t = c->tracking;
  if (!t.on) return;
  RemovePrefixes(c);
  --clients_;
  const uint64_t redirect = t.redirect;  // kept, as Redis does; GETREDIR says -1 anyway
  t = ClientTracking();
  t.redirect = redirect;
  // Keys it read stay in the table until they change: entries of clients
  // that stopped tracking are skipped then (Redis's lazy cleanup).
}

void Tracking::ClientClosed(Client* c) {
  Disable(c);
  if (held_for_ == c) {
    held_for_ = nullptr;
    held_.clear();
  }
}

void Tracking::RememberKeys(Client* c, const std::vector<std::string_view>& keys) {
  const ClientTracking& t = c->tracking;
  if (!t.on || t.bcast) return;
  if ((t.optin && !t.caching_given) || (t.optout && t.caching_given)) return;
  for (std::string_view key : keys) {
    auto it = keys_.find(key);
    if (it == keys_.end()) it = keys_.emplace(std::string(key), std::vector<uint64_t>()).first;
    std::vector<uint64_t>& ids = it->second;
    if (std::find(ids.begin(), ids.end(), c->id()) != ids.end()) continue;
    ids.push_back(c->id());
    ++items_;
  }
}

void Tracking::Send(Client* c, const std::vector<std::string_view>* keys) {
  Client* target = c;
  bool redirected = false;
  if (c->tracking.redirect) {
    target = server_.FindClient(c->tracking.redirect);
    if (!target) {
      // Tell the tracking client itself that its messages go nowhere.
      c->tracking.broken_redirect = true;
      if (c->reply.proto() == 3) {
        c->reply.PushHeader(2);
        c->reply.Bulk("tracking-redir-broken");
        c->reply.Integer((long long)c->tracking.redirect);
        server_.OutputAdded(c);
      }
      return;
    }
    redirected = true;
  }
  ReplyBuilder& r = target->reply;
  if (r.proto() == 3) {
    r.PushHeader(2);
    r.Bulk("invalidate");
  } else if (redirected && target->subscribed()) {
    r.PushHeader(3);  // a RESP2 pub/sub "message" on the invalidation channel
    r.Bulk("message");
    r.Bulk("__redis__:invalidate");
  } else {
    return;  // a RESP2 client without a redirect cannot be told
  }
  if (keys) {
    r.ArrayHeader(keys->size());
    for (std::string_view k : *keys) r.Bulk(k);
  } else {
    // A flush: null in the tracking client's own protocol (as Redis).
    r.Raw(c->reply.proto() == 3 ? "_\r\n" : "$-1\r\n");
  }
  server_.OutputAdded(target);
}

void Tracking::SendOrHold(Client* c, std::string_view key, Client* executing) {
  if (c == executing) {
    held_for_ = c;
    held_.emplace_back(std::string(key));
    return;
  }
  std::vector<std::string_view> one{key};
  Send(c, &one);
}

void Tracking::InvalidateKey(std::string_view key, Client* modifier, bool broadcast) {
  if (broadcast && !prefixes_.empty()) {
    const uint64_t by = modifier ? modifier->id() : 0;
    for (auto& [prefix, p] : prefixes_) {
      if (key.substr(0, prefix.size()) != prefix) continue;
      if (p.pending.empty()) ++pending_prefixes_;
      auto [it, fresh] = p.pending.emplace(std::string(key), by);
      if (!fresh && it->second != by) it->second = 0;  // changed by several clients
    }
  }
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  std::vector<uint64_t> ids = std::move(it->second);
  keys_.erase(it);
  items_ -= ids.size();
  for (uint64_t id : ids) {
    Client* t = server_.FindClient(id);
    // Clients that stopped tracking, or switched to BCAST since, are skipped.
    if (!t || !t->tracking.on || t->tracking.bcast) continue;
    if (t->tracking.noloop && t == modifier) continue;
    SendOrHold(t, key, modifier);
  }
}

void Tracking::InvalidateAll(Client* executing) {
  if (clients_ > 0) {
    for (const auto& [id, c] : server_.clients()) {
      if (!c->tracking.on || c->closing) continue;
      if (c.get() == executing) {
        held_for_ = executing;
        held_.emplace_back(std::nullopt);
      } else {
        Send(c.get(), nullptr);
      }
    }
  }
  keys_.clear();
  items_ = 0;
}

void Tracking::FlushHeld(Client* c) {
  if (held_for_ != c) return;
  std::vector<std::optional<std::string>> held;
  held.swap(held_);
  held_for_ = nullptr;
  for (const auto& k : held) {
    if (k) {
      std::vector<std::string_view> one{*k};
      Send(c, &one);
    } else {
      Send(c, nullptr);
    }
  }
}

void Tracking::BroadcastPending() {
  if (pending_prefixes_ == 0) return;
  pending_prefixes_ = 0;
  std::vector<std::string_view> keys;
  for (auto& [prefix, p] : prefixes_) {
    if (p.pending.empty()) continue;
    for (uint64_t id : p.clients) {
      Client* c = server_.FindClient(id);
      if (!c) continue;
      keys.clear();
      for (const auto& [key, by] : p.pending) {
        if (c->tracking.noloop && by == id) continue;  // its own change
        keys.push_back(key);
      }
      if (!keys.empty()) Send(c, &keys);
    }
    p.pending.clear();
  }
}

void Tracking::EnforceLimit(long long max_keys) {
  if (max_keys <= 0 || keys_.size() <= size_t(max_keys)) {
    limit_rounds_ = 0;
    return;
  }
  // Like Redis: a bounded number of evictions per call, growing while the
  // table stays over the limit, so one command never pays for all of it.
  int effort = 100 * int(std::min(limit_rounds_ + 1, 1000u));
  while (effort-- > 0 && keys_.size() > size_t(max_keys)) {
    std::string key = keys_.begin()->first;
    InvalidateKey(key, nullptr, /*broadcast=*/false);
  }
  limit_rounds_ = keys_.size() > size_t(max_keys) ? limit_rounds_ + 1 : 0;
}

}  // namespace vireo
