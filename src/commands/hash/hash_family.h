// Helpers shared by the hash command files: hash.cc (writes, bindings),
// hash_read.cc (reads) and hash_random.cc (HRANDFIELD, HSCAN). They look keys
// up with Redis's hit/miss accounting, check the type, and apply the
// listpack -> hashtable conversion rules of Redis 7.0.
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <string_view>

#include "commands/core/command.h"
#include "engine/entry.h"
#include "types/hash_value.h"

namespace vireo::hash_cmd {

inline HashValue* HashOf(const Entry* e) { return static_cast<HashValue*>(e->object()); }

// Read lookup (hits/misses counted). Returns false after replying WRONGTYPE;
// *e is nullptr when the key is absent.
bool LookupHashRead(CommandContext& ctx, std::string_view key, Entry** e);

// A hash being written: an existing key's entry, or a fresh value not yet in
// the keyspace (entry == nullptr) that Commit() adds.
struct HashTarget {
  Entry* entry = nullptr;
  HashValue* hash = nullptr;
};
// Write lookup; creates an empty (listpack) value when the key is absent and
// create is true. Returns false after replying WRONGTYPE; with create=false
// an absent key gives true and target->hash == nullptr.
bool LookupHashWrite(CommandContext& ctx, std::string_view key, bool create, HashTarget* t);
// Stores the result of a write: adds a fresh value, records an encoding
// change, deletes a key whose hash became empty (or drops an empty fresh one).
void Commit(CommandContext& ctx, std::string_view key, HashTarget* t);

// Redis's hashTypeTryConversion: converts when any of args[first..last]
// is longer than hash-max-listpack-value.
void ConvertForArgs(CommandContext& ctx, HashValue* h, size_t first, size_t last);
// Converts when a single field/value pair is too long (hashTypeSet's check).
void ConvertForPair(CommandContext& ctx, HashValue* h, std::string_view field, std::string_view value);
// Converts when the hash has more fields than hash-max-listpack-entries.
void ConvertForSize(CommandContext& ctx, HashValue* h);

void BindHashReadCommands(CommandTable& t);
void BindHashRandomCommands(CommandTable& t);
void BindHashScanCommands(CommandTable& t);

}  // namespace vireo::hash_cmd
