// The replica applies its primary's stream: the master client's input goes
// through ProcessCommand and Call like any client's (so MULTI/EXEC, scripts'
// effects, statistics and MONITOR behave as for clients), but its replies
// are dropped, as Redis never answers its master, and each applied command's
// bytes advance the replication offset and feed our backlog and replicas.
#include "base/clock.h"
#include "base/log.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

void Server::ProcessMasterInput(Client* c) {
  size_t pos = 0;
  size_t applied = 0;  // bytes of query already handed to MasterBytesApplied
  // During a busy script the stream waits (it must not get -BUSY), as Redis.
  while (!c->closing && !c->paused && pos < c->query.size() && !scripts_->timed_out()) {
    size_t consumed = 0;
    RespParser::Status st = c->parser.Parse(c->query.data() + pos, c->query.size() - pos, &consumed);
    if (st == RespParser::Status::kNeedMore) break;
    if (st == RespParser::Status::kError) {
      VLOG_WARNING("Protocol error (%s) from MASTER: closing the link", c->parser.error().c_str());
      c->parser.Reset();
      CloseClient(c);
      return;
    }
    const auto& args = c->parser.args();
    if (!args.empty()) {
      if (pause_until_ms_) {
        Command* cmd = commands_.Find(args[0]);
        if (cmd && paused_for(cmd, NowMs())) {
          c->paused = true;
          c->SetReading(false);
          paused_clients_.push_back(c);
          break;
        }
      }
      const size_t mark = c->reply.buffer().size();
      ProcessCommand(c, args);
      c->reply.buffer().resize(mark);  // never answer the master
      if (blocking_.has_ready()) blocking_.ServeReadyKeys(*this);
    }
    pos += consumed;
    repl_->MasterBytesApplied(c, std::string_view(c->query.data() + applied, pos - applied), !c->multi.active);
    applied = pos;
    repl_->MaybeSendAck(c);
  }
  if (pos > 0) c->query.Consume(pos);
}

}  // namespace vireo
