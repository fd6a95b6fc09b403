// ScriptRunner: the node's side of scripting. It owns the EVAL script cache
// and interpreter, the pseudo-client whose session runs redis.call's
// commands (through Server::Call, the one command path), and the state of
// the script in progress: which policy applies (read-only, flags), whether it
// wrote, and the busy-script handling (after busy-reply-threshold it turns
// the event loop so other clients get -BUSY, SCRIPT KILL and SHUTDOWN NOSAVE
// work). It is the ScriptHost the interpreter calls.
// Thread rule: owned by the Server, main thread only; at most one script
// runs at a time (scripts are atomic).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scripting/eval_scripts.h"
#include "scripting/function_libraries.h"
#include "scripting/rand48.h"
#include "scripting/script_host.h"

namespace vireo {

class Server;
class Client;
struct Command;

class ScriptRunner final : public ScriptHost {
 public:
  explicit ScriptRunner(Server& server);
  ~ScriptRunner();

  EvalScripts& eval() { return *eval_; }
  FunctionLibraries& functions() { return *functions_; }

  // What a run must respect.
  struct Policy {
    bool is_eval = true;     // EVAL family (SCRIPT KILL) or FCALL (FUNCTION KILL)
    bool read_only = false;  // *_RO command or the no-writes flag
    uint32_t flags = 0;      // ScriptFlag bits
    std::string name;        // SHA1 or function name (FUNCTION STATS)
  };
  // Marks the start and end of a script run for caller (which must not be
  // freed meanwhile: its input is not read while the script runs).
  void Begin(Client* caller, const Policy& policy, const std::vector<std::string_view>& command);
  void End();

  bool running() const { return caller_ != nullptr; }
  // The script passed busy-reply-threshold: other clients are answered -BUSY.
  bool timed_out() const { return timed_out_; }
  bool running_eval() const { return policy_.is_eval; }
  Client* caller() const { return caller_; }
  const Policy& policy() const { return policy_; }
  int64_t start_ms() const { return start_ms_; }
  // The caller's command line (FUNCTION STATS running_script.command).
  const std::vector<std::string>& command() const { return command_; }
  // SCRIPT KILL / FUNCTION KILL: the reply text ("" = OK).
  std::string Kill(bool from_script_kill);
  // SHUTDOWN NOSAVE while busy: stop the script at its next check.
  void AbortForShutdown() { kill_requested_ = true; }
  // The reply for commands refused while busy.
  const char* BusyError() const;

  // ScriptHost.
  bool ScriptCall(const std::vector<std::string_view>& args, int proto, int repl, std::string* reply,
                  std::string* error) override;
  bool ScriptAclCheck(const std::vector<std::string_view>& args, bool* allowed) override;
  void ScriptLog(int level, std::string_view msg) override;
  bool ScriptCheckpoint() override;
  void ScriptErrorAlreadyCounted() override;
  void ScriptNestedError(std::string_view error, bool already_counted) override;

 private:
  bool Refused(Command* cmd, std::string_view error);
  Server& server_;
  std::unique_ptr<Client> lua_client_;
  Rand48 rand_;  // before the interpreters that use it
  std::unique_ptr<EvalScripts> eval_;
  std::unique_ptr<FunctionLibraries> functions_;
  std::vector<std::string> command_;
  Client* caller_ = nullptr;
  Policy policy_;
  int64_t start_ms_ = 0;
  bool wrote_ = false;
  bool oom_at_start_ = false;
  bool timed_out_ = false;
  bool kill_requested_ = false;
};

}  // namespace vireo
