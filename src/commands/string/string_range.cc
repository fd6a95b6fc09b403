// Commands that read or write part of a string: APPEND, SETRANGE, GETRANGE
// (and its old name SUBSTR), STRLEN. Writes turn the value into a raw string
// with spare room, growing it the way Redis's sds does (double below 1 MB,
// then 1 MB at a time), so repeated APPENDs stay amortized O(1).
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/string/string_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo::string_cmd {
namespace {

constexpr size_t kMaxPrealloc = 1024 * 1024;

size_t GreedyCapacity(size_t need) { return need < kMaxPrealloc ? need * 2 : need + kMaxPrealloc; }

// h with room for at least `need` bytes (possibly moved).
HeapString* Reserve(HeapString* h, size_t need) {
  if (need <= h->cap) return h;
  size_t cap = GreedyCapacity(need);
  // HeapString::New allocates header + cap + 1 with malloc; keep that shape.
  auto* grown = static_cast<HeapString*>(realloc(h, offsetof(HeapString, data) + cap + 1));
  if (!grown) abort();
  grown->cap = cap;
  return grown;
}

}  // namespace

// Makes *e's value a raw string with room for `need` bytes, as Redis's
// dbUnshareStringValue plus sdsMakeRoomFor: an int or embstr value is copied
// into a new raw entry that takes the key's place (and TTL). *e is updated to
// the stored entry; returns its heap string.
HeapString* WritableString(CommandContext& ctx, Entry** e, size_t need) {
  if ((*e)->encoding() == Encoding::kRaw) {
    HeapString* h = Reserve((*e)->heap(), need);
    (*e)->set_heap(h);
    return h;
  }
  char scratch[32];
  std::string_view value = (*e)->StringValue(scratch);
  size_t cap = need > value.size() ? GreedyCapacity(need) : value.size();
  Entry* fresh = Entry::NewRaw((*e)->key(), value, cap);
  *e = ReplaceKeepTtl(ctx, *e, fresh);
  return (*e)->heap();
}

namespace {

void CmdAppend(CommandContext& ctx) {
  std::string_view key = ctx.args[1], tail = ctx.args[2];
  Entry* e = LookupWrite(ctx, key);
  if (!e) {
    // A new key is stored as SET would store it (int/embstr/raw by value).
    ctx.db().Add(Entry::NewString(key, tail));
    ctx.Modified(key, kNotifyString, "append");
    return ctx.reply.Integer(static_cast<long long>(tail.size()));
  }
  if (!IsString(e)) return ctx.reply.Error(err::kWrongType);
  size_t len = e->StringLength();
  if (!CheckStringLength(ctx, len, tail.size())) return;
  HeapString* h = WritableString(ctx, &e, len + tail.size());
  if (!tail.empty()) memcpy(h->data + h->len, tail.data(), tail.size());
  h->len += tail.size();
  ctx.Modified(key, kNotifyString, "append");
  ctx.reply.Integer(static_cast<long long>(h->len));
}

void CmdSetRange(CommandContext& ctx) {
  std::string_view key = ctx.args[1], value = ctx.args[3];
  long long offset;
  if (!ArgInt64(ctx, 2, &offset)) return;
  if (offset < 0) return ctx.reply.Error(err::kOffsetOutOfRange);
  Entry* e = LookupWrite(ctx, key);
  if (!e) {
    // Writing nothing to a missing key creates nothing.
    if (value.empty()) return ctx.reply.Integer(0);
    if (!CheckStringLength(ctx, uint64_t(offset), value.size())) return;
    size_t len = size_t(offset) + value.size();
    Entry* fresh = Entry::NewRaw(key, {}, len);
    HeapString* h = fresh->heap();
    memset(h->data, 0, size_t(offset));
    memcpy(h->data + offset, value.data(), value.size());
    h->len = len;
    ctx.db().Add(fresh);
    ctx.Modified(key, kNotifyString, "setrange");
    return ctx.reply.Integer(static_cast<long long>(len));
  }
  if (!IsString(e)) return ctx.reply.Error(err::kWrongType);
  size_t old_len = e->StringLength();
  if (value.empty()) return ctx.reply.Integer(static_cast<long long>(old_len));
  if (!CheckStringLength(ctx, uint64_t(offset), value.size())) return;
  size_t end = size_t(offset) + value.size();
  HeapString* h = WritableString(ctx, &e, end);
  if (end > h->len) {
    // Bytes between the old end and the offset read as zeros.
    if (size_t(offset) > h->len) memset(h->data + h->len, 0, size_t(offset) - h->len);
    h->len = end;
  }
  memcpy(h->data + offset, value.data(), value.size());
  ctx.Modified(key, kNotifyString, "setrange");
  ctx.reply.Integer(static_cast<long long>(h->len));
}

// GETRANGE and SUBSTR: inclusive byte range, negative indexes from the end,
// clamped to the string; an empty or inverted range gives an empty string.
void CmdGetRange(CommandContext& ctx) {
  long long start, end;
  if (!ArgInt64(ctx, 2, &start) || !ArgInt64(ctx, 3, &end)) return;
  Entry* e = LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Bulk("");
  if (!IsString(e)) return ctx.reply.Error(err::kWrongType);
  char scratch[32];
  std::string_view s = e->StringValue(scratch);
  long long len = static_cast<long long>(s.size());
  if (start < 0 && end < 0 && start > end) return ctx.reply.Bulk("");
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return ctx.reply.Bulk("");
  ctx.reply.Bulk(s.substr(size_t(start), size_t(end - start + 1)));
}

void CmdStrlen(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Integer(0);
  if (!IsString(e)) return ctx.reply.Error(err::kWrongType);
  ctx.reply.Integer(static_cast<long long>(e->StringLength()));
}

}  // namespace

void BindRangeCommands(CommandTable& t) {
  t.Bind("append", CmdAppend);
  t.Bind("setrange", CmdSetRange);
  t.Bind("getrange", CmdGetRange);
  t.Bind("substr", CmdGetRange);
  t.Bind("strlen", CmdStrlen);
}

}  // namespace vireo::string_cmd
