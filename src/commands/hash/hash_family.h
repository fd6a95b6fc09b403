// Helpers shared by the hash command files: hash.cc (writes, bindings),
// hash_read.cc (reads) and hash_random.cc (HRANDFIELD, HSCAN). They look keys
// up with Redis's hit/miss accounting, check the type, and apply the
// listpack -> hashtable conversion rules of Redis 7.0.
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <memory>
#include <string_view>

#include "commands/core/command.h"
#include "engine/entry.h"
#include "types/hash_value.h"

namespace vireo::hash_cmd {

inline HashValue* HashOf(const Entry* e) { return static_cast<HashValue*>(e->object()); }

// Read lookup (hits/misses counted). Returns false after replying WRONGTYPE;
// *e is nullptr when the key is absent.
bool LookupHashRead(CommandContext& ctx, std::string_view key, Entry** e);

// A hash being written: an existing key's value, or a fresh one not yet in
// the keyspace. Leaving scope stores the result whatever the exit path:
// adds a fresh non-empty value, records an encoding change, deletes a key
// whose hash became empty, drops an empty fresh value.
class HashWrite {
 public:
  HashWrite(CommandContext& ctx, std::string_view key) : ctx_(ctx), key_(key) {}
  ~HashWrite();
  HashWrite(const HashWrite&) = delete;
  HashWrite& operator=(const HashWrite&) = delete;

  // Write lookup; creates an empty (listpack) value when the key is absent
  // and create is true. Returns false after replying WRONGTYPE; with
  // create=false an absent key gives true and hash == nullptr.
  bool Open(bool create);
  // The write changed the hash: its keyspace event ("hset", "hdel"...),
  // reported when the result is stored.
  void Changed(const char* event) { event_ = event; }

  HashValue* hash = nullptr;  // the value being written (nullptr: absent, not created)

 private:
  CommandContext& ctx_;
  std::string_view key_;
  Entry* entry_ = nullptr;            // the key's entry when it exists
  std::unique_ptr<HashValue> fresh_;  // owned until added to the keyspace
  const char* event_ = nullptr;
};

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
