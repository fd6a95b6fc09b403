// Helpers shared by the bitmap command files (bitmap.cc: SETBIT, GETBIT,
// BITCOUNT, BITPOS, BITOP; bitfield.cc: BITFIELD, BITFIELD_RO). Bitmaps are
// ordinary string values (any encoding); writes turn them into raw strings
// grown with zero bytes, as Redis does.
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <cstdint>
#include <string_view>

#include "commands/core/command.h"
#include "engine/entry.h"

namespace vireo::bitmap_cmd {

inline constexpr const char* kBitOffsetError = "ERR bit offset is not an integer or out of range";
inline constexpr const char* kBitValueError = "ERR bit is not an integer or out of range";
inline constexpr const char* kBitposBitError = "ERR The bit argument must be 1 or 0.";
inline constexpr const char* kBitopNotSingle = "ERR BITOP NOT must be called with a single source key.";
inline constexpr const char* kBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
inline constexpr const char* kBitfieldOverflowType = "ERR Invalid OVERFLOW type specified";
inline constexpr const char* kBitfieldRoOnlyGet = "ERR BITFIELD_RO only supports the GET subcommand";

// Parses a bit offset as Redis does: a non-negative integer whose byte
// (offset / 8) is below proto-max-bulk-len; with field_width > 0 a leading
// '#' multiplies the number by the width (BITFIELD's "#N"). Replies the
// error and returns false when invalid.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, int field_width, uint64_t* offset);

// The string at key made writable and at least (max_bit / 8 + 1) bytes long
// (missing keys are created empty, bytes added are zeros), as Redis's
// lookupStringForBitCommand. *grew tells whether the key was created or
// lengthened. Replies WRONGTYPE and returns nullptr for other types.
HeapString* BitmapForWrite(CommandContext& ctx, std::string_view key, uint64_t max_bit, bool* grew);

void BindBitfieldCommands(CommandTable& t);

}  // namespace vireo::bitmap_cmd
