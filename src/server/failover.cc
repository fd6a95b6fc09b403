// FAILOVER, Redis 7.0's coordinated switch from a primary to one of its
// replicas (see Replication's FAILOVER section in replication.h):
//   wait-for-sync    writes are paused (as CLIENT PAUSE WRITE) until the
//                    target -- named with TO, or the first replica whose
//                    ACK reaches our offset -- has the whole stream; a
//                    TIMEOUT aborts, or with FORCE goes on regardless;
//   failover-in-progress  we became the target's replica and our PSYNC
//                    carries FAILOVER: the target promotes itself and
//                    continues our history (+CONTINUE), which ends the
//                    failover and the pause (the held writes then meet
//                    READONLY); a refusal makes us a primary again.
#include "base/clock.h"
#include "base/log.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/replication.h"
#include "server/server.h"

namespace vireo {

std::string ReplicaIp(const Client& c) {
  if (!c.replica->announced_ip.empty()) return c.replica->announced_ip;
  std::string ip = c.addr();
  const size_t colon = ip.rfind(':');
  if (colon != std::string::npos) ip.resize(colon);
  return ip;
}

const char* Replication::failover_state_name() const {
  switch (failover_state_) {
    case FailoverState::kNone: return "no-failover";
    case FailoverState::kWaitForSync: return "waiting-for-sync";
    case FailoverState::kInProgress: return "failover-in-progress";
  }
  return "no-failover";
}

Client* Replication::FindReplica(const std::string& host, int port) const {
  for (Client* c : replicas()) {
    if (c->replica->listening_port == port && ReplicaIp(*c) == host) return c;
  }
  return nullptr;
}

std::string Replication::StartFailover(const std::string& host, int port, int64_t timeout_ms, bool force,
                                       int64_t now_ms) {
  if (failover_state_ != FailoverState::kNone) return "ERR FAILOVER already in progress.";
  if (is_replica()) return "ERR FAILOVER is not valid when server is a replica.";
  if (replicas().empty()) return "ERR FAILOVER requires connected replicas.";
  if (force && (!timeout_ms || host.empty())) {
    return "ERR FAILOVER with force option requires both a timeout and target HOST and IP.";
  }
  if (!host.empty()) {
    Client* target = FindReplica(host, port);
    if (!target) return "ERR FAILOVER target HOST and PORT is not a replica.";
    if (target->replica->state != ReplicaPeer::kOnline) return "ERR FAILOVER target replica is not online.";
    VLOG_NOTICE("FAILOVER requested to %s:%d.", host.c_str(), port);
  } else {
    VLOG_NOTICE("FAILOVER requested to any replica.");
  }
  failover_host_ = host;
  failover_port_ = port;
  failover_end_ms_ = timeout_ms ? now_ms + timeout_ms : 0;
  failover_force_ = force;
  failover_state_ = FailoverState::kWaitForSync;
  server_.SetFailoverPause(true);
  // Ask for ACKs now rather than at the replicas' next second.
  RequestAcksFromReplicas();
  return "";
}

void Replication::UpdateFailover(int64_t now_ms) {
  if (failover_state_ != FailoverState::kWaitForSync) return;
  if (failover_end_ms_ && failover_end_ms_ <= now_ms) {
    if (failover_force_) {
      VLOG_NOTICE("FAILOVER to %s:%d time out exceeded, failing over.", failover_host_.c_str(), failover_port_);
      failover_state_ = FailoverState::kInProgress;
      SetMaster(failover_host_, failover_port_);
    } else {
      AbortFailover("Replica never caught up before timeout");
    }
    return;
  }
  Client* target = nullptr;
  if (!failover_host_.empty()) {
    target = FindReplica(failover_host_, failover_port_);
  } else {
    for (Client* c : replicas()) {
      if (c->replica->state == ReplicaPeer::kOnline && c->replica->ack_offset == master_repl_offset_) {
        target = c;
        failover_host_ = ReplicaIp(*c);
        failover_port_ = c->replica->listening_port;
        break;
      }
    }
  }
  if (!target || target->replica->ack_offset != master_repl_offset_) return;
  failover_state_ = FailoverState::kInProgress;
  VLOG_NOTICE("Failover target %s:%d is synced, failing over.", failover_host_.c_str(), failover_port_);
  SetMaster(failover_host_, failover_port_);
}

void Replication::AbortFailover(const char* why) {
  if (failover_state_ == FailoverState::kNone) return;
  if (!failover_host_.empty()) {
    VLOG_NOTICE("FAILOVER to %s:%d aborted: %s", failover_host_.c_str(), failover_port_, why);
  } else {
    VLOG_NOTICE("FAILOVER to any replica aborted: %s", why);
  }
  if (failover_state_ == FailoverState::kInProgress) Promote();
  ClearFailover();
}

void Replication::ClearFailover() {
  failover_state_ = FailoverState::kNone;
  failover_host_.clear();
  failover_port_ = 0;
  failover_end_ms_ = 0;
  failover_force_ = false;
  server_.SetFailoverPause(false);
}

std::string Replication::AcceptFailoverRequest(std::string_view replid, const Client& from) {
  if (replid != replid_) return "ERR PSYNC FAILOVER replid must match my replid.";
  Promote();
  VLOG_NOTICE("MASTER MODE enabled (failover request from '%s')",
              ClientInfoLine(server_, from, NowMs()).c_str());
  return "";
}

}  // namespace vireo
