// The redis.* table of a script (Redis 7.0's API): call/pcall run commands
// through the ScriptHost, the helpers build Redis's reply tables, and the
// argument checks raise Redis's error texts (as {err=...} tables, which the
// error handler completes with the script position).
#include <lua5.1/lua.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "base/sha1.h"
#include "scripting/lua_vm.h"
#include "scripting/script_host.h"

namespace vireo {

namespace {

LuaVm* VmOf(lua_State* L) { return static_cast<LuaVm*>(lua_touserdata(L, lua_upvalueindex(1))); }

// Pushes Redis's error table for text and raises it.
int RaiseError(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

// The arguments of redis.call and friends: strings as they are, numbers as
// "%.17g" (Redis 7.0), anything else refused. storage keeps converted numbers.
// Numbers become their %.17g text in `storage` (reserved up front: the views
// point into its strings); strings are viewed where Lua keeps them.
bool CollectArgs(lua_State* L, int argc, std::vector<std::string>* storage, std::vector<std::string_view>* args) {
  args->reserve(size_t(argc));
  for (int i = 1; i <= argc; ++i) {
    int t = lua_type(L, i);
    if (t == LUA_TNUMBER) {
      if (storage->capacity() == 0) storage->reserve(size_t(argc));
      char buf[64];
      int n = snprintf(buf, sizeof(buf), "%.17g", double(lua_tonumber(L, i)));
      storage->emplace_back(buf, size_t(n));
      args->push_back(storage->back());
    } else if (t == LUA_TSTRING) {
      size_t n = 0;
      const char* s = lua_tolstring(L, i, &n);
      args->emplace_back(s, n);
    } else {
      return false;
    }
  }
  return true;
}

int GenericCall(lua_State* L, bool raise) {
  LuaVm* vm = VmOf(L);
  const int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return raise ? lua_error(L) : 1;
  }
  std::string& reply = vm->call_reply();  // no reentry: scripts cannot call EVAL
  std::string error;
  bool ran;
  {
    std::vector<std::string> storage;
    std::vector<std::string_view>& args = vm->call_args();
    args.clear();
    if (!CollectArgs(L, argc, &storage, &args)) {
      PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
      return raise ? lua_error(L) : 1;
    }
    reply.clear();
    ran = vm->host()->ScriptCall(args, vm->script_resp(), vm->script_repl(), &reply, &error);
  }
  if (!ran) {
    // The host counted the refusal (errorstats, rejected_calls), as Redis.
    PushErrorTable(L, error);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, kErrorCountedField);
    return raise ? lua_error(L) : 1;
  }
  size_t pos = 0;
  lua_settop(L, 0);
  if (!ReplyToLua(L, reply, &pos)) {
    lua_settop(L, 0);
    PushErrorTable(L, "reply could not be converted");
    return raise ? lua_error(L) : 1;
  }
  if (!reply.empty() && reply[0] == '-') {
    // The failed command counted this error; a script that passes the table
    // on does not count it again (Redis's field, visible to scripts too).
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, kErrorCountedField);
    if (raise) return lua_error(L);
  }
  return 1;
}

int RedisCall(lua_State* L) { return GenericCall(L, true); }
int RedisPCall(lua_State* L) { return GenericCall(L, false); }

int RedisSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t n = 0;
  const char* s = lua_tolstring(L, 1, &n);
  uint8_t digest[20];
  Sha1Of(s ? s : "", s ? n : 0, digest);
  char hex[41];
  for (int i = 0; i < 20; ++i) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  lua_pushlstring(L, hex, 40);
  return 1;
}

// redis.error_reply / status_reply return (not raise) their argument errors.
int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  size_t n = 0;
  const char* s = lua_tolstring(L, 1, &n);
  std::string text(s, n);
  if (text.empty() || text[0] != '-') text.insert(0, "-");
  PushErrorTable(L, text);
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

int RedisLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
  int level = int(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseError(L, "Invalid debug level.");
  std::string line;
  for (int i = 2; i <= argc; ++i) {
    size_t n = 0;
    const char* s = lua_tolstring(L, i, &n);
    if (!s) continue;
    if (i != 2) line += ' ';
    line.append(s, n);
  }
  VmOf(L)->host()->ScriptLog(level, line);
  return 0;
}

int RedisSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  int resp = int(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  VmOf(L)->set_script_resp(resp);
  return 0;
}

// Replication is always by effects in 7.0: the flags choose where the
// script's next commands propagate (the AOF, replicas, both or neither).
int RedisSetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  int flags = int(lua_tonumber(L, 1));
  if (flags < 0 || flags > 3) {
    return RaiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  VmOf(L)->set_script_repl(flags);
  return 0;
}

int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

// The script debugger is not running (SCRIPT DEBUG is not offered), so
// these are the no-ops Redis performs outside a debugging session.
int RedisBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int RedisDebug(lua_State* L) { return 0; }

int RedisAclCheckCmd(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) return RaiseError(L, "Please specify at least one argument for this redis lib call");
  bool known = false, allowed = false;
  {
    std::vector<std::string> storage;
    std::vector<std::string_view> args;
    if (!CollectArgs(L, argc, &storage, &args)) {
      PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
      return lua_error(L);
    }
    known = VmOf(L)->host()->ScriptAclCheck(args, &allowed);
  }
  if (!known) return RaiseError(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, allowed);
  return 1;
}

void SetFunction(lua_State* L, LuaVm* vm, const char* name, lua_CFunction fn) {
  lua_pushlightuserdata(L, vm);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

}  // namespace

void PushErrorTable(lua_State* L, std::string_view text) {
  std::string code = "ERR", msg;
  if (!text.empty() && text[0] == '-') {
    size_t sp = text.find(' ');
    if (sp == std::string_view::npos) {
      msg = text.substr(1);
    } else {
      code = text.substr(1, sp - 1);
      msg = text.substr(sp + 1);
    }
  } else {
    msg = text;
  }
  // Ready-made error texts end with CRLF; the table must not.
  size_t b = msg.find_first_not_of("\r\n");
  size_t e = msg.find_last_not_of("\r\n");
  msg = b == std::string::npos ? std::string() : msg.substr(b, e - b + 1);
  std::string final_msg = code + " " + msg;
  lua_newtable(L);
  lua_pushlstring(L, final_msg.data(), final_msg.size());
  lua_setfield(L, -2, "err");
}

// Redis's __redis__err__handler: turns any error into {err=...} and adds
// where the script was (the raising function, or its caller when that was
// a C function such as redis.call or error).
int LuaErrorHandler(lua_State* L) {
  lua_settop(L, 1);
  lua_Debug ar;
  bool where = false;
  if (lua_getstack(L, 1, &ar)) {
    lua_getinfo(L, "nSl", &ar);
    where = true;
    if (ar.what && std::string_view(ar.what) == "C") {
      where = lua_getstack(L, 2, &ar) != 0;
      if (where) lua_getinfo(L, "nSl", &ar);
    }
  }
  if (!lua_istable(L, 1)) {
    std::string text = "ERR ";
    switch (lua_type(L, 1)) {
      case LUA_TSTRING:
      case LUA_TNUMBER: {
        size_t n = 0;
        const char* s = lua_tolstring(L, 1, &n);
        text.append(s, n);
        break;
      }
      case LUA_TNIL: text += "nil"; break;
      case LUA_TBOOLEAN: text += lua_toboolean(L, 1) ? "true" : "false"; break;
      default: {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s: %p", luaL_typename(L, 1), lua_topointer(L, 1));
        text += buf;
      }
    }
    lua_newtable(L);
    lua_pushlstring(L, text.data(), text.size());
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  }
  if (where) {
    lua_pushstring(L, "source");
    lua_pushstring(L, ar.source);
    lua_rawset(L, 1);
    lua_pushstring(L, "line");
    lua_pushinteger(L, ar.currentline);
    lua_rawset(L, 1);
  }
  return 1;
}

void AddLogAndVersion(lua_State* L, LuaVm* vm) {
  SetFunction(L, vm, "log", RedisLog);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  lua_pushstring(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
  SetNumber(L, "REDIS_VERSION_NUM", (7 << 16) | (0 << 8) | 15);
}

void PushRedisApi(lua_State* L, LuaVm* vm) {
  lua_newtable(L);
  SetFunction(L, vm, "call", RedisCall);
  SetFunction(L, vm, "pcall", RedisPCall);
  SetFunction(L, vm, "sha1hex", RedisSha1Hex);
  SetFunction(L, vm, "error_reply", RedisErrorReply);
  SetFunction(L, vm, "status_reply", RedisStatusReply);
  SetFunction(L, vm, "log", RedisLog);
  SetFunction(L, vm, "setresp", RedisSetResp);
  SetFunction(L, vm, "set_repl", RedisSetRepl);
  SetFunction(L, vm, "replicate_commands", RedisReplicateCommands);
  SetFunction(L, vm, "breakpoint", RedisBreakpoint);
  SetFunction(L, vm, "debug", RedisDebug);
  SetFunction(L, vm, "acl_check_cmd", RedisAclCheckCmd);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  lua_pushstring(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
  SetNumber(L, "REDIS_VERSION_NUM", (7 << 16) | (0 << 8) | 15);
}

}  // namespace vireo
