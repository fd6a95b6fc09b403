// Propagator: the last leg of step 7 of Server::Call. It collects the
// effects of an execution unit (a client's command, a whole EXEC, a script,
// a blocked client's re-run) as Redis 7.0 propagates them and hands their
// RESP bytes to the registered sinks (the AOF, the replication stream). An
// execution unit with more than one command is wrapped in MULTI/EXEC, one
// with a single command is sent bare, as Redis's propagatePendingCommands.
// Each sink has its own "last db": a SELECT is inserted for a sink when the
// db of the next command differs from what that sink last saw (Redis keeps
// one for the AOF and one for replicas).
// With no sink, Server::Call pays one branch (active()).
// Thread rule: the node's main thread only; Feed is called on it too.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/core/context.h"

namespace vireo {

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // Which propagated commands this sink takes (kPropagateAof or kPropagateRepl).
  virtual uint8_t propagation_target() const = 0;
  // resp: one or more complete RESP multibulk commands, a SELECT first when
  // the db changed for this sink; dbid is the db they apply to.
  virtual void Feed(int dbid, std::string_view resp) = 0;
};

class Propagator {
 public:
  bool active() const { return !sinks_.empty(); }
  void AddSink(PropagationSink* sink);
  void RemoveSink(PropagationSink* sink);
  // The sink's next command is preceded by a SELECT whatever its db (a new
  // AOF file, a replica starting from a snapshot).
  void ForgetSelectedDb(PropagationSink* sink);

  // The execution unit's commands waiting to be sent (Call appends).
  std::vector<PropagatedCommand>& pending() { return pending_; }
  // Ends an execution unit: sends the pending commands, wrapped in MULTI/EXEC
  // when there is more than one.
  void FlushPending();
  // Sends one command at once, outside any wrapping (Redis 7.0 propagates
  // deletions of expired keys this way).
  void EmitNow(int db, uint8_t targets, const std::vector<std::string_view>& argv);

  // Appends argv as a RESP multibulk command.
  static void AppendCommand(std::string* out, const std::vector<std::string_view>& argv);
  static void AppendCommand(std::string* out, const std::vector<std::string>& argv);

 private:
  struct SinkState {
    PropagationSink* sink;
    int last_db;
  };
  void Emit(int db, uint8_t targets, std::string_view resp);

  std::vector<SinkState> sinks_;
  std::vector<PropagatedCommand> pending_;
  std::string scratch_;
  std::string select_scratch_;
};

}  // namespace vireo
