// libFuzzer target for scripting, in process: random Lua scripts and
// argument vectors run in a sandboxed LuaVm whose redis.call answers come
// from a stub host (each call replies with bytes taken from the input, so
// the reply -> Lua conversion sees arbitrary RESP2/RESP3 too). Any script
// must end with a reply or an error: never a crash, a leak or a hang (the
// stub host stops a script after a fixed number of hook calls, as SCRIPT
// KILL would).
// Input layout: script, NUL, then NUL-separated arguments; the first
// argument's bytes (if any) are also the canned reply of redis.call.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_builder.h"
#include "scripting/eval_scripts.h"
#include "scripting/rand48.h"
#include "scripting/script_host.h"

namespace {

class StubHost final : public vireo::ScriptHost {
 public:
  std::string canned;
  int checkpoints = 0;
  bool ScriptCall(const std::vector<std::string_view>& args, int proto, int /*repl*/, std::string* reply,
                  std::string* error) override {
    if (args[0] == "error") {
      *error = "-ERR refused";
      return false;
    }
    if (args[0] == "raw") {
      *reply = canned;  // arbitrary bytes: the converter must refuse or convert them
      return true;
    }
    vireo::ReplyBuilder b;
    b.set_proto(proto);
    b.ArrayHeader(args.size());
    for (std::string_view a : args) b.Bulk(a);
    *reply = b.buffer();
    return true;
  }
  bool ScriptAclCheck(const std::vector<std::string_view>& args, bool* allowed) override {
    *allowed = true;
    return true;
  }
  void ScriptLog(int level, std::string_view msg) override {}
  bool ScriptCheckpoint() override { return ++checkpoints > 50; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\0');
  std::string_view script = in.substr(0, cut);
  std::vector<std::string_view> args;
  if (cut != std::string_view::npos) {
    std::string_view rest = in.substr(cut + 1);
    while (!rest.empty()) {
      size_t n = rest.find('\0');
      args.push_back(rest.substr(0, n));
      if (n == std::string_view::npos) break;
      rest = rest.substr(n + 1);
    }
  }
  StubHost host;
  if (!args.empty()) host.canned.assign(args[0]);
  vireo::Rand48 rand;
  // A small heap cap keeps memory-hungry inputs fast.
  vireo::EvalScripts scripts(&host, &rand, 64 << 20);
  std::string sha, error;
  if (!scripts.Load(script, &sha, &error)) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  std::vector<std::string_view> keys;
  if (!args.empty()) keys.push_back(args[0]);
  for (int proto = 2; proto <= 3; ++proto) {
    vireo::ReplyBuilder reply;
    reply.set_proto(proto);
    host.checkpoints = 0;
    scripts.Run(sha, keys, args, reply);
    if (reply.buffer().empty()) __builtin_trap();  // every run answers something
  }
  return 0;
}
