// Helpers shared by the string command files (string.cc, string_counter.cc,
// string_range.cc, string_lcs.cc): key lookups that keep Redis's keyspace
// hit/miss statistics, value replacement that keeps a key's TTL, and the
// length limit APPEND/SETRANGE obey. Internal to the string family.
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <cstdint>
#include <string_view>

#include "commands/core/command.h"
#include "engine/entry.h"

namespace vireo::string_cmd {

// Lookup as a read command does it (GET, STRLEN, MGET...): expired keys are
// removed and keyspace_hits / keyspace_misses are counted.
Entry* LookupRead(CommandContext& ctx, std::string_view key);
// Lookup as a write command does it: expired keys are removed, no statistics.
Entry* LookupWrite(CommandContext& ctx, std::string_view key);

inline bool IsString(const Entry* e) { return e->type() == ObjType::kString; }

// Replies with the value of a string entry as a bulk string.
void ReplyValue(CommandContext& ctx, const Entry* e);

// Puts `fresh` (same key, no TTL) in place of `old`, carrying old's TTL over,
// as Redis's dbReplaceValue does for INCR/APPEND. Returns the stored entry.
Entry* ReplaceKeepTtl(CommandContext& ctx, Entry* old, Entry* fresh);

// Makes *e's value a raw string with room for `need` bytes, as Redis's
// dbUnshareStringValue plus sdsMakeRoomFor (int/embstr values become raw,
// the entry may move: *e is updated). Used by APPEND, SETRANGE and the
// bitmap family (SETBIT, BITFIELD).
HeapString* WritableString(CommandContext& ctx, Entry** e, size_t need);

// Stores `fresh` under its key, replacing whatever the key held (and its
// TTL), as Redis's setKey without KEEPTTL. `existing` is the live entry from
// a lookup done just before, or nullptr if the key is absent.
void StoreFresh(CommandContext& ctx, Entry* existing, Entry* fresh);

// False (after replying the proto-max-bulk-len error) when a string of
// size + extra bytes would exceed proto-max-bulk-len.
bool CheckStringLength(CommandContext& ctx, uint64_t size, uint64_t extra);

// Replies an error whose text is a format with one "%s" (err::kInvalidExpire...).
void ReplyFormattedError(CommandContext& ctx, const char* format, std::string_view arg);

// Units and kinds of expire arguments (EX/PX relative, EXAT/PXAT absolute).
enum class ExpireKind : uint8_t { kNone, kEx, kPx, kExat, kPxat };

// Turns an expire argument into an absolute deadline in milliseconds with
// Redis's rules: an integer > 0 (else the not-an-integer or the
// "invalid expire time in '<command>' command" error), seconds that cannot
// be converted without overflow and relative times whose deadline overflows
// are invalid. On failure replies and returns false.
bool ParseExpire(CommandContext& ctx, std::string_view arg, ExpireKind kind, const char* command,
                 int64_t* when_ms);

// Bindings of the files other than string.cc; BindStringCommands calls them.
void BindCounterCommands(CommandTable& t);
void BindRangeCommands(CommandTable& t);
void BindLcsCommand(CommandTable& t);

}  // namespace vireo::string_cmd
