// EvalScripts: the EVAL script cache (SHA1 of the body -> body and shebang
// flags) and the interpreter that runs those scripts, as Redis keeps them:
// a script stays until SCRIPT FLUSH, which also replaces the interpreter.
// Thread rule: owned by the node, main thread only.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scripting/lua_vm.h"

namespace vireo {

class ReplyBuilder;
class ScriptHost;
class Rand48;

class EvalScripts {
 public:
  struct Script {
    std::string body;
    uint32_t flags = 0;
  };

  EvalScripts(ScriptHost* host, Rand48* rand, size_t lua_memory_limit);
  ~EvalScripts();

  // The script with this body, compiled and cached if new; *sha is its
  // lower-case SHA1. Null with Redis's error text (without the '-') when the
  // shebang or the code is invalid.
  const Script* Load(std::string_view body, std::string* sha, std::string* error);
  // A cached script by SHA1 (any case), or null.
  const Script* Find(std::string_view sha, std::string* lower_sha) const;
  void Run(const std::string& sha, const std::vector<std::string_view>& keys,
           const std::vector<std::string_view>& args, ReplyBuilder& reply);
  // SCRIPT FLUSH: forget every script and start a fresh interpreter.
  void Flush();

  LuaVm& vm() { return *vm_; }
  size_t size() const { return scripts_.size(); }
  // used_memory_scripts: what the cache itself holds.
  size_t memory_used() const;

 private:
  ScriptHost* host_;
  Rand48* rand_;
  size_t lua_memory_limit_;
  std::unique_ptr<LuaVm> vm_;
  std::unordered_map<std::string, Script> scripts_;
};

// Lower-case hex SHA1 of data (40 characters).
std::string Sha1Hex(std::string_view data);

}  // namespace vireo
