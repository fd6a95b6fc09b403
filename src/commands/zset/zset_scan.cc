// ZSCAN: a listpack answers everything at once with cursor 0, as in Redis; a
// skiplist's member hash is walked with the table's reverse-binary cursor.
#include <climits>
#include <string>
#include <utility>
#include <vector>

#include "base/glob.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/core/scan_args.h"
#include "commands/zset/zset_family.h"
#include "resp/reply_builder.h"

namespace vireo::zset_cmd {
namespace {

void CmdZScan(CommandContext& ctx) {
  const auto& a = ctx.args;
  uint64_t cursor;
  if (!ParseScanCursor(a[2], &cursor)) return ctx.reply.Error(err::kInvalidCursor);
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, a[1], &e, &z)) return;
  if (!z) {
    return ReplyEmptyScan(ctx);
  }
  ScanOptions o;
  if (!ParseScanOptions(ctx, 3, /*allow_type=*/false, &o)) return;
  const long long count = o.count;
  const std::string_view pattern = o.pattern;
  const bool use_pattern = o.use_pattern;
  std::vector<std::pair<std::string, std::string>> found;
  auto collect = [&](std::string_view m, std::string_view s) {
    if (!use_pattern || GlobMatch(pattern, m)) found.emplace_back(std::string(m), std::string(s));
  };
  if (z->is_listpack()) {
    cursor = z->Scan(0, collect);
  } else {
    // As Redis: keep stepping until enough items (member and score count
    // two) or 10*count steps were taken.
    long long steps = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
    do {
      cursor = z->Scan(cursor, collect);
    } while (cursor && steps-- > 0 && (long long)found.size() * 2 < count);
  }
  ReplyScanCursor(ctx, cursor);
  ctx.reply.ArrayHeader(found.size() * 2);
  for (const auto& [m, s] : found) {
    ctx.reply.Bulk(m);
    ctx.reply.Bulk(s);
  }
}

}  // namespace

void BindScanCommands(CommandTable& t) { t.Bind("zscan", CmdZScan); }

}  // namespace vireo::zset_cmd
