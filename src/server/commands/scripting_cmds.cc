// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD, EXISTS, FLUSH, KILL,
// HELP), with Redis 7.0's argument checks, shebang-flag policy and texts.
// The interpreter and cache live in src/scripting; the run itself goes
// through the node's ScriptRunner (redis.call -> Server::Call).
#include <string>
#include <vector>

#include "base/numbers.h"
#include "resp/reply_builder.h"
#include "scripting/script_flags.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

namespace {

void HelpReply(ServerContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

// numkeys and the KEYS/ARGV split of EVAL-style arguments (also FCALL's).
bool SplitKeysArgs(ServerContext& ctx, std::vector<std::string_view>* keys, std::vector<std::string_view>* args) {
  long long numkeys = 0;
  if (!ParseInt64(ctx.args[2], &numkeys)) {
    ctx.reply.Error("ERR value is not an integer or out of range");
    return false;
  }
  if (numkeys > (long long)ctx.args.size() - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  keys->assign(ctx.args.begin() + 3, ctx.args.begin() + 3 + numkeys);
  args->assign(ctx.args.begin() + 3 + numkeys, ctx.args.end());
  return true;
}

}  // namespace

// The checks Redis makes before a script with declared flags starts
// (scriptPrepareForRun); pre-7.0 scripts are checked per command instead.
bool CheckScriptStart(ServerContext& ctx, uint32_t flags, bool ro_command, bool* read_only) {
  *read_only = ro_command || (flags & kScriptNoWrites);
  if (flags & kScriptEvalCompat) return true;
  const ServerConfig& cfg = ctx.server.cfg();
  if (!(flags & kScriptAllowOom) && !(flags & kScriptNoWrites) && cfg.maxmemory && ctx.server.pre_command_oom()) {
    ctx.reply.Error("OOM command not allowed when used memory > 'maxmemory'.");
    return false;
  }
  if (!(flags & kScriptNoWrites) && ro_command) {
    ctx.reply.Error("ERR Can not execute a script with write flag using *_ro command.");
    return false;
  }
  return true;
}

namespace {

void EvalGeneric(ServerContext& ctx, bool by_sha, bool ro) {
  std::vector<std::string_view> keys, args;
  if (!SplitKeysArgs(ctx, &keys, &args)) return;
  ScriptRunner& runner = ctx.server.scripts();
  EvalScripts& scripts = runner.eval();
  std::string sha, error;
  const EvalScripts::Script* script;
  if (by_sha) {
    script = scripts.Find(ctx.args[1], &sha);
    if (!script) {
      ctx.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
      return;
    }
  } else {
    script = scripts.Load(ctx.args[1], &sha, &error);
    if (!script) {
      ctx.reply.Error("ERR " + error);
      return;
    }
  }
  ScriptRunner::Policy policy;
  policy.is_eval = true;
  policy.flags = script->flags;
  policy.name = sha;
  if (!CheckScriptStart(ctx, script->flags, ro, &policy.read_only)) return;
  runner.Begin(&ctx.client, policy, ctx.args);
  scripts.Run(sha, keys, args, ctx.reply);
  runner.End();
}

void CmdEval(ServerContext& ctx) { EvalGeneric(ctx, false, false); }
void CmdEvalRo(ServerContext& ctx) { EvalGeneric(ctx, false, true); }
void CmdEvalSha(ServerContext& ctx) { EvalGeneric(ctx, true, false); }
void CmdEvalShaRo(ServerContext& ctx) { EvalGeneric(ctx, true, true); }

void CmdScriptLoad(ServerContext& ctx) {
  std::string sha, error;
  if (!ctx.server.scripts().eval().Load(ctx.args[2], &sha, &error)) {
    ctx.reply.Error("ERR " + error);
    return;
  }
  ctx.reply.Bulk(sha);
}

void CmdScriptExists(ServerContext& ctx) {
  EvalScripts& scripts = ctx.server.scripts().eval();
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  std::string lower;
  for (size_t i = 2; i < ctx.args.size(); ++i) ctx.reply.Integer(scripts.Find(ctx.args[i], &lower) ? 1 : 0);
}

void CmdScriptFlush(ServerContext& ctx) {
  // ASYNC and SYNC both flush at once: the interpreter is replaced in one step.
  if (ctx.args.size() > 3 ||
      (ctx.args.size() == 3 && !EqualsNoCase(ctx.args[2], "sync") && !EqualsNoCase(ctx.args[2], "async"))) {
    ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.scripts().eval().Flush();
  ctx.reply.Ok();
}

void CmdScriptKill(ServerContext& ctx) {
  std::string err = ctx.server.scripts().Kill(true);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err);
  }
}

void CmdScriptHelp(ServerContext& ctx) {
  HelpReply(ctx, {"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "DEBUG (YES|SYNC|NO)",
                  "    Set the debug mode for subsequent scripts executed.",
                  "EXISTS <sha1> [<sha1> ...]",
                  "    Return information about the existence of the scripts in the script cache.",
                  "FLUSH [ASYNC|SYNC]",
                  "    Flush the Lua scripts cache. Very dangerous on replicas.",
                  "    When called without the optional mode argument, the behavior is determined by the",
                  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                  "    * ASYNC: Asynchronously flush the scripts cache.",
                  "    * SYNC: Synchronously flush the scripts cache.",
                  "KILL",
                  "    Kill the currently executing Lua script.",
                  "LOAD <script>",
                  "    Load a script into the scripts cache without executing it.",
                  "HELP",
                  "    Prints this help."});
}

}  // namespace

void BindFunctionCommands(CommandTable& t);  // functions_cmds.cc

void BindScriptingCommands(CommandTable& t) {
  BindFunctionCommands(t);
  t.Bind("eval", OnServer<CmdEval>);
  t.Bind("eval_ro", OnServer<CmdEvalRo>);
  t.Bind("evalsha", OnServer<CmdEvalSha>);
  t.Bind("evalsha_ro", OnServer<CmdEvalShaRo>);
  t.Bind("script|load", OnServer<CmdScriptLoad>);
  t.Bind("script|exists", OnServer<CmdScriptExists>);
  t.Bind("script|flush", OnServer<CmdScriptFlush>);
  t.Bind("script|kill", OnServer<CmdScriptKill>);
  t.Bind("script|help", OnServer<CmdScriptHelp>);
}

}  // namespace vireo
