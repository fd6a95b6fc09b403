// The sandbox of a LuaVm, as Redis 7.0 builds its interpreter: which
// libraries and globals exist, Redis's deterministic math.random, and the
// read-only protection of the globals and every library table.
//
// Redis patches its Lua with read-only tables; Debian's Lua 5.1 has none,
// so each protected table is replaced by an empty proxy whose metatable
// reads through to the real table (__index) and refuses writes
// (__newindex), and the few base functions that bypass metatables
// (rawset, rawget, next/pairs, setmetatable) see through or refuse proxies.
// The globals proxy reads through to the real globals table, whose own
// metatable raises Redis's "nonexistent global variable" error, so a
// successful global read never leaves the VM.
#include <lua5.1/lua.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "scripting/lua_vm.h"
#include "scripting/rand48.h"

extern "C" {
int luaopen_cjson(lua_State* L);  // Debian's lua-cjson
int luaopen_bit(lua_State* L);    // Debian's lua-bitop
}

namespace vireo {

int LuaOpenCmsgpack(lua_State* L);  // lua_cmsgpack.cc
int LuaOpenStruct(lua_State* L);    // lua_struct.cc

namespace {

constexpr const char* kProxyMap = "vireo.readonly";  // registry: proxy -> real table
constexpr const char* kRealGlobals = "vireo.globals";
constexpr const char* kEmptyReadonly = "vireo.emptymeta";
constexpr const char* kReadonlyError = "Attempt to modify a readonly table";

// The globals a Redis 7.0 script sees (KEYS and ARGV are set per run).
const char* const kAllowedGlobals[] = {
    "_G",       "_VERSION", "assert",   "bit",          "cjson",  "cmsgpack", "collectgarbage",
    "coroutine", "error",   "gcinfo",   "getmetatable", "ipairs", "load",     "loadstring",
    "math",     "next",     "pairs",    "pcall",        "rawequal", "rawget", "rawset",
    "redis",    "select",   "setmetatable", "string",   "struct", "table",    "tonumber",
    "tostring", "type",     "unpack",   "xpcall",       "__redis__err__handler",
};

// Replaces the table at idx by its real table when it is a read-only proxy.
void ResolveProxy(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyMap);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  if (lua_istable(L, -1)) lua_replace(L, idx);
  else lua_pop(L, 1);
  lua_pop(L, 1);
}

bool IsProxy(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyMap);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool proxy = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return proxy;
}

// __newindex of a proxy: the error carries the script's position, as the
// patched VM's error does.
int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, "%s", kReadonlyError); }

// __index of the real globals table: only reached for missing names.
int MissingGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "(null)");
}

// Raised from inside a C function: no position, as in Redis.
int RawReadonlyError(lua_State* L) {
  lua_pushstring(L, kReadonlyError);
  return lua_error(L);
}

int SafeNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  ResolveProxy(L, 1);
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int SafePairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // SafeNext
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int SafeRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  ResolveProxy(L, 1);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) return RawReadonlyError(L);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int SafeSetmetatable(lua_State* L) {
  if (lua_istable(L, 1) && IsProxy(L, 1)) return RawReadonlyError(L);
  lua_pushvalue(L, lua_upvalueindex(1));  // the base library's setmetatable
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// Redis 7.0's pcall: an error raised as a table ({err=...}, as redis.call
// raises) reaches the script as its message string, as before 7.0.
int ScriptPcall(lua_State* L) {
  const int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) lua_replace(L, -2);
      else lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_replace(L, 1);
    lua_settop(L, 2);
    return 2;
  }
  return lua_gettop(L);
}

// Redis's math.random: its own rand48 (one sequence for the node, see
// rand48.h), with Lua's argument handling.
int MathRandom(lua_State* L) {
  auto* vm = static_cast<LuaVm*>(lua_touserdata(L, lua_upvalueindex(1)));
  const int32_t kMax = 2147483647;
  lua_Number r = lua_Number(vm->rand().Next() % kMax) / lua_Number(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  auto* vm = static_cast<LuaVm*>(lua_touserdata(L, lua_upvalueindex(1)));
  vm->rand().Seed(int32_t(luaL_checkint(L, 1)));
  return 0;
}

void OpenLibrary(lua_State* L, const char* global, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, global);
  lua_call(L, 1, 1);
  if (lua_istable(L, -1) && *global) {
    lua_setglobal(L, global);
  } else {
    lua_pop(L, 1);
  }
}

}  // namespace

void MakeReadonlyProxy(lua_State* L) {
  const int real = lua_gettop(L);
  lua_newtable(L);  // the proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  // getmetatable answers an empty read-only table (Redis shows an empty
  // table too); setmetatable is refused.
  lua_getfield(L, LUA_REGISTRYINDEX, kEmptyReadonly);
  if (lua_isnil(L, -1)) {  // building that table itself
    lua_pop(L, 1);
    lua_pushboolean(L, 0);
  }
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyMap);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, real);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, real);
}

void SetMissingGlobalMetatable(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

void SetRawGlobal(lua_State* L, const char* name) {
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_pushstring(L, name);
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 2);
}

void SetupSandbox(lua_State* L, LuaVm* vm) {
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxyMap);
  lua_newtable(L);
  MakeReadonlyProxy(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kEmptyReadonly);

  OpenLibrary(L, "", luaopen_base);
  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table);
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string);
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  OpenLibrary(L, "cjson", luaopen_cjson);
  OpenLibrary(L, "bit", luaopen_bit);
  OpenLibrary(L, "cmsgpack", LuaOpenCmsgpack);
  OpenLibrary(L, "struct", LuaOpenStruct);

  // Redis's PRNG in place of the C library's.
  lua_getglobal(L, "math");
  lua_pushlightuserdata(L, vm);
  lua_pushcclosure(L, MathRandom, 1);
  lua_setfield(L, -2, "random");
  lua_pushlightuserdata(L, vm);
  lua_pushcclosure(L, MathRandomSeed, 1);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);

  PushRedisApi(L, vm);
  lua_setglobal(L, "redis");
  lua_pushcfunction(L, LuaErrorHandler);
  lua_setglobal(L, "__redis__err__handler");

  // Base functions that would see through the protection.
  lua_pushcfunction(L, SafeNext);
  lua_pushvalue(L, -1);
  lua_setglobal(L, "next");
  lua_pushcclosure(L, SafePairs, 1);
  lua_setglobal(L, "pairs");
  lua_pushcfunction(L, SafeRawget);
  lua_setglobal(L, "rawget");
  lua_pushcfunction(L, SafeRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, ScriptPcall);
  lua_setglobal(L, "pcall");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, SafeSetmetatable, 1);
  lua_setglobal(L, "setmetatable");

  // Drop every global Redis does not offer (print, os, io, dofile, require...).
  std::vector<std::string> drop;
  lua_pushnil(L);
  while (lua_next(L, LUA_GLOBALSINDEX)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) continue;
    const char* k = lua_tostring(L, -1);
    bool keep = false;
    for (const char* a : kAllowedGlobals) keep = keep || strcmp(a, k) == 0;
    if (!keep) drop.emplace_back(k);
  }
  for (const std::string& k : drop) {
    lua_pushnil(L);
    lua_setglobal(L, k.c_str());
  }

  // Library tables become read-only proxies (string methods too).
  const char* const kLibraries[] = {"string", "table", "math", "coroutine", "cjson", "bit", "struct", "cmsgpack", "redis"};
  for (const char* lib : kLibraries) {
    lua_getglobal(L, lib);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    MakeReadonlyProxy(L);
    if (strcmp(lib, "string") == 0) {
      lua_pushstring(L, "");
      lua_getmetatable(L, -1);
      lua_pushvalue(L, -3);
      lua_setfield(L, -2, "__index");
      lua_pushvalue(L, -1);
      MakeReadonlyProxy(L);
      lua_setfield(L, -2, "__metatable");
      lua_pop(L, 2);
    }
    lua_setglobal(L, lib);
  }

  // The globals: the real table raises on missing names; scripts see a proxy.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  MakeReadonlyProxy(L);
  lua_getmetatable(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsMetaKey);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_GLOBALSINDEX, "_G");  // still the real table here: a raw store
  lua_replace(L, LUA_GLOBALSINDEX);
}

}  // namespace vireo
