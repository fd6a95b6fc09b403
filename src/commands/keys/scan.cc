// Key enumeration: KEYS (the whole keyspace in one reply) and SCAN (a
// cursor over the key table, in Redis's reverse-binary order, so a key
// present for the whole iteration is returned at least once whatever
// resizes happen between calls).
#include <cerrno>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "base/glob.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/scan_args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo::generic_cmd {
namespace {

// KEYS lists live keys only; unlike SCAN it does not delete the expired
// ones it passes (the table must not change while it is walked).
void CmdKeys(CommandContext& ctx) {
  std::string_view pattern = ctx.args[1];
  const bool all = pattern == "*";
  const int64_t now = ctx.now_ms;
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  ctx.db().keys().ForEach([&](Entry* e) {
    std::string_view key = e->key();
    if ((all || GlobMatch(pattern, key)) && !Database::IsExpired(e, now)) {
      ctx.reply.Bulk(key);
      ++n;
    }
  });
  ctx.reply.EndDeferredArray(mark, n);
}

void CmdScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.args[1], &cursor)) return ctx.reply.Error(err::kInvalidCursor);
  ScanOptions o;
  if (!ParseScanOptions(ctx, 2, /*allow_type=*/true, &o)) return;

  Database& db = ctx.db();
  // Visit buckets until COUNT keys were gathered, the table is exhausted, or
  // 10*COUNT buckets were seen (a sparse table then answers few keys rather
  // than blocking the server). Filters apply afterwards, as in Redis, so a
  // call may return fewer than COUNT keys, even none, with a non-zero cursor.
  std::vector<Entry*> found;
  long long max_steps = o.count > LLONG_MAX / 10 ? LLONG_MAX : o.count * 10;
  do {
    cursor = db.keys().Scan(cursor, [&](Entry* e) { found.push_back(e); });
  } while (cursor != 0 && max_steps-- > 0 && found.size() < static_cast<unsigned long long>(o.count));

  std::vector<std::string_view> keys;
  keys.reserve(found.size());
  std::deque<std::string> removed_names;  // see the TYPE filter below
  for (Entry* e : found) {
    std::string_view key = e->key();
    if (o.use_pattern && !GlobMatch(o.pattern, key)) continue;
    if (o.use_type) {
      // Redis looks the key up as a read here (counting a hit or miss). An
      // expired key disappears in that lookup and then has type "none", and
      // nothing filters it afterwards: "TYPE none" returns its name.
      // The entry (and the key bytes in it) is freed by that lookup, so
      // keep a copy of the name first.
      std::string saved;
      if (Database::IsExpired(e, ctx.now_ms)) saved = key;
      Entry* live = LookupRead(ctx, db, saved.empty() ? key : std::string_view(saved), /*touch=*/false);
      if (!EqualsNoCase(o.type, live ? TypeName(live->type()) : "none")) continue;
      if (!live) {
        keys.push_back(removed_names.emplace_back(std::move(saved)));
        continue;
      }
    }
    if (Database::IsExpired(e, ctx.now_ms)) {
      db.ExpireFound(e, ctx.now_ms);  // kept while deletions are paused, still not listed
      continue;
    }
    keys.push_back(key);
  }

  ReplyScanCursor(ctx, cursor);
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view k : keys) ctx.reply.Bulk(k);
}

}  // namespace

void BindScanCommands(CommandTable& t) {
  t.Bind("keys", CmdKeys);
  t.Bind("scan", CmdScan);
}

}  // namespace vireo::generic_cmd
