// Helpers shared by the set command files: set.cc (SADD, SREM, SCARD,
// SISMEMBER, SMISMEMBER, SMEMBERS, SMOVE, SSCAN and BindSetCommands),
// set_random.cc (SPOP, SRANDMEMBER) and set_algebra.cc (SINTER, SUNION,
// SDIFF and their STORE forms, SINTERCARD). SORT (sort.cc) reads sets
// through them too.
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <cstdint>
#include <string_view>

#include "commands/core/command.h"
#include "engine/entry.h"
#include "types/set_value.h"

namespace vireo {
namespace set_cmd {

// Looks key up as a read (counting a hit or miss). Returns false after
// replying WRONGTYPE when the key holds another type; *out is nullptr when
// the key is missing.
bool LookupSetRead(CommandContext& ctx, std::string_view key, Entry** out);
// The same as a write command looks it up (no statistics).
bool LookupSetWrite(CommandContext& ctx, std::string_view key, Entry** out);

// Writes the handle's (possibly moved) object and its encoding back into e.
void StoreBack(Entry* e, const SetValue& s);
// After members were removed from the set at key (e): records the change
// with its event ("srem", "spop"), then deletes the key with a "del" event
// when the set became empty, else stores the handle back.
void StoreOrDelete(CommandContext& ctx, std::string_view key, Entry* e, const SetValue& s, const char* event);
// Replaces whatever dst held with the set object obj and reports event
// ("sinterstore"...); an empty set deletes dst instead ("del" if it existed)
// and obj is freed.
void StoreResult(CommandContext& ctx, std::string_view dst, void* obj, const char* event);

size_t MaxIntsetEntries(const CommandContext& ctx);
// Random bits for member picks (not node state: any sequence will do).
uint64_t RandomBits();

void BindRandomCommands(CommandTable& t);
void BindAlgebraCommands(CommandTable& t);

}  // namespace set_cmd
}  // namespace vireo
