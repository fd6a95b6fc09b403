// Client: one connection's state — socket, query buffer and parser, pending
// reply bytes, selected database, name, protocol version and the per-client
// modes (CLIENT REPLY, MONITOR...).
// Thread rule: owned by the Server and used only on the node's main thread.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/io_buffer.h"
#include "commands/core/context.h"
#include "net/event_loop.h"
#include "resp/reply_builder.h"
#include "resp/resp_parser.h"
#include "server/pubsub.h"
#include "server/replication.h"
#include "server/tracking.h"
#include "server/transaction.h"

namespace vireo {

class Server;
struct Command;
struct AclUser;
class TlsConnection;

class Client : public IoHandler, public ClientSession {
 public:
  Client(Server* server, int fd, uint64_t id, std::string addr, std::string laddr);
  ~Client() override;

  void OnIo(uint32_t events) override;
  // A connection accepted on the tls-port: every byte goes through `tls`,
  // starting with a non-blocking handshake.
  void StartTls(std::unique_ptr<TlsConnection> tls);
  // A TLS connection whose handshake is not complete yet.
  bool tls_handshaking() const;
  // Reads what the TLS session already holds (bytes read ahead by a
  // previous owner of the session: the replica link hands it over).
  void ReadTlsBuffered();

  // Sends pending reply bytes without blocking; registers for EPOLLOUT when
  // the socket is full. Returns false if the connection failed.
  bool Flush();
  // A batched flush (net/batch_writer.h): whether this connection can be
  // written by a plain send (not TLS), and the result of one such send of
  // its pending output, taken as Flush takes a write()'s (Flush then
  // finishes the bookkeeping without a system call when all of it went).
  bool PlainSocket() const { return tls_ == nullptr; }
  void AccountBatchedWrite(ssize_t result);
  // Stops or resumes reading the socket (a paused client must not keep a
  // level-triggered epoll firing for input it will not read yet).
  void SetReading(bool on);
  bool has_pending_output() const { return reply.buffer().size() > sent_; }
  size_t pending_output() const { return reply.buffer().size() - sent_; }

  // What this connection holds in memory, as CLIENT LIST's tot-mem and
  // maxmemory-clients count it (Redis's getClientMemoryUsage): buffers at
  // their capacity, the client record, MULTI's queue, watched keys and
  // subscription/tracking bookkeeping. O(1).
  size_t MemoryUsage() const;

  int fd() const { return fd_; }
  uint64_t id() const { return id_; }
  const std::string& addr() const { return addr_; }
  const std::string& laddr() const { return laddr_; }

  // Public state, read and written by the server and command handlers.
  ReplyBuilder reply;
  RespParser parser;
  IoBuffer query;          // received bytes not yet consumed
  std::string name;
  std::string lib_name, lib_ver;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command = "NULL";
  bool close_after_reply = false;
  bool closing = false;       // freed before the next sleep
  bool pending_write = false;  // queued in the server's flush list
  bool monitor = false;
  bool no_evict = false;
  // maxmemory-clients: this client's share of Server's client memory total
  // when last measured (0 for replicas, the primary link and closing clients).
  size_t mem_tracked = 0;
  bool paused = false;        // waiting for CLIENT UNPAUSE / the pause to end
  // (blocked, db_index: see ClientSession)
  enum class ReplyMode { kOn, kOff, kSkipNext, kSkipThis } reply_mode = ReplyMode::kOn;
  // Pub/sub subscriptions (null until the first one; PubSubRegistry keeps it).
  std::unique_ptr<ClientSubscriptions> subs;
  bool subscribed() const { return subs && subs->total() > 0; }
  // When the output buffer first passed the soft client-output-buffer-limit (0: below it).
  int64_t obuf_soft_since_ms = 0;
  // MULTI queue and WATCHed keys (server/transaction.h).
  MultiState multi;
  // CLIENT TRACKING options (server/tracking.h).
  ClientTracking tracking;
  std::vector<WatchedKey> watched;
  // Replication: this is our primary's link (the stream is applied from it,
  // replies are dropped), or a replica of ours (`replica` set by PSYNC/SYNC).
  bool is_master = false;
  std::unique_ptr<ReplicaPeer> replica;
  // REPLCONF options, remembered until PSYNC makes the client a replica.
  int repl_listening_port = 0;
  std::string repl_announced_ip;
  bool repl_capa_eof = false;
  bool repl_capa_psync2 = false;
  // master_repl_offset after this client's last command (WAIT waits for it).
  int64_t woff = 0;
  // The ACL user this connection runs as (the Server sets "default" on
  // accept; deleting a user closes its clients first, so never dangling),
  // and whether it authenticated (or connected while "default" needed no
  // password): Redis's c->user and c->authenticated.
  AclUser* user = nullptr;
  bool authenticated = false;
  uint64_t commands_processed = 0;
  // A blocked command's first run, in microseconds: added to the run that
  // finally serves it for SLOWLOG and latency tracking (Redis's c->duration).
  int64_t blocked_call_us = 0;
  // Counts n bytes read from the socket (INFO splits the master link's).
  void CountInput(size_t n);
  uint64_t net_input_bytes = 0, net_output_bytes = 0;

 private:
  // TLS: the handshake, then reads of everything OpenSSL has decrypted.
  void OnTlsIo(uint32_t events);
  void ReadTls();
  std::unique_ptr<TlsConnection> tls_;
  Server* server_;
  int fd_;
  uint64_t id_;
  std::string addr_, laddr_;
  size_t sent_ = 0;       // bytes of reply.buffer() already written
  void AccountSent(size_t n);  // n more bytes written: offsets and counters
  bool want_write_ = false;
  bool reading_ = true;
};

}  // namespace vireo
