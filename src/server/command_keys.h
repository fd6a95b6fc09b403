// Where a command's keys are in its arguments, found by walking the
// command's key specs (Redis 7's) over the actual arguments, as Redis's
// getKeysFromCommandWithSpecs does; SORT's STORE destination by a scan of
// its own. Used by COMMAND GETKEYS and by client-side caching (the keys a
// tracking client read).
// Thread rule: pure functions over the (read-only) command table.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/core/command.h"

namespace vireo {

struct FoundKey {
  size_t pos;                      // index into the argument vector
  std::vector<std::string> flags;  // the key spec's flags (RW, access...)
};

// The keys of c in args, args[offset] being the command name (COMMAND
// GETKEYS passes 2). Returns false when there is none.
bool FindCommandKeys(const Command* c, const std::vector<std::string_view>& args, size_t offset,
                     std::vector<FoundKey>* out);

// The same walk for ACL checks: each key's position and the access it
// needs (read: ACCESS; write: INSERT, DELETE or UPDATE), from
// `spec_access` (a byte per key spec: those bits, 0x80 for a not_key spec,
// AclCatalog precomputes them). No allocation per key. args[0] is the
// command name.
enum : uint8_t { kKeyAccessRead = 1, kKeyAccessWrite = 2 };
struct KeyAccess {
  size_t pos;
  uint8_t access;
};
void FindCommandKeyAccess(const Command* c, const std::vector<std::string_view>& args,
                          const std::vector<uint8_t>& spec_access, std::vector<KeyAccess>* out);

}  // namespace vireo
