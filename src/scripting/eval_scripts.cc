#include "scripting/eval_scripts.h"

#include <algorithm>
#include <cstring>

#include "base/ascii.h"
#include "base/sha1.h"
#include "scripting/script_flags.h"

namespace vireo {

std::string Sha1Hex(std::string_view data) {
  uint8_t digest[20];
  Sha1Of(data.data(), data.size(), digest);
  std::string hex(40, '0');
  static const char* kHex = "0123456789abcdef";
  for (int i = 0; i < 20; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

EvalScripts::EvalScripts(ScriptHost* host, Rand48* rand, size_t lua_memory_limit)
    : host_(host), rand_(rand), lua_memory_limit_(lua_memory_limit),
      vm_(std::make_unique<LuaVm>(host, rand, lua_memory_limit)) {}

EvalScripts::~EvalScripts() = default;

const EvalScripts::Script* EvalScripts::Load(std::string_view body, std::string* sha, std::string* error) {
  *sha = Sha1Hex(body);
  auto it = scripts_.find(*sha);
  if (it != scripts_.end()) return &it->second;
  uint32_t flags = 0;
  size_t shebang_len = 0;
  if (!ParseShebang(body, &flags, &shebang_len, error)) return nullptr;
  std::string lua_error;
  // The shebang line is skipped but its newline kept, so line numbers match the body.
  if (!vm_->Compile("f_" + *sha, body.substr(shebang_len), &lua_error)) {
    *error = "Error compiling script (new function): " + lua_error;
    return nullptr;
  }
  Script& s = scripts_[*sha];
  s.body.assign(body);
  s.flags = flags;
  return &s;
}

const EvalScripts::Script* EvalScripts::Find(std::string_view sha, std::string* lower_sha) const {
  if (sha.size() != 40) return nullptr;
  lower_sha->assign(sha);
  for (char& c : *lower_sha) c = AsciiLower(c);
  auto it = scripts_.find(*lower_sha);
  return it == scripts_.end() ? nullptr : &it->second;
}

void EvalScripts::Run(const std::string& sha, const std::vector<std::string_view>& keys,
                      const std::vector<std::string_view>& args, ReplyBuilder& reply) {
  LuaVm::RunArgs run;
  run.keys = &keys;
  run.args = &args;
  run.display = sha;
  char name[43];  // "f_" + the 40-digit sha, without a heap string (or a printf) per call
  name[0] = 'f';
  name[1] = '_';
  size_t n = std::min<size_t>(sha.size(), 40);
  memcpy(name + 2, sha.data(), n);
  name[2 + n] = '\0';
  vm_->Run(name, run, reply);
}

void EvalScripts::Flush() {
  scripts_.clear();
  vm_ = std::make_unique<LuaVm>(host_, rand_, lua_memory_limit_);
}

size_t EvalScripts::memory_used() const {
  size_t total = 0;
  for (const auto& [sha, s] : scripts_) total += sha.size() + s.body.size() + sizeof(Script) + 64;
  return total;
}

}  // namespace vireo
