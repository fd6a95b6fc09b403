// PubSubRegistry: who listens to what. Channels (SUBSCRIBE), patterns
// (PSUBSCRIBE) and shard channels (SSUBSCRIBE, standalone behaviour) map to
// the clients subscribed, in subscription order; each client keeps the set of
// its own subscriptions (ClientSubscriptions) so UNSUBSCRIBE without
// arguments and disconnects are cheap. Publish writes the message into each
// receiver's reply buffer as a RESP2 array or a RESP3 push; the bytes are
// serialised once per message and copied per receiver, so fan-out to 10,000
// clients costs a memcpy each.
// Thread rule: owned by the Server, main thread only.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vireo {

class Client;

// One client's subscriptions (allocated on its first subscription).
struct ClientSubscriptions {
  std::unordered_set<std::string> channels, patterns, shard_channels;
  // The count SUBSCRIBE/PSUBSCRIBE replies carry (Redis: channels + patterns).
  size_t count() const { return channels.size() + patterns.size(); }
  size_t total() const { return count() + shard_channels.size(); }
};

class PubSubRegistry {
 public:
  enum Kind { kChannel = 0, kShard = 1 };
  using Listeners = std::unordered_map<std::string, std::vector<Client*>>;

  // Each returns true when the subscription is new (false: already there / not there).
  bool Subscribe(Client* c, Kind kind, std::string_view channel);
  bool Unsubscribe(Client* c, Kind kind, std::string_view channel);
  bool PSubscribe(Client* c, std::string_view pattern);
  bool PUnsubscribe(Client* c, std::string_view pattern);
  // Delivers message to every subscriber of channel (and, for kChannel, to
  // every pattern matching it); returns the number of receivers. The output
  // hook runs for each receiver after its bytes were appended (the Server
  // queues the write and applies client-output-buffer-limit).
  size_t Publish(Kind kind, std::string_view channel, std::string_view message);
  using OutputHook = void (*)(void* ctx, Client* c);
  void set_output_hook(OutputHook fn, void* ctx) {
    output_hook_ = fn;
    output_ctx_ = ctx;
  }
  // Forgets every subscription of a client that is going away (no replies).
  void RemoveClient(Client* c);

  const Listeners& channels(Kind kind) const { return channels_[kind]; }
  size_t pattern_count() const { return patterns_.size(); }
  // Subscribed clients (any kind), for INFO and the output-limit class.
  size_t subscribed_clients() const { return subscribed_clients_; }

 private:
  static ClientSubscriptions& SubsOf(Client* c);
  void AfterRemoval(Client* c);
  // Appends a message of n parts to c in its protocol: RESP2 arrays and
  // RESP3 pushes differ only in the first byte.
  void Append(Client* c, const std::string& bytes);

  Listeners channels_[2];
  Listeners patterns_;
  size_t subscribed_clients_ = 0;
  OutputHook output_hook_ = nullptr;
  void* output_ctx_ = nullptr;
};

// The wire bytes of a pub/sub message (RESP2 form; '*' becomes '>' for RESP3).
std::string PubSubMessageBytes(std::initializer_list<std::string_view> parts);

}  // namespace vireo
