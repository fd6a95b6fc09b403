// Lua value -> reply, Redis 7.0's table (luaReplyToRedisReply): strings are
// bulks, numbers integers (truncated), booleans depend on the script's RESP
// (redis.setresp), tables are arrays up to the first nil unless they carry
// one of Redis's special fields (err, ok, double, big_number,
// verbatim_string, map, set). Tables are read raw: converting a reply never
// runs script code.
#include <lua5.1/lua.hpp>

#include <string>

#include "base/numbers.h"
#include "resp/reply_builder.h"
#include "scripting/lua_vm.h"
#include "scripting/script_host.h"

namespace vireo {

namespace {

std::string Flatten(const char* s, size_t n) {
  std::string out(s, n);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// Pushes t[name] (raw) and returns its type.
int RawField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

// The table is on top; true when one of the special fields was converted
// (the table is then popped).
bool SpecialTable(lua_State* L, ReplyBuilder& reply, int script_resp, ScriptHost* host, int depth) {
  size_t n = 0;
  if (RawField(L, "err") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &n);
    std::string msg(s, n);
    while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
    reply.Error(msg);
    lua_pop(L, 1);
    if (host && depth > 0) {
      const bool counted = RawField(L, kErrorCountedField) != LUA_TNIL && lua_toboolean(L, -1);
      lua_pop(L, 1);
      host->ScriptNestedError(msg, counted);
    }
    lua_pop(L, 1);
    return true;
  }
  lua_pop(L, 1);
  if (RawField(L, "ok") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &n);
    reply.SimpleString(Flatten(s, n));
    lua_pop(L, 2);
    return true;
  }
  lua_pop(L, 1);
  if (RawField(L, "double") == LUA_TNUMBER) {
    reply.Double(double(lua_tonumber(L, -1)));
    lua_pop(L, 2);
    return true;
  }
  lua_pop(L, 1);
  if (RawField(L, "big_number") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &n);
    if (reply.proto() == 2) {
      reply.Bulk(std::string_view(s, n));
    } else {
      reply.Raw("(" + Flatten(s, n) + "\r\n");
    }
    lua_pop(L, 2);
    return true;
  }
  lua_pop(L, 1);
  if (RawField(L, "verbatim_string") == LUA_TTABLE) {
    int fmt_type = RawField(L, "format");
    int str_type = (lua_pushstring(L, "string"), lua_rawget(L, -3), lua_type(L, -1));
    if (fmt_type == LUA_TSTRING && str_type == LUA_TSTRING) {
      size_t fn = 0;
      const char* fmt = lua_tolstring(L, -2, &fn);
      const char* s = lua_tolstring(L, -1, &n);
      std::string f(fmt, fn);
      f.resize(3, ' ');
      reply.Verbatim(std::string_view(s, n), f);
      lua_pop(L, 4);
      return true;
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  if (RawField(L, "map") == LUA_TTABLE) {
    size_t mark = reply.BeginDeferred();
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);  // convert a copy: lua_next needs the key as it is
      LuaToReply(L, reply, script_resp, host, depth + 1);
      LuaToReply(L, reply, script_resp, host, depth + 1);
      ++pairs;
    }
    reply.EndDeferredMap(mark, pairs);
    lua_pop(L, 2);
    return true;
  }
  lua_pop(L, 1);
  if (RawField(L, "set") == LUA_TTABLE) {
    size_t mark = reply.BeginDeferred();
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      LuaToReply(L, reply, script_resp, host, depth + 1);
      ++count;
    }
    reply.EndDeferredSet(mark, count);
    lua_pop(L, 2);
    return true;
  }
  lua_pop(L, 1);
  return false;
}

}  // namespace

void LuaToReply(lua_State* L, ReplyBuilder& reply, int script_resp, ScriptHost* host, int depth) {
  // Deeply nested tables end here, before the C stack is at risk.
  if (!lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t n = 0;
      const char* s = lua_tolstring(L, -1, &n);
      reply.Bulk(std::string_view(s, n));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) reply.Integer(1);
        else reply.Null();
      } else {
        reply.Bool(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      reply.Integer(TruncToInt64(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      if (SpecialTable(L, reply, script_resp, host, depth)) return;
      size_t mark = reply.BeginDeferred();
      size_t n = 0;
      for (int j = 1;; ++j) {
        lua_rawgeti(L, -1, j);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        LuaToReply(L, reply, script_resp, host, depth + 1);
        ++n;
      }
      reply.EndDeferredArray(mark, n);
      break;
    }
    default:
      reply.Null();
  }
  lua_pop(L, 1);
}

}  // namespace vireo
