#include "server/script_runner.h"

#include "base/clock.h"
#include "base/log.h"
#include "server/client.h"
#include "server/server.h"

namespace vireo {

namespace {

// The interpreter's heap cap. Redis has none (maxmemory covers it); here a
// runaway script (string.rep of gigabytes, endless tables) fails with Lua's
// "not enough memory" instead of taking the node down with it.
constexpr size_t kLuaMemoryLimit = size_t(1) << 30;

// The session id of the scripts' pseudo-client (never a real connection's).
constexpr uint64_t kLuaClientId = UINT64_MAX - 1;

}  // namespace

ScriptRunner::ScriptRunner(Server& server)
    : server_(server),
      lua_client_(std::make_unique<Client>(&server, -1, kLuaClientId, "lua", "")),
      eval_(std::make_unique<EvalScripts>(this, &rand_, kLuaMemoryLimit)),
      functions_(std::make_unique<FunctionLibraries>(this, &rand_, kLuaMemoryLimit)) {
  // Commands called by scripts never block (Redis's deny-blocking for scripts).
  lua_client_->deny_blocking = true;
  lua_client_->in_script = true;
  lua_client_->user = server.acl().default_user();
  lua_client_->authenticated = true;
}

ScriptRunner::~ScriptRunner() = default;

void ScriptRunner::Begin(Client* caller, const Policy& policy, const std::vector<std::string_view>& command) {
  caller_ = caller;
  policy_ = policy;
  command_.assign(command.begin(), command.end());
  start_ms_ = NowMs();
  wrote_ = false;
  timed_out_ = false;
  kill_requested_ = false;
  oom_at_start_ = server_.cfg().maxmemory && server_.pre_command_oom();
  // The script's commands start in the caller's database; its SELECTs stay its own.
  lua_client_->db_index = caller->db_index;
}

void ScriptRunner::End() {
  if (timed_out_ && caller_ && !caller_->closing) caller_->SetReading(true);
  if (timed_out_) VLOG_WARNING("Slow script finished after %lld milliseconds", (long long)(NowMs() - start_ms_));
  caller_ = nullptr;
  command_.clear();
  timed_out_ = false;
  kill_requested_ = false;
}

const char* ScriptRunner::BusyError() const {
  return policy_.is_eval
             ? "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
             : "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
}

std::string ScriptRunner::Kill(bool from_script_kill) {
  if (!running()) return "NOTBUSY No scripts in execution right now.";
  if (wrote_) {
    return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either "
           "wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
  }
  // SCRIPT KILL stops EVAL scripts, FUNCTION KILL functions; the other one
  // gets the busy error that names the right command.
  if (from_script_kill != policy_.is_eval) return BusyError();
  kill_requested_ = true;
  return "";
}

// A command the script may not run: Redis counts the refusal in errorstats
// (as ERR unless the text carries its own code) and in the command's
// rejected_calls; the script's error table is then marked already counted.
bool ScriptRunner::Refused(Command* cmd, std::string_view error) {
  server_.CountError(error.starts_with('-') ? error.substr(1) : std::string_view("ERR"));
  if (cmd) cmd->rejected_calls++;
  return false;
}

bool ScriptRunner::ScriptCall(const std::vector<std::string_view>& args, int proto, int repl, std::string* reply,
                              std::string* error) {
  CommandTable& table = server_.commands();
  Command* cmd = table.Find(args[0]);
  if (cmd && !cmd->subcommands.empty() && args.size() >= 2) {
    auto it = cmd->sub_by_name.find(args[1]);
    cmd = it == cmd->sub_by_name.end() ? nullptr : it->second;
  }
  if (!cmd || (!cmd->handler && cmd->subcommands.empty())) {
    *error = "Unknown Redis command called from script";
    return Refused(nullptr, *error);
  }
  const int arity = cmd->spec->arity;
  if ((arity > 0 && int(args.size()) != arity) || int(args.size()) < -arity || !cmd->handler) {
    *error = "Wrong number of args calling Redis command from script";
    return Refused(cmd, *error);
  }
  if (cmd->flags & kCmdNoscript) {
    *error = "This Redis command is not allowed from script";
    return Refused(cmd, *error);
  }
  // The script runs as its caller's user: the same ACL check as the
  // caller's own commands, logged with the lua context.
  if (caller_ && !caller_->user->unrestricted()) {
    size_t pos = 0;
    const AclResult r = server_.CheckCommandPermission(caller_->user, cmd, args, &pos);
    if (r != kAclOk) {
      Client* lua = lua_client_.get();
      lua->user = caller_->user;
      server_.LogAclDenial(lua, r, kAclCtxLua, cmd, args, pos);
      lua->user = server_.acl().default_user();  // never left pointing at a user that may be deleted
      *error = r == kAclDeniedCmd   ? "The user executing the script can't run this command or subcommand"
               : r == kAclDeniedKey ? "The user executing the script can't access at least one of the keys "
                                      "mentioned in the command arguments"
                                    : "The user executing the script can't publish to the channel mentioned in "
                                      "the command";
      return Refused(cmd, *error);
    }
  }
  // Scripts count may-replicate commands as writes (Redis 7.0).
  if (policy_.read_only && (cmd->flags & (kCmdWrite | kCmdMayReplicate))) {
    *error = "Write commands are not allowed from read-only scripts.";
    return Refused(cmd, *error);
  }
  if (oom_at_start_ && !wrote_ && (cmd->flags & kCmdDenyOom)) {
    *error = "-OOM command not allowed when used memory > 'maxmemory'.";
    return Refused(cmd, *error);
  }
  if (cmd->flags & kCmdWrite) wrote_ = true;
  Client* c = lua_client_.get();
  c->reply.buffer().clear();
  c->reply.set_proto(proto);
  std::vector<PropagatedCommand>& pending = server_.propagator().pending();
  const size_t before = pending.size();
  server_.Call(c, cmd, args);
  if (repl != kPropagateAll && pending.size() > before) {
    // redis.set_repl narrowed where this command's effects go.
    size_t out = before;
    for (size_t i = before; i < pending.size(); ++i) {
      pending[i].targets &= uint8_t(repl);
      if (pending[i].targets) pending[out++] = std::move(pending[i]);
    }
    pending.resize(out);
  }
  reply->swap(c->reply.buffer());
  c->reply.buffer().clear();
  return true;
}

bool ScriptRunner::ScriptAclCheck(const std::vector<std::string_view>& args, bool* allowed) {
  Command* cmd = server_.commands().Find(args[0]);
  if (cmd && !cmd->subcommands.empty() && args.size() >= 2) {
    auto it = cmd->sub_by_name.find(args[1]);
    if (it == cmd->sub_by_name.end()) return false;
    cmd = it->second;
  }
  if (!cmd || (!cmd->handler && cmd->subcommands.empty())) return false;
  size_t pos = 0;
  *allowed = !caller_ || caller_->user->unrestricted() ||
             server_.CheckCommandPermission(caller_->user, cmd, args, &pos) == kAclOk;
  return true;
}

void ScriptRunner::ScriptLog(int level, std::string_view msg) {
  Log::Write(LogSeverity(level), "%.*s", int(msg.size()), msg.data());
}

void ScriptRunner::ScriptErrorAlreadyCounted() { server_.SkipNextErrorCount(); }

void ScriptRunner::ScriptNestedError(std::string_view error, bool already_counted) {
  server_.CountNestedReplyError(error, already_counted);
}

bool ScriptRunner::ScriptCheckpoint() {
  if (kill_requested_) return true;
  if (!timed_out_) {
    const int64_t elapsed = NowMs() - start_ms_;
    if (elapsed < server_.busy_reply_threshold_ms()) return false;
    VLOG_WARNING(
        "Slow script detected: still in execution after %lld milliseconds. You can try killing the script using "
        "the %s command.",
        (long long)elapsed, policy_.is_eval ? "SCRIPT KILL" : "FUNCTION KILL");
    timed_out_ = true;
    // The caller's connection is left alone until the script ends: its
    // input waits, and a hang-up cannot free it under the running command.
    caller_->SetReading(false);
  }
  server_.ProcessEventsWhileBusy();
  return kill_requested_ || server_.shutdown_requested();
}

}  // namespace vireo
