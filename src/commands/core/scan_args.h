// What SCAN, SSCAN, HSCAN and ZSCAN share: the MATCH/COUNT(/TYPE) options,
// each possibly repeated (the last one wins), and the reply's shape
// (a two-element array: the next cursor as a bulk string, then the items).
// Thread rule: main thread (they write replies).
#pragma once
#include <cstdint>
#include <string_view>

#include "commands/core/command.h"

namespace vireo {

struct ScanOptions {
  long long count = 10;
  std::string_view pattern;
  bool use_pattern = false;  // false for "*" too: matching is skipped
  std::string_view type;
  bool use_type = false;
};

// Parses options from args[first]; TYPE only where allow_type (SCAN). False
// after replying Redis's error.
bool ParseScanOptions(CommandContext& ctx, size_t first, bool allow_type, ScanOptions* o);
// Writes the array header, the cursor; the caller then writes an array of items.
void ReplyScanCursor(CommandContext& ctx, uint64_t cursor);
// The reply for a missing key: cursor 0, no items.
void ReplyEmptyScan(CommandContext& ctx);

}  // namespace vireo
