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

bool HashWrite::Open(bool create) {
  entry_ = generic_cmd::LookupWrite(ctx_, ctx_.db(), key_);
  if (entry_) {
    if (entry_->type() != ObjType::kHash) {
      ctx_.reply.Error(err::kWrongType);
      return false;
    }
    hash = HashOf(entry_);
  } else if (create) {
    fresh_ = std::make_unique<HashValue>();
    hash = fresh_.get();
  }
  return true;
}

HashWrite::~HashWrite() {
  if (!hash) return;
  const Encoding enc = hash->is_listpack() ? Encoding::kListpack : Encoding::kHashtable;
  if (fresh_) {
    if (!hash->empty()) ctx_.db().Add(Entry::NewObject(key_, ObjType::kHash, enc, fresh_.release()));
  } else if (!hash->empty() && entry_->encoding() != enc) {
    entry_->set_encoding(enc);
  }
  if (event_) ctx_.Modified(key_, kNotifyHash, event_);
  if (!fresh_ && hash->empty()) {  // an empty fresh value is just freed by fresh_
    ctx_.db().Delete(key_);
    if (event_) ctx_.Notify(kNotifyGeneric, "del", key_);
  }
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
  HashWrite t(ctx, args[1]);
  if (!t.Open(true)) return false;
  ConvertForArgs(ctx, t.hash, 2, args.size() - 1);
  *added = 0;
  for (size_t i = 2; i < args.size(); i += 2) *added += t.hash->Set(args[i], args[i + 1]);
  ConvertForSize(ctx, t.hash);
  t.Changed("hset");
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
  HashWrite t(ctx, ctx.args[1]);
  if (!t.Open(true)) return;
  if (t.hash->Exists(ctx.args[2])) {
    return ctx.reply.Integer(0);  // a value created for nothing is dropped by t
  }
  // Only an actual insert is checked against the length limit, as Redis does.
  ConvertForArgs(ctx, t.hash, 2, 3);
  t.hash->Set(ctx.args[2], ctx.args[3]);
  ConvertForSize(ctx, t.hash);
  t.Changed("hset");
  ctx.reply.Integer(1);
}

void CmdHdel(CommandContext& ctx) {
  HashWrite t(ctx, ctx.args[1]);
  if (!t.Open(false)) return;
  if (!t.hash) return ctx.reply.Integer(0);
  long long removed = 0;
  for (size_t i = 2; i < ctx.args.size() && !t.hash->empty(); ++i) removed += t.hash->Delete(ctx.args[i]);
  if (removed) t.Changed("hdel");
  ctx.reply.Integer(removed);
}

// Stores a computed value the way hashTypeSet does (its own length check,
// then the size check).
void StoreComputed(CommandContext& ctx, HashWrite* t, std::string_view field, std::string_view value) {
  ConvertForPair(ctx, t->hash, field, value);
  t->hash->Set(field, value);
  ConvertForSize(ctx, t->hash);
}

void CmdHincrby(CommandContext& ctx) {
  long long incr;
  if (!ArgInt64(ctx, 3, &incr)) return;
  HashWrite t(ctx, ctx.args[1]);
  if (!t.Open(true)) return;
  long long current = 0;
  char scratch[HashValue::kScratch];
  std::string_view old;
  if (t.hash->Get(ctx.args[2], &old, scratch) && !ParseInt64(old, &current)) {
    return ctx.reply.Error(err::kHashValueNotInteger);
  }
  long long result;
  if (__builtin_add_overflow(current, incr, &result)) {
    return ctx.reply.Error(err::kOverflow);
  }
  char buf[kMaxInt64Chars];
  StoreComputed(ctx, &t, ctx.args[2], std::string_view(buf, FormatInt64(result, buf)));
  t.Changed("hincrby");
  ctx.reply.Integer(result);
}

void CmdHincrbyfloat(CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(ctx.args[3], &incr)) return ctx.reply.Error(err::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx.reply.Error(err::kHashIncrNanOrInf);
  HashWrite t(ctx, ctx.args[1]);
  if (!t.Open(true)) return;
  long double current = 0;
  char scratch[HashValue::kScratch];
  std::string_view old;
  if (t.hash->Get(ctx.args[2], &old, scratch) && !ParseLongDouble(old, &current)) {
    return ctx.reply.Error(err::kHashValueNotFloat);
  }
  long double result = current + incr;
  if (std::isnan(result) || std::isinf(result)) {
    return ctx.reply.Error(err::kNanOrInf);
  }
  std::string text = FormatLongDouble(result);
  StoreComputed(ctx, &t, ctx.args[2], text);
  t.Changed("hincrbyfloat");
  if (ctx.propagating()) ctx.PropagateAs({"HSET", std::string(ctx.args[1]), std::string(ctx.args[2]), text});
  ctx.reply.Bulk(text);
}

}  // namespace
}  // namespace hash_cmd

void BindHashCommands(CommandTable& t) {
  using namespace hash_cmd;
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
