// Keyspace notifications and the output side of pub/sub delivery.
//
// Notify publishes Redis's two messages for an event when
// notify-keyspace-events enables its class: first on
// "__keyspace@<db>__:<key>" (message: the event), then on
// "__keyevent@<db>__:<event>" (message: the key). Handlers call it through
// CommandServices (ctx.Modified / ctx.Notify) in the order Redis does, so the
// order subscribers see is the handlers' order. With no class enabled it is
// one AND and a return: the dispatch path pays nothing when unused.
//
// OutputAdded / CheckOutputLimit apply client-output-buffer-limit to bytes
// added to a client outside its own reply path (deliveries) and after its own
// commands, closing a reader that fell too far behind, as Redis does.
#include <algorithm>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {

void Server::Notify(uint32_t cls, std::string_view event, std::string_view key, int db) {
  const uint32_t flags = uint32_t(cfg().notify_keyspace_events);
  if (!(flags & cls)) return;
  std::string channel;
  const std::string db_text = std::to_string(db);
  if (flags & kNotifyKeyspace) {
    channel.reserve(16 + db_text.size() + key.size());
    channel = "__keyspace@";
    channel += db_text;
    channel += "__:";
    channel.append(key);
    pubsub_.Publish(PubSubRegistry::kChannel, channel, event);
  }
  if (flags & kNotifyKeyevent) {
    channel = "__keyevent@";
    channel += db_text;
    channel += "__:";
    channel.append(event);
    pubsub_.Publish(PubSubRegistry::kChannel, channel, key);
  }
}

void Server::OutputAdded(Client* c) {
  QueuePush(c);
  CheckOutputLimit(c);
  ClientMemoryChanged(c);
}

void Server::CheckOutputLimit(Client* c) {
  if (c->closing) return;
  // Redis classes a client as a replica, else by its subscriptions (any
  // protocol). The master link is never limited.
  if (c->is_master) return;
  const int cls = c->replica ? kObufReplica : c->subscribed() ? kObufPubsub : kObufNormal;
  const OutputBufferLimit& limit = cfg().client_obuf_limits[cls];
  if (limit.hard == 0 && limit.soft == 0) return;
  size_t used = c->pending_output();
  if (c->replica) {
    // A full resync's payload is not output buffer (Redis sends it apart):
    // only the stream queued behind it counts.
    const ReplicaPeer& p = *c->replica;
    if (p.payload_end > c->net_output_bytes) used -= size_t(std::min<uint64_t>(used, p.payload_end - c->net_output_bytes));
    used += p.held.size();
  }
  bool over = limit.hard && used >= limit.hard;
  if (!over && limit.soft && used >= limit.soft) {
    int64_t now = NowMs();
    if (c->obuf_soft_since_ms == 0) {
      c->obuf_soft_since_ms = now;
    } else if (now - c->obuf_soft_since_ms >= limit.soft_seconds * 1000) {
      over = true;
    }
  } else if (!over) {
    c->obuf_soft_since_ms = 0;
  }
  if (!over) return;
  VLOG_WARNING("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
               ClientInfoLine(*this, *c, NowMs()).c_str());
  stats_.client_obuf_limit_disconnections++;
  // The pending bytes are dropped with the client: never sent, never grown further.
  CloseClient(c);
}

}  // namespace vireo
