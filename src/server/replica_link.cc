// The replica role: the link to our primary, from connect to the applied
// stream (see replication.h). Log lines follow Redis 7.0's texts, since
// operators grep for them.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "net/listener.h"
#include "net/tls.h"
#include "persistence/rdb_file.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_reader.h"
#include "server/client.h"
#include "server/replication.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

class Replication::MasterLink : public IoHandler {
 public:
  explicit MasterLink(Replication* r) : r_(r) {}
  void OnIo(uint32_t events) override { r_->OnLinkEvent(events); }

 private:
  Replication* r_;
};

namespace {

std::string Multibulk(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

std::string CompatValue(const ServerConfig& cfg, std::string_view name) {
  auto it = cfg.compat_values.find(name);
  return it == cfg.compat_values.end() ? std::string() : it->second;
}

}  // namespace

// Here, where MasterLink is complete.
Replication::Replication(Server& server) : server_(server) {
  replid_ = NewReplId();
  replid2_ = std::string(kReplIdLength, '0');
  no_replicas_since_ms_ = NowMs();
  ReloadConfig();
}

Replication::~Replication() {
  link_tls_.reset();
  if (link_fd_ >= 0) close(link_fd_);
  if (transfer_fd_ >= 0) {
    close(transfer_fd_);
    unlink(transfer_path_.c_str());
  }
}

void Replication::SetMaster(const std::string& host, int port) {
  const bool was_master = !is_replica();
  master_host_ = host;
  master_port_ = port;
  Log::SetRole('S');
  if (master_client_) {
    Client* m = master_client_;
    CacheMaster();
    master_client_ = nullptr;
    server_.CloseClient(m);
  }
  // Our replicas must follow the change of history (they will hopefully
  // continue partially with us).
  DisconnectReplicas();
  CancelHandshake();
  if (was_master) {
    // PSYNC the new primary with our own history: a promoted sibling holds
    // it as its replid2 and can continue us.
    cached_replid_ = replid_;
    cached_offset_ = master_repl_offset_;
  }
  link_state_ = kConnect;
  link_down_since_ms_ = 0;
  UpdateSinkRegistration();
  VLOG_NOTICE("Connecting to MASTER %s:%d", host.c_str(), port);
  ConnectToMaster();
}

void Replication::Promote() {
  if (!is_replica()) return;
  master_host_.clear();
  master_port_ = 0;
  Log::SetRole('M');
  if (master_client_) {
    Client* m = master_client_;
    master_client_ = nullptr;
    server_.CloseClient(m);
  }
  cached_replid_.clear();
  cached_offset_ = -1;
  CancelHandshake();
  ShiftReplId();
  DisconnectReplicas();
  link_state_ = kNone;
  stream_db_ = -1;
  no_replicas_since_ms_ = NowMs();
  link_down_since_ms_ = 0;
  CreateBacklogIfNeeded();
}

void Replication::ShiftReplId() {
  replid2_ = replid_;
  second_repl_offset_ = master_repl_offset_ + 1;
  replid_ = NewReplId();
  VLOG_WARNING("Setting secondary replication ID to %s, valid up to offset: %lld. New replication ID is %s",
               replid2_.c_str(), (long long)second_repl_offset_, replid_.c_str());
}

void Replication::CacheMaster() {
  // The master's history up to what we applied: the next PSYNC asks for the byte after it.
  cached_replid_ = replid_;
  cached_offset_ = master_repl_offset_;
  master_multi_buf_.clear();
}

void Replication::CancelHandshake() {
  link_tls_.reset();
  if (link_fd_ >= 0) {
    server_.loop().Unwatch(link_fd_);
    close(link_fd_);
    link_fd_ = -1;
  }
  if (transfer_fd_ >= 0) {
    close(transfer_fd_);
    unlink(transfer_path_.c_str());
    transfer_fd_ = -1;
  }
  transfer_mem_.clear();
  transfer_mem_.shrink_to_fit();
  framing_.reset();
  link_in_.clear();
  if (link_state_ != kNone && link_state_ != kConnected && is_replica()) link_state_ = kConnect;
}

void Replication::LinkFailed(const std::string& why) {
  if (!why.empty()) VLOG_WARNING("%s", why.c_str());
  CancelHandshake();
  if (is_replica()) link_state_ = kConnect;
  if (!link_down_since_ms_) link_down_since_ms_ = NowMs();
}

void Replication::ConnectToMaster() {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = std::to_string(master_port_);
  if (getaddrinfo(master_host_.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    LinkFailed("Unable to connect to MASTER: can't resolve " + master_host_);
    return;
  }
  int fd = -1;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    LinkFailed(std::string("Unable to connect to MASTER: ") + strerror(errno));
    return;
  }
  if (!link_) link_ = std::make_unique<MasterLink>(this);
  link_fd_ = fd;
  link_use_tls_ = server_.tls_replication();
  link_state_ = kConnecting;
  link_last_io_ms_ = NowMs();
  server_.loop().Watch(fd, link_.get(), false, true);
  VLOG_NOTICE("MASTER <-> REPLICA sync started");
}

bool Replication::SendOnLink(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n;
    if (link_tls_) {
      TlsConnection::Io io;
      n = link_tls_->Write(bytes.data() + off, bytes.size() - off, &io);
      if (n <= 0) return false;  // as below: a fresh session's buffers take the handshake
      off += size_t(n);
      continue;
    }
    n = write(link_fd_, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // the handshake's few bytes always fit a fresh socket's buffer
    off += size_t(n);
  }
  return true;
}

void Replication::OnLinkEvent(uint32_t events) {
  if (link_fd_ < 0) return;
  link_last_io_ms_ = NowMs();
  if (link_state_ == kConnecting) {
    if (!link_tls_) {  // connect() finished
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(link_fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err || (events & (EPOLLERR | EPOLLHUP))) {
        LinkFailed(std::string("Error condition on socket for SYNC: ") + strerror(err ? err : ECONNREFUSED));
        return;
      }
      ConfigureClientSocket(link_fd_, server_.cfg().tcp_keepalive);
      if (link_use_tls_) {
        const std::shared_ptr<TlsContext>& ctx = server_.tls_client_ctx();
        if (!ctx) {
          LinkFailed("Error condition on socket for SYNC: TLS is not configured");
          return;
        }
        link_tls_ = std::make_unique<TlsConnection>(*ctx, link_fd_, /*connect=*/true);
      }
    }
    if (link_tls_ && !link_tls_->handshake_done()) {
      // As in Redis, the link counts as connected once TLS is up: a primary
      // whose certificate does not verify fails here, with OpenSSL's reason.
      switch (link_tls_->Handshake()) {
        case TlsConnection::Io::kDone:
          break;
        case TlsConnection::Io::kWantRead:
          server_.loop().Watch(link_fd_, link_.get(), true, false);
          return;
        case TlsConnection::Io::kWantWrite:
          server_.loop().Watch(link_fd_, link_.get(), false, true);
          return;
        default:
          LinkFailed("Error condition on socket for SYNC: " + link_tls_->error());
          return;
      }
    }
    VLOG_NOTICE("Non blocking connect for SYNC fired the event.");
    server_.loop().Watch(link_fd_, link_.get(), true, false);
    link_state_ = kReceivePong;
    if (!SendOnLink(Multibulk({"PING"}))) LinkFailed("Unable to send PING to MASTER");
    return;
  }
  // Read what is there: a big chunk during the transfer, lines otherwise.
  char buf[64 * 1024];
  size_t tls_taken = 0;
  for (;;) {
    ssize_t n;
    if (link_tls_) {
      // A record at a time (up to 16 KB): go on while OpenSSL holds
      // decrypted bytes (epoll will not report them) and for up to 1 MB
      // per event, like the plain path's few full reads.
      if (tls_taken >= (1u << 20) && !link_tls_->HasBuffered()) break;
      TlsConnection::Io io = TlsConnection::Io::kDone;
      n = link_tls_->Read(buf, sizeof(buf), &io);
      if (n < 0 && (io == TlsConnection::Io::kWantRead || io == TlsConnection::Io::kWantWrite)) break;
      if (n > 0) tls_taken += size_t(n);
    } else {
      n = read(link_fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
    }
    if (n <= 0) {
      LinkFailed(link_state_ == kTransfer ? "I/O error trying to sync with MASTER: connection lost"
                                          : "Master closed the connection during the handshake");
      return;
    }
    server_.stats().net_repl_input_bytes += uint64_t(n);  // the handshake and the RDB payload
    if (link_state_ == kTransfer && framing_) {
      OnPayloadBytes(buf, size_t(n));
    } else {
      link_in_.append(buf, size_t(n));
      HandshakeStep();
    }
    if (link_fd_ < 0 || link_state_ == kConnected || link_state_ == kConnect) return;
    if (!link_tls_ && size_t(n) < sizeof(buf)) break;
  }
}

void Replication::HandshakeStep() {
  std::string line;
  bool too_long = false;
  while (link_fd_ >= 0 && link_state_ != kConnected) {
    if (link_state_ == kTransfer && framing_) {
      // The payload began within what was read with the last lines.
      std::string rest;
      rest.swap(link_in_);
      if (!rest.empty()) OnPayloadBytes(rest.data(), rest.size());
      return;
    }
    if (!TakeLine(&link_in_, &line, &too_long)) {
      if (too_long) LinkFailed("Protocol error from MASTER: handshake line too long");
      return;
    }
    const bool err = !line.empty() && line[0] == '-';
    const ServerConfig& cfg = server_.cfg();
    switch (link_state_) {
      case kReceivePong: {
        // An authentication error is expected here when the primary wants AUTH.
        if (err && line.compare(0, 7, "-NOAUTH") != 0 && line.compare(0, 7, "-NOPERM") != 0 &&
            line.compare(0, 28, "-ERR operation not permitted") != 0) {
          LinkFailed("Error reply to PING from master: '" + line + "'");
          return;
        }
        VLOG_NOTICE("Master replied to PING, replication can continue...");
        std::string out;
        const std::string auth = CompatValue(cfg, "masterauth");
        const std::string user = CompatValue(cfg, "masteruser");
        if (!auth.empty()) out += user.empty() ? Multibulk({"AUTH", auth}) : Multibulk({"AUTH", user, auth});
        const std::string announce_port = CompatValue(cfg, "replica-announce-port");
        // As Redis: a TLS link announces our tls-port (where the primary's
        // other replicas and Sentinel must reach us the same way).
        const int own_port = link_use_tls_ && server_.tls_port() ? server_.tls_port() : cfg.port;
        const std::string port =
            announce_port.empty() || announce_port == "0" ? std::to_string(own_port) : announce_port;
        out += Multibulk({"REPLCONF", "listening-port", port});
        const std::string ip = CompatValue(cfg, "replica-announce-ip");
        if (!ip.empty()) out += Multibulk({"REPLCONF", "ip-address", ip});
        out += Multibulk({"REPLCONF", "capa", "eof", "capa", "psync2"});
        if (!SendOnLink(out)) {
          LinkFailed("Unable to send the handshake to MASTER");
          return;
        }
        sent_auth_ = !auth.empty();
        sent_ip_ = !ip.empty();
        link_state_ = sent_auth_ ? kReceiveAuth : kReceivePort;
        break;
      }
      case kReceiveAuth:
        if (err) {
          LinkFailed("Unable to AUTH to MASTER: " + line);
          return;
        }
        link_state_ = kReceivePort;
        break;
      case kReceivePort:
        if (err) VLOG_NOTICE("(Non critical) Master does not understand REPLCONF listening-port: %s", line.c_str());
        link_state_ = sent_ip_ ? kReceiveIp : kReceiveCapa;
        break;
      case kReceiveIp:
        if (err) VLOG_NOTICE("(Non critical) Master does not understand REPLCONF ip-address: %s", line.c_str());
        link_state_ = kReceiveCapa;
        break;
      case kReceiveCapa: {
        if (err) VLOG_NOTICE("(Non critical) Master does not understand REPLCONF capa: %s", line.c_str());
        std::string psync;
        if (!cached_replid_.empty()) {
          VLOG_NOTICE("Trying a partial resynchronization (request %s:%lld).", cached_replid_.c_str(),
                      (long long)(cached_offset_ + 1));
          // A FAILOVER in progress asks the target to take over from us.
          psync = failover_state_ == FailoverState::kInProgress
                      ? Multibulk({"PSYNC", cached_replid_, std::to_string(cached_offset_ + 1), "FAILOVER"})
                      : Multibulk({"PSYNC", cached_replid_, std::to_string(cached_offset_ + 1)});
        } else {
          VLOG_NOTICE("Partial resynchronization not possible (no cached master)");
          psync = Multibulk({"PSYNC", "?", "-1"});
        }
        if (!SendOnLink(psync)) {
          LinkFailed("Unable to send PSYNC to MASTER");
          return;
        }
        link_state_ = kReceivePsync;
        break;
      }
      case kReceivePsync: {
        if (line.empty()) break;  // keep-alive newline before the answer
        OnPsyncReply(ParsePsyncReply(line), line);
        break;
      }
      case kTransfer: {
        if (line.empty()) break;  // keep-alive while the primary prepares the payload
        if (err) {
          LinkFailed("MASTER aborted replication with an error: " + line.substr(1));
          return;
        }
        PayloadHeader h;
        if (!ParsePayloadHeader(line, &h)) {
          LinkFailed("Bad protocol from MASTER, the first byte is not '$' (we received '" + line.substr(0, 64) +
                     "'), are you sure the host and port are right?");
          return;
        }
        if (h.eof_marked) {
          VLOG_NOTICE("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to %s",
                      transfer_to_disk_ ? "disk" : "parser");
        } else {
          VLOG_NOTICE("MASTER <-> REPLICA sync: receiving %llu bytes from master to %s", (unsigned long long)h.size,
                      transfer_to_disk_ ? "disk" : "parser");
        }
        framing_ = std::make_unique<PayloadFraming>(std::move(h));
        if (transfer_to_disk_) {
          transfer_path_ = server_.cfg().dir.empty() ? "" : server_.cfg().dir + "/";
          transfer_path_ += "temp-" + std::to_string(NowMs() / 1000) + "." + std::to_string(getpid()) + ".rdb";
          transfer_fd_ = open(transfer_path_.c_str(), O_CREAT | O_WRONLY | O_EXCL | O_TRUNC | O_CLOEXEC, 0644);
          if (transfer_fd_ < 0) {
            LinkFailed("Opening the temp file needed for MASTER <-> REPLICA synchronization: " +
                       std::string(strerror(errno)));
            return;
          }
        }
        if (framing_->done()) {  // "$0"
          FinishTransfer(std::string());
          return;
        }
        break;
      }
      default:
        return;
    }
  }
}

void Replication::OnPsyncReply(const PsyncReply& r, const std::string& line) {
  if (failover_state_ == FailoverState::kInProgress) {
    // The target answered our PSYNC FAILOVER: it took over, or refused.
    if (r.kind == PsyncReply::kFullResync || r.kind == PsyncReply::kContinue) {
      ClearFailover();
    } else {
      AbortFailover("Failover target rejected psync request");
      return;
    }
  }
  switch (r.kind) {
    case PsyncReply::kFullResync: {
      VLOG_NOTICE("Full resync from master: %s:%lld", r.replid.c_str(), (long long)r.offset);
      pending_replid_ = r.replid;
      pending_offset_ = r.offset;
      cached_replid_.clear();
      cached_offset_ = -1;
      // repl-diskless-load: on-empty-db loads from the socket only when
      // there is nothing to lose; swapdb always (our loader keeps the old
      // data until the new one is complete in both cases).
      bool empty = true;
      for (int i = 0; i < server_.keyspace().count() && empty; ++i) empty = server_.keyspace().db(i).size() == 0;
      transfer_to_disk_ = !(diskless_load_ == 2 || (diskless_load_ == 1 && empty));
      link_state_ = kTransfer;
      transfer_start_ms_ = NowMs();
      return;
    }
    case PsyncReply::kContinue: {
      VLOG_NOTICE("Successful partial resynchronization with master.");
      if (!r.replid.empty() && r.replid != cached_replid_) {
        // The primary continues our history under a new id (it was promoted).
        replid2_ = cached_replid_;
        second_repl_offset_ = cached_offset_ + 1;
        replid_ = r.replid;
        VLOG_WARNING("Master replication ID changed to %s", replid_.c_str());
        // Our own replicas must learn the new id: they reconnect and continue.
        DisconnectReplicas();
      } else {
        replid_ = cached_replid_;
      }
      master_repl_offset_ = cached_offset_;
      CreateBacklogIfNeeded();
      VLOG_NOTICE("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
      std::string rest;
      rest.swap(link_in_);
      StartMasterClient(std::move(rest));
      return;
    }
    case PsyncReply::kTryLater:
      LinkFailed("Master is currently unable to PSYNC but should be in the future: " + line);
      return;
    case PsyncReply::kError:
      LinkFailed("Unexpected reply to PSYNC from master: " + line);
      return;
  }
}

void Replication::OnPayloadBytes(const char* data, size_t n) {
  const size_t take = framing_->Feed(data, n);
  if (take > 0) {
    if (transfer_to_disk_) {
      size_t off = 0;
      while (off < take) {
        ssize_t w = write(transfer_fd_, data + off, take - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          LinkFailed(std::string("Write error or short write writing to the DB dump file needed for MASTER <-> "
                                 "REPLICA synchronization: ") + strerror(errno));
          return;
        }
        off += size_t(w);
      }
    } else {
      transfer_mem_.append(data, take);
    }
  }
  if (framing_->done()) FinishTransfer(std::string(data + take, n - take));
}

void Replication::FinishTransfer(std::string leftover) {
  const bool marked = framing_->header().eof_marked;
  const ServerConfig& cfg = server_.cfg();
  RdbLoadOptions opts;
  opts.limits = &cfg;
  opts.now_ms = NowMs();
  opts.drop_expired = false;  // the primary deletes expired keys and tells us
  opts.verify_checksum = cfg.rdbchecksum;
  // The primary's function libraries replace ours, as in Redis's full sync.
  opts.apply_functions = [this](const std::vector<std::string>& codes, std::string* err) {
    return server_.scripts().functions().Restore(codes, FunctionLibraries::RestorePolicy::kFlush, err);
  };
  RdbLoadResult result;
  bool ok;
  // Our replicas cannot follow a new history partially.
  DisconnectReplicas();
  server_.DbModified(-1, -1);  // WATCH, client-side caching: every key may change
  VLOG_NOTICE("MASTER <-> REPLICA sync: Flushing old data");
  if (transfer_to_disk_) {
    if (marked) {
      const off_t size = lseek(transfer_fd_, 0, SEEK_CUR) - off_t(kEofMarkLength);
      if (size < 0 || ftruncate(transfer_fd_, size) != 0) {
        LinkFailed("Failed trying to truncate the MASTER synchronization DB");
        return;
      }
    }
    fsync(transfer_fd_);
    close(transfer_fd_);
    transfer_fd_ = -1;
    const std::string path = server_.RdbPath();
    if (rename(transfer_path_.c_str(), path.c_str()) != 0) {
      LinkFailed("Failed trying to rename the temp DB into " + path + " in MASTER <-> REPLICA synchronization: " +
                 strerror(errno));
      return;
    }
    VLOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
    bool missing = false;
    ok = LoadRdbFile(path, server_.keyspace(), opts, &result, &missing);
  } else {
    if (marked) transfer_mem_.resize(transfer_mem_.size() - kEofMarkLength);
    VLOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
    RdbInput in(transfer_mem_);
    ok = LoadRdb(in, server_.keyspace(), opts, &result);
    transfer_mem_.clear();
    transfer_mem_.shrink_to_fit();
  }
  framing_.reset();
  if (!ok) {
    LinkFailed("Failed trying to load the MASTER synchronization DB from " +
               std::string(transfer_to_disk_ ? "disk" : "socket") + ": " + result.error);
    return;
  }
  if (transfer_to_disk_ && server_.cfg().rdb_del_sync_files && PersistenceDisabled()) {
    // Redis 7.0: a replica that persists nothing does not keep the
    // primary's image (a later start would load it as if it were current).
    VLOG_NOTICE("Removing the RDB file obtained from the master. This replica has persistence disabled");
    unlink(server_.RdbPath().c_str());
  }
  replid_ = pending_replid_;
  master_repl_offset_ = pending_offset_;
  replid2_ = std::string(kReplIdLength, '0');
  second_repl_offset_ = -1;
  backlog_.reset();
  CreateBacklogIfNeeded();
  VLOG_NOTICE("MASTER <-> REPLICA sync: Finished with success");
  StartMasterClient(std::move(leftover));
}

void Replication::StartMasterClient(std::string leftover) {
  server_.loop().Unwatch(link_fd_);
  const int fd = link_fd_;
  link_fd_ = -1;
  link_in_.clear();
  Client* c = server_.AdoptConnection(fd);
  // The session goes on in the client: replies (ACKs) and the stream pass
  // through it from now on.
  if (link_tls_) c->StartTls(std::move(link_tls_));
  c->is_master = true;
  master_client_ = c;
  link_state_ = kConnected;
  link_down_since_ms_ = 0;
  read_offset_ = master_repl_offset_;
  master_multi_buf_.clear();
  // The first ACK puts us online on the primary (it holds the stream of an
  // EOF-marked payload until then).
  ack_requested_ = true;
  ack_offset_ = master_repl_offset_;
  MaybeSendAck(c);
  if (!leftover.empty()) {
    std::memcpy(c->query.PrepareWrite(leftover.size()), leftover.data(), leftover.size());
    c->query.CommitWrite(leftover.size());
    server_.ProcessInput(c);
  }
  // The stream's next bytes may already sit in the TLS session (read ahead
  // with the last payload bytes): epoll would not report them.
  c->ReadTlsBuffered();
}

void Replication::MasterBytesApplied(Client* master, std::string_view bytes, bool complete) {
  (void)master;
  if (!complete) {  // inside MULTI: counted when EXEC arrives, as one unit
    master_multi_buf_.append(bytes);
    return;
  }
  std::string joined;
  if (!master_multi_buf_.empty()) {
    joined.swap(master_multi_buf_);
    joined.append(bytes);
    bytes = joined;
  }
  master_repl_offset_ += int64_t(bytes.size());
  if (backlog_) backlog_->Feed(bytes);
  for (Client* r : replicas()) AppendToReplica(r, bytes);
}

void Replication::MaybeSendAck(Client* master) {
  if (!ack_requested_ || master->closing) return;
  ack_requested_ = false;
  master->reply.buffer() += Multibulk({"REPLCONF", "ACK", std::to_string(ack_offset_)});
  server_.QueueWrite(master);
}

}  // namespace vireo
