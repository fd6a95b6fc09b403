// HSCAN: a listpack answers everything at once with cursor 0, as in Redis; a
// hashtable is walked with the table's reverse-binary cursor.
#include <string>
#include <vector>

#include "base/glob.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/core/scan_args.h"
#include "commands/hash/hash_family.h"
#include "resp/reply_builder.h"

namespace vireo::hash_cmd {
namespace {

void CmdHscan(CommandContext& ctx) {
  const auto& args = ctx.args;
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return ctx.reply.Error(err::kInvalidCursor);
  Entry* e;
  if (!LookupHashRead(ctx, args[1], &e)) return;
  if (!e) {
    return ReplyEmptyScan(ctx);
  }
  ScanOptions o;
  if (!ParseScanOptions(ctx, 3, /*allow_type=*/false, &o)) return;
  const long long count = o.count;
  const std::string_view pattern = o.pattern;
  const bool use_pattern = o.use_pattern;

  HashValue* h = HashOf(e);
  if (h->is_listpack()) {
    // Small encodings are answered whole, whatever the cursor.
    ReplyScanCursor(ctx, 0);
    size_t mark = ctx.reply.BeginDeferred();
    size_t n = 0;
    h->ForEach([&](std::string_view f, std::string_view v) {
      if (use_pattern && !GlobMatch(pattern, f)) return;
      ctx.reply.Bulk(f);
      ctx.reply.Bulk(v);
      n += 2;
    });
    return ctx.reply.EndDeferredArray(mark, n);
  }
  std::vector<std::string_view> found;
  cursor = h->ScanTable(cursor, count, [&](std::string_view f, std::string_view v) {
    if (use_pattern && !GlobMatch(pattern, f)) return;
    found.push_back(f);
    found.push_back(v);
  });
  ReplyScanCursor(ctx, cursor);
  ctx.reply.ArrayHeader(found.size());
  for (std::string_view s : found) ctx.reply.Bulk(s);
}

}  // namespace

void BindHashScanCommands(CommandTable& t) { t.Bind("hscan", CmdHscan); }

}  // namespace vireo::hash_cmd
