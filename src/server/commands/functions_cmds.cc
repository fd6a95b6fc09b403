// FUNCTION (LOAD, DELETE, FLUSH, LIST, STATS, KILL, HELP), FCALL and
// FCALL_RO, with Redis 7.0's argument checks, reply shapes and texts. The
// libraries live in src/scripting (FunctionLibraries); runs go through the
// node's ScriptRunner like EVAL's.
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/glob.h"
#include "base/numbers.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"
#include "resp/reply_builder.h"
#include "scripting/script_flags.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

bool CheckScriptStart(ServerContext& ctx, uint32_t flags, bool ro_command, bool* read_only);  // scripting_cmds.cc

namespace {

void FcallGeneric(ServerContext& ctx, bool ro) {
  ScriptRunner& runner = ctx.server.scripts();
  const FunctionLibraries::Function* f = runner.functions().FindFunction(ctx.args[1]);
  if (!f) {
    ctx.reply.Error("ERR Function not found");
    return;
  }
  long long numkeys = 0;
  if (!ParseInt64(ctx.args[2], &numkeys)) {
    ctx.reply.Error("ERR Bad number of keys provided");
    return;
  }
  if (numkeys > (long long)ctx.args.size() - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return;
  }
  std::vector<std::string_view> keys(ctx.args.begin() + 3, ctx.args.begin() + 3 + numkeys);
  std::vector<std::string_view> args(ctx.args.begin() + 3 + numkeys, ctx.args.end());
  ScriptRunner::Policy policy;
  policy.is_eval = false;
  policy.flags = f->flags;
  policy.name = f->name;
  if (!CheckScriptStart(ctx, f->flags, ro, &policy.read_only)) return;
  // The function stays valid: FUNCTION DELETE/FLUSH are refused while it runs.
  runner.Begin(&ctx.client, policy, ctx.args);
  runner.functions().Run(*f, keys, args, ctx.reply);
  runner.End();
}

void CmdFcall(ServerContext& ctx) { FcallGeneric(ctx, false); }
void CmdFcallRo(ServerContext& ctx) { FcallGeneric(ctx, true); }

void CmdFunctionLoad(ServerContext& ctx) {
  bool replace = false;
  size_t pos = 2;
  while (pos < ctx.args.size() - 1) {
    std::string_view a = ctx.args[pos++];
    if (EqualsNoCase(a, "replace")) {
      replace = true;
      continue;
    }
    ctx.reply.Error("ERR Unknown option given: " + std::string(a));
    return;
  }
  if (pos >= ctx.args.size()) {
    ctx.reply.Error("ERR Function code is missing");
    return;
  }
  std::string name, error;
  if (!ctx.server.scripts().functions().Load(ctx.args[pos], replace, &name, &error)) {
    ctx.reply.Error("ERR " + error);
    return;
  }
  ++ctx.dirty;  // a data change for save points and propagation, as Redis counts it
  ctx.reply.Bulk(name);
}

void CmdFunctionDelete(ServerContext& ctx) {
  if (!ctx.server.scripts().functions().Delete(ctx.args[2])) {
    ctx.reply.Error("ERR Library not found");
    return;
  }
  ++ctx.dirty;
  ctx.reply.Ok();
}

void CmdFunctionFlush(ServerContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.args[1]) +
                    "'. Try FUNCTION HELP.");
    return;
  }
  if (ctx.args.size() == 3 && !EqualsNoCase(ctx.args[2], "sync") && !EqualsNoCase(ctx.args[2], "async")) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.server.scripts().functions().Flush();
  ++ctx.dirty;
  ctx.reply.Ok();
}

void CmdFunctionList(ServerContext& ctx) {
  bool with_code = false;
  bool has_pattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (!with_code && EqualsNoCase(a, "withcode")) {
      with_code = true;
      continue;
    }
    if (!has_pattern && EqualsNoCase(a, "libraryname")) {
      if (i >= ctx.args.size() - 1) {
        ctx.reply.Error("ERR library name argument was not given");
        return;
      }
      pattern = ctx.args[++i];
      has_pattern = true;
      continue;
    }
    ctx.reply.Error("ERR Unknown argument " + std::string(a));
    return;
  }
  FunctionLibraries& libs = ctx.server.scripts().functions();
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  for (const auto& [key, lib] : libs.libraries()) {
    if (has_pattern && !GlobMatch(pattern, lib.name, true)) continue;
    ++n;
    ctx.reply.MapHeader(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(lib.name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.ArrayHeader(lib.functions.size());
    for (const std::string& fkey : lib.functions) {
      const FunctionLibraries::Function& f = libs.functions().at(fkey);
      ctx.reply.MapHeader(3);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(f.name);
      ctx.reply.Bulk("description");
      if (f.has_description) ctx.reply.Bulk(f.description);
      else ctx.reply.Null();
      ctx.reply.Bulk("flags");
      std::vector<const char*> names;
      const char* const* all = ScriptFlagNames();
      for (size_t i = 0; all[i]; ++i) {
        if (f.flags & ScriptFlagBit(i)) names.push_back(all[i]);
      }
      ctx.reply.SetHeader(names.size());
      for (const char* nm : names) ctx.reply.SimpleString(nm);
    }
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(lib.code);
    }
  }
  ctx.reply.EndDeferredArray(mark, n);
}

void CmdFunctionStats(ServerContext& ctx) {
  ScriptRunner& runner = ctx.server.scripts();
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (!runner.running()) {
    ctx.reply.Null();
  } else {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(runner.policy().name);
    ctx.reply.Bulk("command");
    ctx.reply.ArrayHeader(runner.command().size());
    for (const std::string& a : runner.command()) ctx.reply.Bulk(a);
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer(NowMs() - runner.start_ms());
  }
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer((long long)runner.functions().libraries().size());
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer((long long)runner.functions().functions().size());
}

void CmdFunctionKill(ServerContext& ctx) {
  std::string err = ctx.server.scripts().Kill(false);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err);
  }
}

// The libraries in Redis's FUNCTION DUMP payload (a function record per
// library, RDB version, CRC-64), so it restores into either server.
void CmdFunctionDump(ServerContext& ctx) {
  RdbWriter w(-1, ctx.server.cfg().rdbcompression);
  for (const auto& [key, lib] : ctx.server.scripts().functions().libraries()) w.Function(lib.code);
  w.DumpTrailer();
  ctx.reply.Bulk(w.buffer());
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
void CmdFunctionRestore(ServerContext& ctx) {
  if (ctx.args.size() > 4) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.args[1]) +
                    "'. Try FUNCTION HELP.");
    return;
  }
  using Policy = FunctionLibraries::RestorePolicy;
  Policy policy = Policy::kAppend;
  if (ctx.args.size() == 4) {
    std::string_view p = ctx.args[3];
    if (EqualsNoCase(p, "append")) {
      policy = Policy::kAppend;
    } else if (EqualsNoCase(p, "replace")) {
      policy = Policy::kReplace;
    } else if (EqualsNoCase(p, "flush")) {
      policy = Policy::kFlush;
    } else {
      ctx.reply.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::vector<std::string> codes;
  std::string error;
  if (!ParseFunctionPayload(ctx.args[2], &codes, &error) ||
      !ctx.server.scripts().functions().Restore(codes, policy, &error)) {
    ctx.reply.Error("ERR " + error);
    return;
  }
  ++ctx.dirty;  // a change, as in Redis: save points count it, it propagates
  ctx.reply.Ok();
}

void CmdFunctionHelp(ServerContext& ctx) {
  static const char* const kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      ("    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE "
       "command"),
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void BindFunctionCommands(CommandTable& t) {
  t.Bind("fcall", OnServer<CmdFcall>);
  t.Bind("fcall_ro", OnServer<CmdFcallRo>);
  t.Bind("function|load", OnServer<CmdFunctionLoad>);
  t.Bind("function|delete", OnServer<CmdFunctionDelete>);
  t.Bind("function|flush", OnServer<CmdFunctionFlush>);
  t.Bind("function|list", OnServer<CmdFunctionList>);
  t.Bind("function|stats", OnServer<CmdFunctionStats>);
  t.Bind("function|kill", OnServer<CmdFunctionKill>);
  t.Bind("function|help", OnServer<CmdFunctionHelp>);
  t.Bind("function|dump", OnServer<CmdFunctionDump>);
  t.Bind("function|restore", OnServer<CmdFunctionRestore>);
}

}  // namespace vireo
