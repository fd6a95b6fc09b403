// Helpers shared by the generic (key-space) command files: generic.cc (DEL,
// EXISTS, TYPE, RENAME, RANDOMKEY, FLUSH*...), expire.cc (EXPIRE/TTL family),
// scan.cc (KEYS, SCAN), object.cc (OBJECT) and generic_db.cc (COPY, MOVE,
// SWAPDB). Lookups here keep Redis's keyspace hit/miss statistics, which
// differ between read lookups (counted) and write lookups (not counted).
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <string_view>

#include "commands/core/command.h"
#include "engine/entry.h"

namespace vireo {

namespace generic_cmd {

// Lookup as a read command does it (EXISTS, TTL, TYPE, TOUCH...): an expired
// key is removed, and keyspace_hits / keyspace_misses are counted. touch
// updates the key's access clock (Redis's LOOKUP_NOTOUCH is touch=false).
Entry* LookupRead(CommandContext& ctx, Database& db, std::string_view key, bool touch);
// Lookup as a write command does it: an expired key is removed, no statistics.
Entry* LookupWrite(CommandContext& ctx, Database& db, std::string_view key);

// Replies an error whose text is a format with one "%s".
void ReplyFormattedError(CommandContext& ctx, const char* format, std::string_view arg);

// Redis's getIntFromObjectOrReply: args[i] as a 32-bit int. A non-integer
// gets `error` (default: the not-an-integer text); an integer out of the int
// range gets `error` when one is given, else Redis's range text.
bool ArgInt32(CommandContext& ctx, size_t i, int* out, const char* error = nullptr);

// Bindings of each file; BindGenericCommands (generic.cc) calls them all.
void BindExpireCommands(CommandTable& t);
void BindScanCommands(CommandTable& t);
void BindObjectCommands(CommandTable& t);
void BindDbCommands(CommandTable& t);

}  // namespace generic_cmd
}  // namespace vireo
