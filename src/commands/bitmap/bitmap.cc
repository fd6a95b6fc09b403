// Bitmap commands over string values: SETBIT, GETBIT, BITCOUNT, BITPOS,
// BITOP, with Redis 7.0's argument order, error texts and range rules
// (BYTE and BIT ranges, negative indexes from the end). The counting and
// searching are the word-at-a-time helpers of types/bitops.h.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "commands/bitmap/bitmap_family.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/string/string_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"
#include "types/bitops.h"

namespace vireo {
namespace bitmap_cmd {

bool ParseBitOffset(CommandContext& ctx, std::string_view arg, int field_width, uint64_t* offset) {
  bool hash = field_width > 0 && !arg.empty() && arg[0] == '#';
  long long v;
  if (!ParseInt64(hash ? arg.substr(1) : arg, &v)) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  // "#N" is the N-th field of this width; Redis multiplies in 64-bit
  // arithmetic, so a product that wraps negative is refused like any negative.
  if (hash) v = static_cast<long long>(static_cast<unsigned long long>(v) * unsigned(field_width));
  if (v < 0 || (static_cast<unsigned long long>(v) >> 3) >= static_cast<unsigned long long>(ctx.limits.proto_max_bulk_len)) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  *offset = static_cast<uint64_t>(v);
  return true;
}

HeapString* BitmapForWrite(CommandContext& ctx, std::string_view key, uint64_t max_bit, bool* grew) {
  size_t need = size_t(max_bit >> 3) + 1;
  Entry* e = string_cmd::LookupWrite(ctx, key);
  if (!e) {
    Entry* fresh = Entry::NewRaw(key, {}, need);
    HeapString* h = fresh->heap();
    memset(h->data, 0, need);
    h->len = need;
    ctx.db().Add(fresh);
    *grew = true;
    return h;
  }
  if (!string_cmd::IsString(e)) {
    ctx.reply.Error(err::kWrongType);
    return nullptr;
  }
  HeapString* h = string_cmd::WritableString(ctx, &e, need);
  *grew = false;
  if (h->len < need) {
    memset(h->data + h->len, 0, need - h->len);
    h->len = need;
    *grew = true;
  }
  return h;
}

namespace {

void CmdSetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.args[2], 0, &offset)) return;
  long long on;
  if (!ParseInt64(ctx.args[3], &on) || (on & ~1LL)) return ctx.reply.Error(kBitValueError);
  bool grew;
  HeapString* h = BitmapForWrite(ctx, ctx.args[1], offset, &grew);
  if (!h) return;
  auto* p = reinterpret_cast<uint8_t*>(h->data);
  uint8_t mask = uint8_t(1u << (7 - (offset & 7)));
  int old = (p[offset >> 3] & mask) ? 1 : 0;
  // Redis 7.0 reports a change only when the key was created, grew or the bit flipped.
  if (grew || old != on) {
    if (on) {
      p[offset >> 3] |= mask;
    } else {
      p[offset >> 3] &= uint8_t(~mask);
    }
    ctx.Modified(ctx.args[1], kNotifyString, "setbit");
  }
  ctx.reply.Integer(old);
}

void CmdGetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.args[2], 0, &offset)) return;
  Entry* e = string_cmd::LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Integer(0);
  if (!string_cmd::IsString(e)) return ctx.reply.Error(err::kWrongType);
  char scratch[32];
  std::string_view s = e->StringValue(scratch);
  int bit = 0;
  if ((offset >> 3) < s.size()) bit = (uint8_t(s[offset >> 3]) >> (7 - (offset & 7))) & 1;
  ctx.reply.Integer(bit);
}

// A BYTE or BIT range resolved to bits: [first, last] inclusive, empty when first > last.
struct BitRange {
  int64_t first, last;
};

// Redis's range clamping: negative indexes count from the end of `total`
// units, then both ends are clamped to the string.
void ClampRange(long long total, long long* start, long long* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

// Reads the BYTE|BIT keyword at args[i]: false (after the syntax error) when it is neither.
bool ParseUnit(CommandContext& ctx, size_t i, bool* is_bit) {
  if (ArgIs(ctx, i, "bit")) {
    *is_bit = true;
  } else if (ArgIs(ctx, i, "byte")) {
    *is_bit = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

void CmdBitCount(CommandContext& ctx) {
  // Redis 7.0 looks the key up before parsing the range: a missing key
  // answers 0 whatever the other arguments are.
  Entry* e = string_cmd::LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Integer(0);
  if (!string_cmd::IsString(e)) return ctx.reply.Error(err::kWrongType);
  char scratch[32];
  std::string_view s = e->StringValue(scratch);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  long long len = static_cast<long long>(s.size());
  size_t argc = ctx.args.size();
  if (argc == 2) return ctx.reply.Integer(static_cast<long long>(bits::Popcount(p, s.size())));
  if (argc != 4 && argc != 5) return ctx.reply.Error(err::kSyntax);
  long long start, end;
  if (!ArgInt64(ctx, 2, &start) || !ArgInt64(ctx, 3, &end)) return;
  if (start < 0 && end < 0 && start > end) return ctx.reply.Integer(0);
  bool is_bit = false;
  if (argc == 5 && !ParseUnit(ctx, 4, &is_bit)) return;
  long long total = is_bit ? len * 8 : len;
  ClampRange(total, &start, &end);
  if (start > end) return ctx.reply.Integer(0);
  uint64_t first = is_bit ? uint64_t(start) : uint64_t(start) * 8;
  uint64_t last = is_bit ? uint64_t(end) : uint64_t(end) * 8 + 7;
  ctx.reply.Integer(static_cast<long long>(bits::PopcountRange(p, first, last)));
}

void CmdBitPos(CommandContext& ctx) {
  long long bit;
  if (!ArgInt64(ctx, 2, &bit)) return;
  if (bit != 0 && bit != 1) return ctx.reply.Error(kBitposBitError);
  // A missing key is an endless run of zeros.
  Entry* e = string_cmd::LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Integer(bit ? -1 : 0);
  if (!string_cmd::IsString(e)) return ctx.reply.Error(err::kWrongType);
  char scratch[32];
  std::string_view s = e->StringValue(scratch);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  long long len = static_cast<long long>(s.size());
  size_t argc = ctx.args.size();
  long long start = 0, end = len - 1;
  bool is_bit = false, end_given = false;
  if (argc >= 4 && argc <= 6) {
    if (!ArgInt64(ctx, 3, &start)) return;
    if (argc == 6 && !ParseUnit(ctx, 5, &is_bit)) return;
    if (argc >= 5) {
      if (!ArgInt64(ctx, 4, &end)) return;
      end_given = true;
    } else {
      end = is_bit ? len * 8 + 7 : len - 1;
    }
    ClampRange(is_bit ? len * 8 : len, &start, &end);
  } else if (argc != 3) {
    return ctx.reply.Error(err::kSyntax);
  }
  if (start > end) return ctx.reply.Integer(-1);
  uint64_t first = is_bit ? uint64_t(start) : uint64_t(start) * 8;
  uint64_t last = is_bit ? uint64_t(end) : uint64_t(end) * 8 + 7;
  int64_t pos = bits::FindBit(p, first, last, int(bit));
  if (pos >= 0) return ctx.reply.Integer(pos);
  // No clear bit in the string: without an explicit end the string is
  // taken as followed by zeros, so the first bit past it is the answer.
  if (bit == 0 && !end_given) return ctx.reply.Integer(static_cast<long long>(last + 1));
  ctx.reply.Integer(-1);
}

enum class BitOp { kAnd, kOr, kXor, kNot };

void CmdBitOp(CommandContext& ctx) {
  std::string_view name = ctx.args[1];
  BitOp op;
  if (EqualsNoCase(name, "and")) {
    op = BitOp::kAnd;
  } else if (EqualsNoCase(name, "or")) {
    op = BitOp::kOr;
  } else if (EqualsNoCase(name, "xor")) {
    op = BitOp::kXor;
  } else if (EqualsNoCase(name, "not")) {
    op = BitOp::kNot;
  } else {
    return ctx.reply.Error(err::kSyntax);
  }
  if (op == BitOp::kNot && ctx.args.size() != 4) return ctx.reply.Error(kBitopNotSingle);
  std::string_view dest = ctx.args[2];
  // Sources are copied: the destination may be one of them and is replaced below.
  std::vector<std::string> src;
  size_t maxlen = 0;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    Entry* e = string_cmd::LookupRead(ctx, ctx.args[i]);
    if (!e) {
      src.emplace_back();  // a missing key is an empty string
      continue;
    }
    if (!string_cmd::IsString(e)) return ctx.reply.Error(err::kWrongType);
    char scratch[32];
    src.emplace_back(e->StringValue(scratch));
    maxlen = std::max(maxlen, src.back().size());
  }
  Entry* old = string_cmd::LookupWrite(ctx, dest);
  if (maxlen == 0) {
    if (old && ctx.db().Delete(dest)) ctx.Modified(dest, kNotifyGeneric, "del");
    return ctx.reply.Integer(0);
  }
  Entry* fresh = Entry::NewRaw(dest, {}, maxlen);
  HeapString* h = fresh->heap();
  auto* out = reinterpret_cast<uint8_t*>(h->data);
  h->len = maxlen;
  // Shorter sources read as zero-padded.
  const std::string& first = src[0];
  memset(out, 0, maxlen);
  memcpy(out, first.data(), first.size());
  if (op == BitOp::kNot) {
    for (size_t j = 0; j < maxlen; ++j) out[j] = uint8_t(~out[j]);
  }
  for (size_t i = 1; i < src.size(); ++i) {
    const auto* b = reinterpret_cast<const uint8_t*>(src[i].data());
    size_t n = src[i].size();
    switch (op) {
      case BitOp::kAnd:
        for (size_t j = 0; j < n; ++j) out[j] &= b[j];
        memset(out + n, 0, maxlen - n);
        break;
      case BitOp::kOr:
        for (size_t j = 0; j < n; ++j) out[j] |= b[j];
        break;
      case BitOp::kXor:
        for (size_t j = 0; j < n; ++j) out[j] ^= b[j];
        break;
      case BitOp::kNot:
        break;
    }
  }
  string_cmd::StoreFresh(ctx, old, fresh);
  ctx.Modified(dest, kNotifyString, "set");
  ctx.reply.Integer(static_cast<long long>(maxlen));
}

}  // namespace
}  // namespace bitmap_cmd

void BindBitmapCommands(CommandTable& t) {
  t.Bind("setbit", bitmap_cmd::CmdSetBit);
  t.Bind("getbit", bitmap_cmd::CmdGetBit);
  t.Bind("bitcount", bitmap_cmd::CmdBitCount);
  t.Bind("bitpos", bitmap_cmd::CmdBitPos);
  t.Bind("bitop", bitmap_cmd::CmdBitOp);
  bitmap_cmd::BindBitfieldCommands(t);
}

}  // namespace vireo
