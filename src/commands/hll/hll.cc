// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. The
// values are plain strings holding Redis's HLL bytes (types/hyperloglog.h);
// these handlers add Redis's key handling around them: which lookups count
// keyspace hits, when the cached cardinality is refreshed (a single-key
// PFCOUNT writes it back, which counts as a change), the "pfadd" event, and
// the errors for strings that are not (or no longer) valid HLLs.
// Thread rule: main thread only.
#include <cstring>
#include <string>
#include <vector>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/string/string_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"
#include "types/hyperloglog.h"

namespace vireo {
namespace {

constexpr const char* kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr const char* kInvalidHll = "INVALIDOBJ Corrupted HLL object detected";

using string_cmd::IsString;

// The value of an existing key if it is an HLL; otherwise replies the error
// and returns false.
bool CheckHll(CommandContext& ctx, Entry* e) {
  if (!IsString(e)) {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  // Integer-encoded strings are never HLLs (and their text has no magic).
  if (e->encoding() == Encoding::kInt || !hll::LooksValid(e->StringValue(nullptr))) {
    ctx.reply.Error(kNotHll);
    return false;
  }
  return true;
}

size_t SparseMax(const CommandContext& ctx) { return size_t(ctx.limits.hll_sparse_max_bytes); }

// Makes an existing HLL key's value a raw string (Redis's
// dbUnshareStringValue) and returns it, for in-place changes.
HeapString* Unshare(CommandContext& ctx, Entry** e) {
  return string_cmd::WritableString(ctx, e, (*e)->StringLength());
}

// Replaces the bytes of a raw value with v.
void StoreBytes(CommandContext& ctx, Entry** e, const std::string& v) {
  HeapString* h = string_cmd::WritableString(ctx, e, v.size());
  memcpy(h->data, v.data(), v.size());
  h->len = v.size();
}

void CmdPfAdd(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  Entry* e = string_cmd::LookupWrite(ctx, key);
  long long updated = 0;
  if (!e) {
    std::string v = hll::NewSparse();
    for (size_t j = 2; j < ctx.args.size(); ++j) {
      if (hll::Add(v, ctx.args[j], SparseMax(ctx)) == 1) ++updated;
    }
    hll::InvalidateCache(reinterpret_cast<uint8_t*>(v.data()));
    ctx.db().Add(Entry::NewRaw(key, v, v.size()));
    ctx.Modified(key, kNotifyString, "pfadd");
    ctx.dirty += uint64_t(updated);  // the creation counted one
    return ctx.reply.Integer(1);
  }
  if (!CheckHll(ctx, e)) return;
  HeapString* h = Unshare(ctx, &e);
  if (hll::Encoding(h->view()) == hll::kDense) {
    for (size_t j = 2; j < ctx.args.size(); ++j) {
      updated += hll::DenseAdd(reinterpret_cast<uint8_t*>(h->data), ctx.args[j]);
    }
  } else {
    std::string v(h->view());
    bool corrupt = false;
    for (size_t j = 2; j < ctx.args.size() && !corrupt; ++j) {
      int r = hll::Add(v, ctx.args[j], SparseMax(ctx));
      if (r == 1) ++updated;
      corrupt = r < 0;
    }
    // Registers set before a corruption was found stay set, as in Redis.
    StoreBytes(ctx, &e, v);
    h = e->heap();
    if (corrupt) return ctx.reply.Error(kInvalidHll);
  }
  if (updated) {
    hll::InvalidateCache(reinterpret_cast<uint8_t*>(h->data));
    ctx.Modified(key, kNotifyString, "pfadd");
    ctx.dirty += uint64_t(updated - 1);
  }
  ctx.reply.Integer(updated ? 1 : 0);
}

void CmdPfCount(CommandContext& ctx) {
  if (ctx.args.size() > 2) {
    // The union's estimate, from the per-register maximum of every key.
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t j = 1; j < ctx.args.size(); ++j) {
      Entry* e = string_cmd::LookupRead(ctx, ctx.args[j]);
      if (!e) continue;
      if (!CheckHll(ctx, e)) return;
      if (!hll::MergeInto(max.data(), e->StringValue(nullptr))) return ctx.reply.Error(kInvalidHll);
    }
    return ctx.reply.Integer(static_cast<long long>(hll::CountRegisters(max.data())));
  }
  // One key: Redis looks it up as a write, since the cache may be rewritten.
  std::string_view key = ctx.args[1];
  Entry* e = string_cmd::LookupWrite(ctx, key);
  if (!e) return ctx.reply.Integer(0);
  if (!CheckHll(ctx, e)) return;
  HeapString* h = Unshare(ctx, &e);
  if (hll::CacheValid(h->view())) {
    return ctx.reply.Integer(static_cast<long long>(hll::CachedCardinality(h->view())));
  }
  bool invalid = false;
  uint64_t card = hll::Count(h->view(), &invalid);
  if (invalid) return ctx.reply.Error(kInvalidHll);
  hll::SetCachedCardinality(reinterpret_cast<uint8_t*>(h->data), card);
  ctx.Modified(key);
  ctx.reply.Integer(static_cast<long long>(card));
}

void CmdPfMerge(CommandContext& ctx) {
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  // The destination is one of the inputs.
  for (size_t j = 1; j < ctx.args.size(); ++j) {
    Entry* e = string_cmd::LookupRead(ctx, ctx.args[j]);
    if (!e) continue;
    if (!CheckHll(ctx, e)) return;
    std::string_view v = e->StringValue(nullptr);
    if (hll::Encoding(v) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(max.data(), v)) return ctx.reply.Error(kInvalidHll);
  }
  std::string_view dest = ctx.args[1];
  Entry* e = string_cmd::LookupWrite(ctx, dest);
  std::string v;
  if (!e) {
    v = hll::NewSparse();
  } else {
    v = std::string(Unshare(ctx, &e)->view());
  }
  if (use_dense && !hll::ToDense(v)) {
    if (e) StoreBytes(ctx, &e, v);
    return ctx.reply.Error(kInvalidHll);
  }
  for (uint32_t j = 0; j < uint32_t(hll::kRegisters); ++j) {
    if (max[j]) hll::SetRegister(v, j, max[j], SparseMax(ctx));
  }
  hll::InvalidateCache(reinterpret_cast<uint8_t*>(v.data()));
  if (e) {
    StoreBytes(ctx, &e, v);
  } else {
    ctx.db().Add(Entry::NewRaw(dest, v, v.size()));
  }
  ctx.Modified(dest, kNotifyString, "pfadd");
  ctx.reply.Ok();
}

void CmdPfDebug(CommandContext& ctx) {
  std::string_view sub = ctx.args[1], key = ctx.args[2];
  Entry* e = string_cmd::LookupWrite(ctx, key);
  if (!e) return ctx.reply.Error("ERR The specified key does not exist");
  if (!CheckHll(ctx, e)) return;
  HeapString* h = Unshare(ctx, &e);
  std::string_view v = h->view();
  if (EqualsNoCase(sub, "getreg") || EqualsNoCase(sub, "todense")) {
    bool converted = false;
    if (hll::Encoding(v) == hll::kSparse) {
      std::string dense(v);
      if (!hll::ToDense(dense)) return ctx.reply.Error(kInvalidHll);
      StoreBytes(ctx, &e, dense);
      h = e->heap();
      converted = true;
      ++ctx.dirty;  // Redis counts the encoding change (for propagation) without signalling it
    }
    if (EqualsNoCase(sub, "todense")) return ctx.reply.Integer(converted ? 1 : 0);
    const auto* regs = reinterpret_cast<const uint8_t*>(h->data + hll::kHeaderSize);
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (uint32_t j = 0; j < uint32_t(hll::kRegisters); ++j) ctx.reply.Integer(hll::DenseGet(regs, j));
    return;
  }
  if (EqualsNoCase(sub, "decode")) {
    if (hll::Encoding(v) != hll::kSparse) return ctx.reply.Error("ERR HLL encoding is not sparse");
    return ctx.reply.Bulk(hll::DecodeSparse(v));
  }
  if (EqualsNoCase(sub, "encoding")) {
    return ctx.reply.SimpleString(hll::Encoding(v) == hll::kDense ? "dense" : "sparse");
  }
  ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
}

void CmdPfSelfTest(CommandContext& ctx) {
  std::string failure = hll::SelfTest();
  if (!failure.empty()) return ctx.reply.Error(failure);
  ctx.reply.Ok();
}

}  // namespace

void BindHllCommands(CommandTable& t) {
  t.Bind("pfadd", CmdPfAdd);
  t.Bind("pfcount", CmdPfCount);
  t.Bind("pfmerge", CmdPfMerge);
  t.Bind("pfdebug", CmdPfDebug);
  t.Bind("pfselftest", CmdPfSelfTest);
}

}  // namespace vireo
