// Hash commands that write: HSET, HMSET, HSETNX, HDEL, HINCRBY,
// HINCRBYFLOAT; the helpers of hash_family.h; and the binding of the whole
// family with its TypeOps. Reads are in hash_read.cc, HRANDFIELD and HSCAN
// in hash_random.cc.
#include <cmath>
#include <string>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/hash/hash_family.h"
#include "engine/database.h"
#include "engine/type_ops.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace hash_cmd {

bool LookupHashRead(CommandContext& ctx, std::string_view key, Entry** e) {
  *e = generic_cmd::LookupRead(ctx, ctx.db(), key, /*touch=*/true);
  if (*e && (*e)->type() != ObjType::kHash) {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  return true;
}

bool LookupHashWrite(CommandContext& ctx, std::string_view key, bool create, HashTarget* t) {
  t->entry = generic_cmd::LookupWrite(ctx, ctx.db(), key);
  if (t->entry) {
    if (t->entry->type() != ObjType::kHash) {
      ctx.reply.Error(err::kWrongType);
      return false;
    }
    t->hash = HashOf(t->entry);
  } else {
    t->hash = create ? new HashValue() : nullptr;
  }
  return true;
}

void Commit(CommandContext& ctx, std::string_view key, HashTarget* t) {
  if (!t->hash) return;
  const Encoding enc = t->hash->is_listpack() ? Encoding::kListpack : Encoding::kHashtable;
  if (!t->entry) {
    if (t->hash->empty()) {
      delete t->hash;
    } else {
      ctx.db().Add(Entry::NewObject(key, ObjType::kHash, enc, t->hash));
    }
    return;
  }
  if (t->hash->empty()) {
    ctx.db().Delete(key);
    return;
  }
  if (t->entry->encoding() != enc) t->entry->set_encoding(enc);
}

void ConvertForArgs(CommandContext& ctx, HashValue* h, size_t first, size_t last) {
  if (!h->is_listpack()) return;
  const size_t max = size_t(ctx.limits.hash_max_listpack_value);
  for (size_t i = first; i <= last; ++i) {
    if (ctx.args[i].size() > max) return h->ConvertToTable();
  }
}

void ConvertForPair(CommandContext& ctx, HashValue* h, std::string_view field, std::string_view value) {
  if (!h->is_listpack()) return;
  const size_t max = size_t(ctx.limits.hash_max_listpack_value);
  if (field.size() > max || value.size() > max) h->ConvertToTable();
}

void ConvertForSize(CommandContext& ctx, HashValue* h) {
  if (h->is_listpack() && h->size() > size_t(ctx.limits.hash_max_listpack_entries)) {
    h->ConvertToTable();
  }
}

namespace {

// HSET and HMSET: field/value pairs after the key.
bool SetPairs(CommandContext& ctx, long long* added) {
  const auto& args = ctx.args;
  if (args.size() % 2 != 0) {
    std::string name;
    generic_cmd::ReplyFormattedError(ctx, err::kWrongArity, ToLower(args[0], &name));
    return false;
  }
  HashTarget t;
  if (!LookupHashWrite(ctx, args[1], true, &t)) return false;
  ConvertForArgs(ctx, t.hash, 2, args.size() - 1);
  *added = 0;
  for (size_t i = 2; i < args.size(); i += 2) *added += t.hash->Set(args[i], args[i + 1]);
  ConvertForSize(ctx, t.hash);
  Commit(ctx, args[1], &t);
  return true;
}

void CmdHset(CommandContext& ctx) {
  long long added;
  if (SetPairs(ctx, &added)) ctx.reply.Integer(added);
}

void CmdHmset(CommandContext& ctx) {
  long long added;
  if (SetPairs(ctx, &added)) ctx.reply.Ok();
}

void CmdHsetnx(CommandContext& ctx) {
  HashTarget t;
  if (!LookupHashWrite(ctx, ctx.args[1], true, &t)) return;
  if (t.hash->Exists(ctx.args[2])) {
    Commit(ctx, ctx.args[1], &t);  // drops a value created for nothing
    return ctx.reply.Integer(0);
  }
  // Only an actual insert is checked against the length limit, as Redis does.
  ConvertForArgs(ctx, t.hash, 2, 3);
  t.hash->Set(ctx.args[2], ctx.args[3]);
  ConvertForSize(ctx, t.hash);
  Commit(ctx, ctx.args[1], &t);
  ctx.reply.Integer(1);
}

void CmdHdel(CommandContext& ctx) {
  HashTarget t;
  if (!LookupHashWrite(ctx, ctx.args[1], false, &t)) return;
  if (!t.hash) return ctx.reply.Integer(0);
  long long removed = 0;
  for (size_t i = 2; i < ctx.args.size() && !t.hash->empty(); ++i) removed += t.hash->Delete(ctx.args[i]);
  Commit(ctx, ctx.args[1], &t);
  ctx.reply.Integer(removed);
}

// Stores a computed value the way hashTypeSet does (its own length check,
// then the size check).
void StoreComputed(CommandContext& ctx, HashTarget* t, std::string_view field, std::string_view value) {
  ConvertForPair(ctx, t->hash, field, value);
  t->hash->Set(field, value);
  ConvertForSize(ctx, t->hash);
  Commit(ctx, ctx.args[1], t);
}

void CmdHincrby(CommandContext& ctx) {
  long long incr;
  if (!ArgInt64(ctx, 3, &incr)) return;
  HashTarget t;
  if (!LookupHashWrite(ctx, ctx.args[1], true, &t)) return;
  long long current = 0;
  char scratch[HashValue::kScratch];
  std::string_view old;
  if (t.hash->Get(ctx.args[2], &old, scratch) && !ParseInt64(old, &current)) {
    Commit(ctx, ctx.args[1], &t);
    return ctx.reply.Error(err::kHashValueNotInteger);
  }
  long long result;
  if (__builtin_add_overflow(current, incr, &result)) {
    Commit(ctx, ctx.args[1], &t);
    return ctx.reply.Error(err::kOverflow);
  }
  char buf[kMaxInt64Chars];
  StoreComputed(ctx, &t, ctx.args[2], std::string_view(buf, FormatInt64(result, buf)));
  ctx.reply.Integer(result);
}

void CmdHincrbyfloat(CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(ctx.args[3], &incr)) return ctx.reply.Error(err::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx.reply.Error(err::kHashIncrNanOrInf);
  HashTarget t;
  if (!LookupHashWrite(ctx, ctx.args[1], true, &t)) return;
  long double current = 0;
  char scratch[HashValue::kScratch];
  std::string_view old;
  if (t.hash->Get(ctx.args[2], &old, scratch) && !ParseLongDouble(old, &current)) {
    Commit(ctx, ctx.args[1], &t);
    return ctx.reply.Error(err::kHashValueNotFloat);
  }
  long double result = current + incr;
  if (std::isnan(result) || std::isinf(result)) {
    Commit(ctx, ctx.args[1], &t);
    return ctx.reply.Error(err::kNanOrInf);
  }
  std::string text = FormatLongDouble(result);
  StoreComputed(ctx, &t, ctx.args[2], text);
  ctx.reply.Bulk(text);
}

void FreeHash(void* obj) { delete static_cast<HashValue*>(obj); }
void* CopyHash(const void* obj) { return new HashValue(*static_cast<const HashValue*>(obj)); }
size_t HashMemory(const void* obj) { return static_cast<const HashValue*>(obj)->MemoryBytes(); }

}  // namespace
}  // namespace hash_cmd

void BindHashCommands(CommandTable& t) {
  using namespace hash_cmd;
  RegisterTypeOps(ObjType::kHash, {FreeHash, CopyHash, HashMemory});
  t.Bind("hset", CmdHset);
  t.Bind("hmset", CmdHmset);
  t.Bind("hsetnx", CmdHsetnx);
  t.Bind("hdel", CmdHdel);
  t.Bind("hincrby", CmdHincrby);
  t.Bind("hincrbyfloat", CmdHincrbyfloat);
  BindHashReadCommands(t);
  BindHashRandomCommands(t);
  BindHashScanCommands(t);
}

}  // namespace vireo
