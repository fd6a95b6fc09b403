// FunctionLibraries: Redis 7.0 functions (FUNCTION LOAD / FCALL). Each
// library is Lua code with a "#!lua name=<lib>" shebang whose top level runs
// once at load time, in Redis's load environment (only redis.register_function,
// redis.log and the version fields exist there; 500 ms at most), and
// registers named functions with flags and a description. The functions run
// later in their own interpreter (separate from EVAL's), getting KEYS and
// ARGV as their two arguments. Function names are looked up ignoring case,
// library names not (as Redis).
// Thread rule: owned by the node, main thread only.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scripting/lua_vm.h"

namespace vireo {

class ReplyBuilder;
class ScriptHost;
class Rand48;

class FunctionLibraries {
 public:
  struct Function {
    std::string name;
    std::string description;  // empty with has_description false: none given
    bool has_description = false;
    uint32_t flags = 0;  // ScriptFlag bits
    std::string registry_key;
    std::string library;
  };
  struct Library {
    std::string name;
    std::string code;  // the whole code, shebang included (FUNCTION LIST WITHCODE, DUMP)
    std::vector<std::string> functions;  // lower-case names, registration order
  };

  FunctionLibraries(ScriptHost* host, Rand48* rand, size_t lua_memory_limit);
  ~FunctionLibraries();

  // FUNCTION LOAD: true with the library name, or false with Redis's error
  // text (without the '-').
  bool Load(std::string_view code, bool replace, std::string* name, std::string* error);
  bool Delete(std::string_view name);
  void Flush();

  // FUNCTION RESTORE and RDB loading: adds the libraries of these codes, all
  // or none. kFlush replaces every library; kAppend refuses a library name
  // already loaded ("Library x already exists"), kReplace replaces it; a
  // function name held by a library that stays is refused ("Function x
  // already exists"). Each code first loads in a scratch interpreter, so a
  // payload that fails anywhere changes nothing.
  enum class RestorePolicy { kAppend, kReplace, kFlush };
  bool Restore(const std::vector<std::string>& codes, RestorePolicy policy, std::string* error);

  const Function* FindFunction(std::string_view name) const;
  const std::map<std::string, Library>& libraries() const { return libraries_; }
  const std::map<std::string, Function>& functions() const { return functions_; }
  void Run(const Function& f, const std::vector<std::string_view>& keys,
           const std::vector<std::string_view>& args, ReplyBuilder& reply);

  LuaVm& vm() { return *vm_; }
  size_t memory_used() const;

  // redis.register_function's work while a library loads (lua glue).
  bool loading() const { return pending_ != nullptr; }
  std::string Register(lua_State* L);

 private:
  struct Pending {
    std::string library;
    std::vector<Function> functions;
  };
  void Setup();
  // Removes a library's functions from the interpreter and the tables.
  void Drop(const std::string& lib_key);

  ScriptHost* host_;
  Rand48* rand_;
  size_t lua_memory_limit_;
  std::unique_ptr<LuaVm> vm_;
  std::map<std::string, Library> libraries_;  // by name (case-sensitive, as Redis)
  std::map<std::string, Function> functions_;  // by lower-case name
  Pending* pending_ = nullptr;
  uint64_t next_id_ = 0;
};

}  // namespace vireo
