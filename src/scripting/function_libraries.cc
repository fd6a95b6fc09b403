#include "scripting/function_libraries.h"

#include <lua5.1/lua.hpp>

#include "base/split_args.h"
#include "scripting/script_flags.h"

namespace vireo {

namespace {

constexpr const char* kLoadApiKey = "vireo.functions.loadapi";
constexpr int64_t kLoadTimeoutMs = 500;  // Redis's FUNCTION LOAD time limit
constexpr const char* kBadName =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(tolower((unsigned char)c));
  return out;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!isalnum((unsigned char)c) && c != '_') return false;
  }
  return true;
}

// redis.register_function: only meaningful while a library loads.
int LuaRegisterFunction(lua_State* L) {
  auto* libs = static_cast<FunctionLibraries*>(lua_touserdata(L, lua_upvalueindex(1)));
  std::string err = libs->loading() ? libs->Register(L)
                                    : "redis.register_function can only be called on FUNCTION LOAD command";
  if (err.empty()) return 0;
  PushErrorTable(L, err);
  return lua_error(L);
}

// The library metadata of the shebang line (Redis's functionExtractLibMetaData).
bool ParseLibraryShebang(std::string_view code, std::string* engine, std::string* name, size_t* shebang_len,
                         std::string* error) {
  if (code.substr(0, 2) != "#!") {
    *error = "Missing library metadata";
    return false;
  }
  size_t eol = code.find('\n');
  if (eol == std::string_view::npos) {
    *error = "Invalid library metadata";
    return false;
  }
  *shebang_len = eol;
  std::string storage;
  std::vector<std::pair<size_t, size_t>> spans;
  if (!SplitArgs(code.substr(0, eol), &storage, &spans) || spans.empty()) {
    *error = "Invalid library metadata";
    return false;
  }
  auto part = [&](size_t i) { return std::string_view(storage).substr(spans[i].first, spans[i].second); };
  *engine = std::string(part(0).substr(2));
  bool named = false;
  for (size_t i = 1; i < spans.size(); ++i) {
    std::string_view p = part(i);
    if (p.size() >= 5 && Lower(p.substr(0, 5)) == "name=") {
      if (named) {
        *error = "Invalid metadata value, name argument was given multiple times";
        return false;
      }
      named = true;
      *name = std::string(p.substr(5));
      continue;
    }
    *error = "Invalid metadata value given: " + std::string(p);
    return false;
  }
  if (!named) {
    *error = "Library name was not given";
    return false;
  }
  return true;
}

}  // namespace

FunctionLibraries::FunctionLibraries(ScriptHost* host, Rand48* rand, size_t lua_memory_limit)
    : host_(host), rand_(rand), lua_memory_limit_(lua_memory_limit) {
  Setup();
}

FunctionLibraries::~FunctionLibraries() = default;

// A fresh interpreter with the load environment: a globals table holding only
// `redis` (register_function, log, the version fields), both raising Redis's
// nonexistent-global error for anything else.
void FunctionLibraries::Setup() {
  vm_ = std::make_unique<LuaVm>(host_, rand_, lua_memory_limit_);
  lua_State* L = vm_->state();
  lua_newtable(L);  // load globals
  lua_newtable(L);  // load-time redis table
  lua_pushlightuserdata(L, this);
  lua_pushcclosure(L, LuaRegisterFunction, 1);
  lua_setfield(L, -2, "register_function");
  AddLogAndVersion(L, vm_.get());
  SetMissingGlobalMetatable(L);
  MakeReadonlyProxy(L);
  lua_setfield(L, -2, "redis");
  SetMissingGlobalMetatable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadApiKey);
}

std::string FunctionLibraries::Register(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
  Function f;
  int callback = 0;
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(L, 2)) return "second argument to redis.register_function must be a function";
    f.name = lua_tostring(L, 1);
    callback = 2;
  } else {
    if (!lua_istable(L, 1)) {
      return "calling redis.register_function with a single argument is only applicable to Lua table (representing "
             "named arguments).";
    }
    bool named = false;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (lua_type(L, -2) != LUA_TSTRING) return "named argument key given to redis.register_function is not a string";
      std::string key = lua_tostring(L, -2);
      if (key == "function_name") {
        if (!lua_isstring(L, -1)) return "function_name argument given to redis.register_function must be a string";
        f.name = lua_tostring(L, -1);
        named = true;
      } else if (key == "description") {
        if (!lua_isstring(L, -1)) return "description argument given to redis.register_function must be a string";
        f.description = lua_tostring(L, -1);
        f.has_description = true;
      } else if (key == "callback") {
        if (!lua_isfunction(L, -1)) return "callback argument given to redis.register_function must be a function";
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "vireo.functions.callback");
        callback = -1;
      } else if (key == "flags") {
        const char* kBadFlags = "flags argument to redis.register_function must be a table representing function flags";
        if (!lua_istable(L, -1)) return kBadFlags;
        for (int j = 1;; ++j) {
          lua_rawgeti(L, -1, j);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          uint32_t bit = lua_isstring(L, -1) ? ScriptFlagByName(lua_tostring(L, -1)) : 0;
          lua_pop(L, 1);
          if (!bit) return kBadFlags;
          f.flags |= bit;
        }
      } else {
        return "unknown argument given to redis.register_function";
      }
      lua_pop(L, 1);
    }
    if (!named) return "redis.register_function must get a function name argument";
    if (!callback) return "redis.register_function must get a callback argument";
  }
  if (!ValidName(f.name)) return kBadName;
  for (const Function& other : pending_->functions) {
    if (Lower(other.name) == Lower(f.name)) return "Function already exists in the library";
  }
  f.library = pending_->library;
  f.registry_key = "vireo.fn." + std::to_string(next_id_++);
  if (callback == 2) {
    lua_pushvalue(L, 2);
  } else {
    lua_getfield(L, LUA_REGISTRYINDEX, "vireo.functions.callback");
  }
  lua_setfield(L, LUA_REGISTRYINDEX, f.registry_key.c_str());
  pending_->functions.push_back(std::move(f));
  return "";
}

bool FunctionLibraries::Load(std::string_view code, bool replace, std::string* name, std::string* error) {
  std::string engine;
  size_t shebang_len = 0;
  if (!ParseLibraryShebang(code, &engine, name, &shebang_len, error)) return false;
  if (!ValidName(*name)) {
    *error = kBadName;
    return false;
  }
  if (Lower(engine) != "lua") {
    *error = "Engine '" + engine + "' not found";
    return false;
  }
  const std::string lib_key = *name;  // library names are case-sensitive, function names are not
  auto old = libraries_.find(lib_key);
  if (old != libraries_.end() && !replace) {
    *error = "Library '" + *name + "' already exists";
    return false;
  }
  Pending pending;
  pending.library = lib_key;
  pending_ = &pending;
  std::string lua_error;
  bool compile_error = false;
  bool ok = vm_->RunLoader(code.substr(shebang_len), kLoadApiKey, kLoadTimeoutMs, &lua_error, &compile_error);
  pending_ = nullptr;
  auto forget_pending = [&] {
    for (const Function& f : pending.functions) vm_->Forget(f.registry_key);
  };
  if (!ok) {
    forget_pending();
    *error = (compile_error ? "Error compiling function: " : "Error registering functions: ") + lua_error;
    return false;
  }
  if (pending.functions.empty()) {
    *error = "No functions registered";
    return false;
  }
  for (const Function& f : pending.functions) {
    auto it = functions_.find(Lower(f.name));
    if (it != functions_.end() && it->second.library != lib_key) {
      forget_pending();
      *error = "Function " + f.name + " already exists";
      return false;
    }
  }
  if (old != libraries_.end()) Drop(lib_key);
  Library& lib = libraries_[lib_key];
  lib.name = *name;
  lib.code.assign(code);
  for (Function& f : pending.functions) {
    std::string key = Lower(f.name);
    lib.functions.push_back(key);
    functions_[key] = std::move(f);
  }
  return true;
}

void FunctionLibraries::Drop(const std::string& lib_key) {
  auto it = libraries_.find(lib_key);
  if (it == libraries_.end()) return;
  for (const std::string& fn : it->second.functions) {
    auto f = functions_.find(fn);
    if (f == functions_.end()) continue;
    vm_->Forget(f->second.registry_key);
    functions_.erase(f);
  }
  libraries_.erase(it);
}

bool FunctionLibraries::Delete(std::string_view name) {
  std::string key(name);
  if (!libraries_.count(key)) return false;
  Drop(key);
  return true;
}

void FunctionLibraries::Flush() {
  libraries_.clear();
  functions_.clear();
  Setup();
}

bool FunctionLibraries::Restore(const std::vector<std::string>& codes, RestorePolicy policy, std::string* error) {
  FunctionLibraries scratch(host_, rand_, lua_memory_limit_);
  std::string name;
  for (const std::string& code : codes) {
    if (!scratch.Load(code, false, &name, error)) return false;
  }
  if (policy != RestorePolicy::kFlush) {
    // Redis's libraryJoin: library names first, then function names against
    // the libraries that stay.
    for (const auto& [key, lib] : scratch.libraries_) {
      if (libraries_.count(key) && policy == RestorePolicy::kAppend) {
        *error = "Library " + lib.name + " already exists";
        return false;
      }
    }
    for (const auto& [key, f] : scratch.functions_) {
      auto it = functions_.find(key);
      if (it != functions_.end() && !scratch.libraries_.count(it->second.library)) {
        *error = "Function " + f.name + " already exists";
        return false;
      }
    }
  }
  // Nothing can fail from here: every code loaded once already and no name
  // collides with a library that stays.
  if (policy == RestorePolicy::kFlush) {
    Flush();
  } else {
    for (const auto& [key, lib] : scratch.libraries_) Drop(key);
  }
  for (const std::string& code : codes) {
    if (!Load(code, false, &name, error)) return false;
  }
  return true;
}

const FunctionLibraries::Function* FunctionLibraries::FindFunction(std::string_view name) const {
  auto it = functions_.find(Lower(name));
  return it == functions_.end() ? nullptr : &it->second;
}

void FunctionLibraries::Run(const Function& f, const std::vector<std::string_view>& keys,
                            const std::vector<std::string_view>& args, ReplyBuilder& reply) {
  LuaVm::RunArgs run;
  run.keys = &keys;
  run.args = &args;
  run.as_parameters = true;
  run.display = f.name;
  vm_->Run(f.registry_key.c_str(), run, reply);
}

size_t FunctionLibraries::memory_used() const {
  size_t total = 0;
  for (const auto& [k, lib] : libraries_) total += k.size() + lib.name.size() + lib.code.size() + 64;
  for (const auto& [k, f] : functions_) total += k.size() + f.name.size() + f.description.size() + 96;
  return total;
}

}  // namespace vireo
