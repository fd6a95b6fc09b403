#include "scripting/lua_vm.h"

#include <lua5.1/lua.hpp>

#include <cstdlib>
#include <cstring>

#include "base/clock.h"
#include "resp/reply_builder.h"
#include "scripting/script_host.h"

namespace vireo {

namespace {

// Instructions between two calls of the hook that checks for slow scripts
// (the same period Redis uses).
constexpr int kHookPeriod = 100000;

void PushStringArray(lua_State* L, const std::vector<std::string_view>& items) {
  lua_createtable(L, int(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, int(i + 1));
  }
}

// A field of the table at idx as text (numbers converted), or empty with *present = false.
std::string FieldText(lua_State* L, int idx, const char* name, bool* present) {
  lua_getfield(L, idx, name);
  std::string out;
  *present = lua_isstring(L, -1);
  if (*present) {
    size_t n = 0;
    const char* s = lua_tolstring(L, -1, &n);
    out.assign(s, n);
  }
  lua_pop(L, 1);
  return out;
}

}  // namespace

LuaVm::LuaVm(ScriptHost* host, Rand48* rand, size_t memory_limit) : host_(host), limit_(memory_limit), rand_(rand) {
  Setup();
}

LuaVm::~LuaVm() {
  if (L_) lua_close(L_);
}

void LuaVm::Setup() {
  L_ = lua_newstate(&LuaVm::Alloc, this);
  if (!L_) abort();  // no memory for an empty interpreter: nothing sensible to do
  SetupSandbox(L_, this);
}

// Every interpreter allocation passes here: it is counted for
// used_memory_lua, and refused past the cap while a script runs (shrinking
// never fails, as Lua requires).
void* LuaVm::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* vm = static_cast<LuaVm*>(ud);
  if (nsize == 0) {
    free(ptr);
    vm->used_ -= osize;
    return nullptr;
  }
  if (nsize > osize && vm->limit_active_ && vm->used_ - osize + nsize > vm->limit_) return nullptr;
  void* p = realloc(ptr, nsize);
  if (!p) return nullptr;
  vm->used_ = vm->used_ - osize + nsize;
  return p;
}

bool LuaVm::Compile(const std::string& name, std::string_view code, std::string* error) {
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_script")) {
    const char* msg = lua_tostring(L_, -1);
    *error = msg ? msg : "unknown error";
    lua_pop(L_, 1);
    return false;
  }
  lua_setfield(L_, LUA_REGISTRYINDEX, name.c_str());
  return true;
}

bool LuaVm::Has(const std::string& name) {
  lua_getfield(L_, LUA_REGISTRYINDEX, name.c_str());
  bool found = lua_isfunction(L_, -1);
  lua_pop(L_, 1);
  return found;
}

void LuaVm::Forget(const std::string& name) {
  lua_pushnil(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, name.c_str());
}

// Every kHookPeriod instructions: let the node serve other clients once the
// script is slow, and stop it when it was killed. After a kill the hook runs
// on every line, so a script that catches the error with pcall is stopped
// again at once (as Redis does).
void LuaVm::CountHook(lua_State* L, lua_Debug* ar) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  auto* vm = static_cast<LuaVm*>(ud);
  if (vm->load_deadline_ms_) {
    if (NowMs() <= vm->load_deadline_ms_) return;
    lua_sethook(L, &LuaVm::CountHook, LUA_MASKLINE, 0);
    PushErrorTable(L, "FUNCTION LOAD timeout");
    lua_error(L);
  }
  if (!vm->killed_ && !vm->host_->ScriptCheckpoint()) return;
  vm->killed_ = true;
  lua_sethook(L, &LuaVm::CountHook, LUA_MASKLINE, 0);
  PushErrorTable(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

void LuaVm::Run(const char* name, const RunArgs& run, ReplyBuilder& reply) {
  lua_State* L = L_;
  const int base = lua_gettop(L);
  lua_pushcfunction(L, LuaErrorHandler);
  const int errfunc = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, name);
  int nparams = 0;
  if (run.as_parameters) {
    PushStringArray(L, *run.keys);
    PushStringArray(L, *run.args);
    nparams = 2;
  } else {
    PushStringArray(L, *run.keys);
    SetRawGlobal(L, "KEYS");
    PushStringArray(L, *run.args);
    SetRawGlobal(L, "ARGV");
  }
  // Every run starts in RESP2 (Redis).
  script_resp_ = 2;
  script_repl_ = 3;
  killed_ = false;
  running_ = true;
  limit_active_ = true;
  lua_sethook(L, &LuaVm::CountHook, LUA_MASKCOUNT, kHookPeriod);
  const int status = lua_pcall(L, nparams, 1, errfunc);
  lua_sethook(L, nullptr, 0, 0);
  limit_active_ = false;
  running_ = false;

  if (lua_istable(L, -1)) {
    // Raw reads: a script's table may have metamethods.
    lua_pushstring(L, "err");
    lua_rawget(L, -2);
    const bool is_error = lua_type(L, -1) == LUA_TSTRING;
    lua_pushstring(L, kErrorCountedField);
    lua_rawget(L, -3);
    if (is_error && lua_toboolean(L, -1)) host_->ScriptErrorAlreadyCounted();
    lua_pop(L, 2);
  }
  if (status == 0) {
    LuaToReply(L, reply, script_resp_, host_);
  } else if (lua_istable(L, -1)) {
    // The handler's table: {err=..., source=..., line=...}.
    const int t = lua_gettop(L);
    bool has_msg = false, has_source = false, has_line = false;
    std::string msg = FieldText(L, t, "err", &has_msg);
    std::string source = FieldText(L, t, "source", &has_source);
    std::string line = FieldText(L, t, "line", &has_line);
    while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
    if (has_source && has_line) {
      msg += " script: ";
      msg += run.display;
      msg += ", on ";
      msg += source;
      msg += ":";
      msg += line;
      msg += ".";
    }
    reply.Error(msg);
  } else {
    // Errors the handler never saw (out of memory, an error inside the handler).
    std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    if (msg.size() > 100) msg.resize(100);
    reply.Error("ERR Error running script " + std::string(run.display) + ", " + msg);
  }
  lua_settop(L, base);
  if (status == LUA_ERRMEM || used_ > limit_ / 2) {
    lua_gc(L, LUA_GCCOLLECT, 0);  // give a script that hit the cap its memory back at once
    return;
  }
  // An incremental step every kGcPeriod runs (Redis's rhythm) keeps garbage
  // from piling up between scripts without the latency of a full collection
  // or the cost of a step per call.
  if (++runs_since_gc_ >= kGcPeriod) {
    runs_since_gc_ = 0;
    lua_gc(L, LUA_GCSTEP, kGcPeriod);
  }
}

bool LuaVm::RunLoader(std::string_view code, const char* load_api, int64_t timeout_ms, std::string* error,
                      bool* compile_error) {
  lua_State* L = L_;
  const int base = lua_gettop(L);
  *compile_error = false;
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function")) {
    const char* msg = lua_tostring(L, -1);
    *error = msg ? msg : "unknown error";
    *compile_error = true;
    lua_settop(L, base);
    return false;
  }
  const int fn = lua_gettop(L);
  lua_pushcfunction(L, LuaErrorHandler);
  lua_insert(L, fn);
  // Point the globals at the load environment for the top level only; the
  // functions it registers see the normal globals when they run.
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsMetaKey);
  lua_getfield(L, -1, "__index");
  const int saved = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, load_api);
  lua_setfield(L, saved - 1, "__index");
  lua_pushvalue(L, fn + 1);  // the chunk, above the saved values
  limit_active_ = true;
  load_deadline_ms_ = NowMs() + timeout_ms;
  lua_sethook(L, &LuaVm::CountHook, LUA_MASKCOUNT, kHookPeriod / 10);
  const int status = lua_pcall(L, 0, 0, fn);
  lua_sethook(L, nullptr, 0, 0);
  load_deadline_ms_ = 0;
  limit_active_ = false;
  lua_pushvalue(L, saved);
  lua_setfield(L, saved - 1, "__index");
  bool ok = status == 0;
  if (!ok) {
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      const char* msg = lua_tostring(L, -1);
      *error = msg ? msg : "unknown error";
    } else {
      const char* msg = lua_tostring(L, -1);
      *error = msg ? msg : "unknown error";
    }
  }
  lua_settop(L, base);
  return ok;
}

}  // namespace vireo
