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
    const InputStep step = NextInputCommand(c, pos, &consumed);
    if (step == InputStep::kNeedMore || step == InputStep::kPaused) break;
    if (step == InputStep::kError) {
      VLOG_WARNING("Protocol error (%s) from MASTER: closing the link", c->parser.error().c_str());
      c->parser.Reset();
      CloseClient(c);
      return;
    }
    if (step == InputStep::kCommand) {
      const size_t mark = c->reply.buffer().size();
      ProcessCommand(c, c->parser.args());
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
