// ScriptHost: what a running Lua script needs from the node, behind a small
// interface so the interpreter code (src/scripting) never sees the Server.
// The node implements it (server/script_runner.*): it runs redis.call's
// commands through its one Call path, writes log lines and keeps the event
// loop turning while a slow script runs.
// Thread rule: called on the node's main thread, from inside a script run.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace vireo {

class ScriptHost {
 public:
  // Runs args as a command of the running script with replies in RESP `proto`;
  // what it propagates goes only where `repl` says (redis.set_repl bits).
  // Returns true with the command's reply bytes appended to *reply, or false
  // with the refusal text in *error ("msg" or "-CODE msg") when the command
  // could not run from a script (unknown, arity, noscript, read-only script...).
  virtual bool ScriptCall(const std::vector<std::string_view>& args, int proto, int repl, std::string* reply,
                          std::string* error) = 0;
  // redis.acl_check_cmd: may the script's user run args? false with *error when the command is unknown.
  virtual bool ScriptAclCheck(const std::vector<std::string_view>& args, bool* allowed) = 0;
  // redis.log at level 0..3 (debug, verbose, notice, warning).
  virtual void ScriptLog(int level, std::string_view msg) = 0;
  // Called every few thousand interpreter instructions. Returns true when the
  // script must stop now (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE).
  virtual bool ScriptCheckpoint() = 0;
  // The script's reply is an error table that redis.call/pcall produced
  // (Redis marks it ignore_error_stats_update): the command that failed
  // already counted it in errorstats, the script's reply must not again.
  virtual void ScriptErrorAlreadyCounted() {}
  // An error element nested inside the script's reply (e.g. {1, {err=...}}).
  // Redis counts each in errorstats unless redis.call/pcall made it (then
  // already_counted), and marks the script's command failed.
  virtual void ScriptNestedError(std::string_view error, bool already_counted) {
    (void)error;
    (void)already_counted;
  }

 protected:
  ~ScriptHost() = default;
};

}  // namespace vireo
