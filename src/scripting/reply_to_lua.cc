// Reply -> Lua value, as Redis 7.0 converts a command's reply for
// redis.call: RESP2 null bulk/array -> false, status -> {ok=...}, error ->
// {err=...}; with redis.setresp(3) also map -> {map={...}}, set ->
// {set={k=true}}, double -> {double=n}, boolean, big number ->
// {big_number=s}, verbatim -> {verbatim_string={format=,string=}}, null -> nil.
// The bytes come from our own ReplyBuilder; anything malformed is refused.
#include <lua5.1/lua.hpp>

#include <cstdlib>
#include <string>

#include "base/numbers.h"
#include "scripting/lua_vm.h"

namespace vireo {

namespace {

bool ReadLine(std::string_view bytes, size_t* pos, std::string_view* line) {
  size_t eol = bytes.find("\r\n", *pos);
  if (eol == std::string_view::npos) return false;
  *line = bytes.substr(*pos, eol - *pos);
  *pos = eol + 2;
  return true;
}

bool ReadCount(std::string_view line, long long* n) { return ParseInt64(line, n) && *n >= -1 && *n < (1LL << 32); }

bool ReadBulk(std::string_view bytes, size_t* pos, long long len, std::string_view* out) {
  if (len < 0 || size_t(len) > bytes.size() - *pos || bytes.size() - *pos - size_t(len) < 2) return false;
  *out = bytes.substr(*pos, size_t(len));
  *pos += size_t(len) + 2;
  return true;
}

void SetTableField(lua_State* L, const char* name) { lua_setfield(L, -2, name); }

}  // namespace

bool ReplyToLua(lua_State* L, std::string_view bytes, size_t* pos, int depth) {
  if (depth > 128 || !lua_checkstack(L, 6) || *pos >= bytes.size()) return false;
  const char type = bytes[(*pos)++];
  std::string_view line;
  if (!ReadLine(bytes, pos, &line)) return false;
  long long n = 0;
  switch (type) {
    case '+':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      SetTableField(L, "ok");
      return true;
    case '-':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      SetTableField(L, "err");
      return true;
    case ':':
      if (!ParseInt64(line, &n)) return false;
      lua_pushnumber(L, lua_Number(n));
      return true;
    case '$': {
      if (!ReadCount(line, &n)) return false;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      std::string_view s;
      if (!ReadBulk(bytes, pos, n, &s)) return false;
      lua_pushlstring(L, s.data(), s.size());
      return true;
    }
    case '*':
    case '>':
      if (!ReadCount(line, &n)) return false;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      lua_createtable(L, int(n), 0);
      for (long long i = 1; i <= n; ++i) {
        if (!ReplyToLua(L, bytes, pos, depth + 1)) return false;
        lua_rawseti(L, -2, int(i));
      }
      return true;
    case '%':
      if (!ReadCount(line, &n) || n < 0) return false;
      lua_newtable(L);
      lua_createtable(L, 0, int(n));
      for (long long i = 0; i < n; ++i) {
        if (!ReplyToLua(L, bytes, pos, depth + 1) || !ReplyToLua(L, bytes, pos, depth + 1)) return false;
        lua_rawset(L, -3);
      }
      SetTableField(L, "map");
      return true;
    case '~':
      if (!ReadCount(line, &n) || n < 0) return false;
      lua_newtable(L);
      lua_createtable(L, 0, int(n));
      for (long long i = 0; i < n; ++i) {
        if (!ReplyToLua(L, bytes, pos, depth + 1)) return false;
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
      }
      SetTableField(L, "set");
      return true;
    case ',': {
      std::string text(line);
      lua_newtable(L);
      lua_pushnumber(L, strtod(text.c_str(), nullptr));
      SetTableField(L, "double");
      return true;
    }
    case '#':
      lua_pushboolean(L, line == "t");
      return true;
    case '(':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      SetTableField(L, "big_number");
      return true;
    case '=': {
      std::string_view s;
      if (!ReadCount(line, &n) || !ReadBulk(bytes, pos, n, &s) || s.size() < 4) return false;
      lua_newtable(L);
      lua_newtable(L);
      lua_pushlstring(L, s.data(), 3);
      SetTableField(L, "format");
      lua_pushlstring(L, s.data() + 4, s.size() - 4);
      SetTableField(L, "string");
      SetTableField(L, "verbatim_string");
      return true;
    }
    case '_':
      lua_pushnil(L);
      return true;
    case '|':  // attributes are dropped, the value after them converted
      if (!ReadCount(line, &n) || n < 0) return false;
      for (long long i = 0; i < 2 * n; ++i) {
        if (!ReplyToLua(L, bytes, pos, depth + 1)) return false;
        lua_pop(L, 1);
      }
      return ReplyToLua(L, bytes, pos, depth + 1);
    default:
      return false;
  }
}

}  // namespace vireo
