#include "server/pubsub.h"

#include <algorithm>

#include "base/glob.h"
#include "server/client.h"

namespace vireo {

namespace {

void AppendBulk(std::string& out, std::string_view s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out.append(s);
  out += "\r\n";
}

void Remove(std::vector<Client*>& v, Client* c) {
  // Subscription order is kept (delivery order follows it, as in Redis).
  auto it = std::find(v.begin(), v.end(), c);
  if (it != v.end()) v.erase(it);
}

}  // namespace

std::string PubSubMessageBytes(std::initializer_list<std::string_view> parts) {
  std::string out = "*" + std::to_string(parts.size()) + "\r\n";
  for (std::string_view p : parts) AppendBulk(out, p);
  return out;
}

ClientSubscriptions& PubSubRegistry::SubsOf(Client* c) {
  if (!c->subs) c->subs = std::make_unique<ClientSubscriptions>();
  return *c->subs;
}

bool PubSubRegistry::Subscribe(Client* c, Kind kind, std::string_view channel) {
  ClientSubscriptions& s = SubsOf(c);
  size_t before = s.total();
  auto& own = kind == kChannel ? s.channels : s.shard_channels;
  if (!own.emplace(channel).second) return false;
  channels_[kind][std::string(channel)].push_back(c);
  if (before == 0) ++subscribed_clients_;
  return true;
}

bool PubSubRegistry::Unsubscribe(Client* c, Kind kind, std::string_view channel) {
  if (!c->subs) return false;
  auto& own = kind == kChannel ? c->subs->channels : c->subs->shard_channels;
  auto it = own.find(std::string(channel));
  if (it == own.end()) return false;
  own.erase(it);
  auto ch = channels_[kind].find(std::string(channel));
  if (ch != channels_[kind].end()) {
    Remove(ch->second, c);
    if (ch->second.empty()) channels_[kind].erase(ch);
  }
  AfterRemoval(c);
  return true;
}

bool PubSubRegistry::PSubscribe(Client* c, std::string_view pattern) {
  ClientSubscriptions& s = SubsOf(c);
  size_t before = s.total();
  if (!s.patterns.emplace(pattern).second) return false;
  patterns_[std::string(pattern)].push_back(c);
  if (before == 0) ++subscribed_clients_;
  return true;
}

bool PubSubRegistry::PUnsubscribe(Client* c, std::string_view pattern) {
  if (!c->subs) return false;
  auto it = c->subs->patterns.find(std::string(pattern));
  if (it == c->subs->patterns.end()) return false;
  c->subs->patterns.erase(it);
  auto p = patterns_.find(std::string(pattern));
  if (p != patterns_.end()) {
    Remove(p->second, c);
    if (p->second.empty()) patterns_.erase(p);
  }
  AfterRemoval(c);
  return true;
}

void PubSubRegistry::AfterRemoval(Client* c) {
  if (c->subs->total() == 0) --subscribed_clients_;
}

void PubSubRegistry::RemoveClient(Client* c) {
  if (!c->subs) return;
  bool had = c->subs->total() > 0;
  for (int k = 0; k < 2; ++k) {
    auto& own = k == kChannel ? c->subs->channels : c->subs->shard_channels;
    for (const std::string& name : own) {
      auto ch = channels_[k].find(name);
      if (ch == channels_[k].end()) continue;
      Remove(ch->second, c);
      if (ch->second.empty()) channels_[k].erase(ch);
    }
  }
  for (const std::string& name : c->subs->patterns) {
    auto p = patterns_.find(name);
    if (p == patterns_.end()) continue;
    Remove(p->second, c);
    if (p->second.empty()) patterns_.erase(p);
  }
  c->subs.reset();
  if (had) --subscribed_clients_;
}

void PubSubRegistry::Append(Client* c, const std::string& bytes) {
  std::string& out = c->reply.buffer();
  size_t at = out.size();
  out += bytes;
  if (c->reply.proto() >= 3) out[at] = '>';
  if (output_hook_) output_hook_(output_ctx_, c);
}

size_t PubSubRegistry::Publish(Kind kind, std::string_view channel, std::string_view message) {
  size_t receivers = 0;
  auto ch = channels_[kind].find(std::string(channel));
  if (ch != channels_[kind].end()) {
    std::string bytes = PubSubMessageBytes({kind == kChannel ? "message" : "smessage", channel, message});
    // A receiver may be closed by the output hook (buffer limit): it stays
    // in the list until freed, so iterate over a stable copy of the size.
    const std::vector<Client*>& list = ch->second;
    for (size_t i = 0; i < list.size(); ++i) {
      Client* c = list[i];
      ++receivers;
      if (!c->closing) Append(c, bytes);
    }
  }
  if (kind != kChannel || patterns_.empty()) return receivers;
  for (auto& [pattern, clients] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    std::string bytes = PubSubMessageBytes({"pmessage", pattern, channel, message});
    for (Client* c : clients) {
      ++receivers;
      if (!c->closing) Append(c, bytes);
    }
  }
  return receivers;
}

}  // namespace vireo
