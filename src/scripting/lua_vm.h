// LuaVm: one sandboxed Lua 5.1 interpreter set up as Redis 7.0 sets up its
// own: the base, table, string, math, cjson, bit, struct and cmsgpack
// libraries, nothing that reaches files or the process (no os, io, loadfile,
// dofile, require, print...), read-only globals and library tables ("Attempt
// to modify a readonly table", "Script attempted to access nonexistent
// global variable"), Redis's math.random generator, and the redis.*
// API (lua_redis_api.cc) whose commands go to a ScriptHost.
//
// EVAL scripts and FUNCTION libraries each get their own LuaVm, as in Redis.
// Lua errors are C++ exceptions (Debian's liblua5.1-c++), so a script error
// unwinds our frames with their destructors instead of longjmp-ing over them.
// The interpreter's heap is counted (used_memory_lua) and capped: past the
// cap an allocation fails and the script ends with Lua's "not enough memory".
// Thread rule: one LuaVm per node, used only on the node's main thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;
struct lua_Debug;

namespace vireo {

class ReplyBuilder;
class ScriptHost;
class Rand48;

class LuaVm {
 public:
  // memory_limit: bytes the interpreter may hold while a script runs;
  // rand: math.random's generator (shared by every interpreter of the node).
  LuaVm(ScriptHost* host, Rand48* rand, size_t memory_limit);
  ~LuaVm();
  LuaVm(const LuaVm&) = delete;
  LuaVm& operator=(const LuaVm&) = delete;

  lua_State* state() { return L_; }
  ScriptHost* host() { return host_; }
  size_t memory_used() const { return used_; }

  // Compiles code (chunk name "@user_script", as Redis names it) and keeps
  // the function in the registry under `name`. False with Lua's message.
  bool Compile(const std::string& name, std::string_view code, std::string* error);
  bool Has(const std::string& name);
  void Forget(const std::string& name);

  // What one run needs besides the function.
  struct RunArgs {
    const std::vector<std::string_view>* keys;
    const std::vector<std::string_view>* args;
    // EVAL: KEYS and ARGV globals; FCALL: the two tables as the function's arguments.
    bool as_parameters = false;
    // The name shown in errors: "script: <display>, on @user_script:1."
    std::string_view display;
  };
  // Runs the registry function `name` and writes its converted result (or
  // Redis's error reply) to reply.
  void Run(const char* name, const RunArgs& run, ReplyBuilder& reply);

  // FUNCTION LOAD: compiles code (chunk "@user_function") and runs its top
  // level with the globals of the registry table `load_api` in place of the
  // normal ones, for at most timeout_ms. False with the message in *error;
  // *compile_error tells which step failed.
  bool RunLoader(std::string_view code, const char* load_api, int64_t timeout_ms, std::string* error,
                 bool* compile_error);

  // ---- state of the run in progress, for the redis.* API and the hook ----
  int script_resp() const { return script_resp_; }
  void set_script_resp(int v) { script_resp_ = v; }
  // redis.set_repl: where the script's commands propagate (REPL_* bits: 1 AOF, 2 replicas).
  int script_repl() const { return script_repl_; }
  void set_script_repl(int v) { script_repl_ = v; }
  bool running() const { return running_; }
  Rand48& rand() { return *rand_; }
  // The reply buffer of redis.call, kept between calls so that its capacity
  // (swapped with the script client's) is not reallocated on every call.
  std::string& call_reply() { return call_reply_; }
  std::vector<std::string_view>& call_args() { return call_args_; }

 private:
  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);
  static void CountHook(lua_State* L, lua_Debug* ar);
  void Setup();

  lua_State* L_ = nullptr;
  ScriptHost* host_;
  size_t used_ = 0;
  size_t limit_;
  bool limit_active_ = false;
  int64_t load_deadline_ms_ = 0;  // FUNCTION LOAD's time limit, 0 outside a load  // only inside a run: set-up and conversions never fail
  bool running_ = false;
  bool killed_ = false;
  int script_resp_ = 2;
  int script_repl_ = 3;
  Rand48* rand_;
  static constexpr int kGcPeriod = 50;
  int runs_since_gc_ = 0;
  std::string call_reply_;
  std::vector<std::string_view> call_args_;
};

// ---- set-up pieces (lua_sandbox.cc, lua_redis_api.cc) ----

// Opens the allowed libraries, removes the rest, installs Redis's
// math.random and the global-protection metatables. Leaves the globals
// table protected; KEYS/ARGV are set with SetRawGlobal.
void SetupSandbox(lua_State* L, LuaVm* vm);
// Pops the value on top of the stack into the real (unprotected) globals table.
void SetRawGlobal(lua_State* L, const char* name);
// Replaces the table on top of the stack by a read-only proxy of it.
void MakeReadonlyProxy(lua_State* L);
// Gives the table on top of the stack the "nonexistent global variable" metatable.
void SetMissingGlobalMetatable(lua_State* L);
// Registry keys: the metatable of the globals proxy (its __index is the real globals).
inline constexpr const char* kGlobalsMetaKey = "vireo.globalsmeta";
// The field Redis sets on redis.call/pcall error tables whose error the
// failed command already counted in errorstats.
inline constexpr const char* kErrorCountedField = "ignore_error_stats_update";
// Adds redis.log, the LOG_* levels and the version fields to the table on top.
void AddLogAndVersion(lua_State* L, LuaVm* vm);
// The redis.* table (without registering it as a global).
void PushRedisApi(lua_State* L, LuaVm* vm);
// The error handler every run uses (Redis's __redis__err__handler).
int LuaErrorHandler(lua_State* L);
// Pushes Redis's error table {err="CODE msg"} for text "msg" or "-CODE msg".
void PushErrorTable(lua_State* L, std::string_view text);

// ---- conversions (lua_to_reply.cc, reply_to_lua.cc) ----

// Converts the value on top of the stack to a reply as Redis does (script
// RESP `script_resp` decides how booleans go), and pops it.
// Error elements below the top level are reported to `host` (errorstats), when given.
void LuaToReply(lua_State* L, ReplyBuilder& reply, int script_resp, ScriptHost* host = nullptr, int depth = 0);
// Pushes the Lua value of one RESP2/RESP3 reply starting at *pos; false on malformed input.
bool ReplyToLua(lua_State* L, std::string_view bytes, size_t* pos, int depth = 0);

}  // namespace vireo
