#include "commands/core/scan_args.h"

#include "base/numbers.h"
#include "commands/core/args.h"
#include "resp/reply_builder.h"

namespace vireo {

bool ParseScanOptions(CommandContext& ctx, size_t first, bool allow_type, ScanOptions* o) {
  const auto& args = ctx.args;
  for (size_t i = first; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (has_value && ArgIs(ctx, i, "count")) {
      if (!ArgInt64(ctx, i + 1, &o->count)) return false;
      if (o->count < 1) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
    } else if (has_value && ArgIs(ctx, i, "match")) {
      o->pattern = args[i + 1];
      o->use_pattern = o->pattern != "*";
    } else if (allow_type && has_value && ArgIs(ctx, i, "type")) {
      o->type = args[i + 1];
      o->use_type = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyScanCursor(CommandContext& ctx, uint64_t cursor) {
  char buf[kMaxInt64Chars];
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::string_view(buf, FormatUint64(cursor, buf)));
}

void ReplyEmptyScan(CommandContext& ctx) {
  ReplyScanCursor(ctx, 0);
  ctx.reply.ArrayHeader(0);
}

}  // namespace vireo
