// BITFIELD and BITFIELD_RO: a list of GET/SET/INCRBY operations on signed
// (i1..i64) or unsigned (u1..u63) fields at bit offsets ("#N" = N * width),
// with OVERFLOW WRAP|SAT|FAIL applying to the operations after it. As in
// Redis, every argument is checked before anything runs, the string is
// grown once to the furthest bit written, and one "setbit" event covers
// the whole call when something changed.
#include <cstring>
#include <vector>

#include "base/numbers.h"
#include "commands/bitmap/bitmap_family.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/string/string_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"
#include "types/bitops.h"

namespace vireo::bitmap_cmd {
namespace {

enum class FieldOp { kGet, kSet, kIncrBy };

struct FieldCall {
  FieldOp op;
  bool is_signed;
  int width;
  uint64_t offset;
  long long value;  // SET value or INCRBY increment
  bits::Overflow overflow;
};

// "i<1..64>" or "u<1..63>" (lower-case letter, as Redis checks it).
bool ParseFieldType(CommandContext& ctx, std::string_view arg, bool* is_signed, int* width) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) {
    ctx.reply.Error(kBitfieldType);
    return false;
  }
  *is_signed = arg[0] == 'i';
  // Redis reads the width as a C string: it ends at a NUL byte.
  std::string_view digits = arg.substr(1);
  digits = digits.substr(0, digits.find('\0'));
  long long w;
  if (!ParseInt64(digits, &w) || w < 1 || w > (*is_signed ? 64 : 63)) {
    ctx.reply.Error(kBitfieldType);
    return false;
  }
  *width = int(w);
  return true;
}

void Bitfield(CommandContext& ctx, bool readonly_command) {
  const auto& args = ctx.args;
  std::vector<FieldCall> calls;
  bits::Overflow overflow = bits::Overflow::kWrap;
  bool writes = false;
  uint64_t highest_bit = 0;
  for (size_t j = 2; j < args.size(); ++j) {
    size_t remaining = args.size() - j - 1;
    std::string_view sub = args[j];
    FieldCall c{};
    if (EqualsNoCase(sub, "get") && remaining >= 2) {
      c.op = FieldOp::kGet;
    } else if (EqualsNoCase(sub, "set") && remaining >= 3) {
      c.op = FieldOp::kSet;
    } else if (EqualsNoCase(sub, "incrby") && remaining >= 3) {
      c.op = FieldOp::kIncrBy;
    } else if (EqualsNoCase(sub, "overflow") && remaining >= 1) {
      std::string_view mode = args[++j];
      if (EqualsNoCase(mode, "wrap")) {
        overflow = bits::Overflow::kWrap;
      } else if (EqualsNoCase(mode, "sat")) {
        overflow = bits::Overflow::kSat;
      } else if (EqualsNoCase(mode, "fail")) {
        overflow = bits::Overflow::kFail;
      } else {
        return ctx.reply.Error(kBitfieldOverflowType);
      }
      continue;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
    if (!ParseFieldType(ctx, args[j + 1], &c.is_signed, &c.width)) return;
    if (!ParseBitOffset(ctx, args[j + 2], c.width, &c.offset)) return;
    if (c.op != FieldOp::kGet) {
      writes = true;
      highest_bit = std::max(highest_bit, c.offset + uint64_t(c.width) - 1);
      if (!ParseInt64(args[j + 3], &c.value)) return ctx.reply.Error(err::kNotInteger);
    }
    c.overflow = overflow;
    calls.push_back(c);
    j += c.op == FieldOp::kGet ? 2 : 3;
  }

  std::string_view key = args[1];
  HeapString* h = nullptr;
  std::string_view read_view;
  char scratch[32];
  bool grew = false;
  if (!writes) {
    Entry* e = string_cmd::LookupRead(ctx, key);
    if (e && !string_cmd::IsString(e)) return ctx.reply.Error(err::kWrongType);
    if (e) read_view = e->StringValue(scratch);
  } else {
    if (readonly_command) return ctx.reply.Error(kBitfieldRoOnlyGet);
    h = BitmapForWrite(ctx, key, highest_bit, &grew);
    if (!h) return;
  }

  ctx.reply.ArrayHeader(calls.size());
  uint64_t changes = 0;
  for (const FieldCall& c : calls) {
    if (c.op == FieldOp::kGet) {
      std::string_view s = h ? h->view() : read_view;
      // Up to 9 bytes (a 64-bit field at any bit position), zero past the end.
      uint8_t buf[9] = {};
      uint64_t byte = c.offset >> 3;
      for (uint64_t i = 0; i < 9 && byte + i < s.size(); ++i) buf[i] = uint8_t(s[byte + i]);
      uint64_t at = c.offset & 7;
      if (c.is_signed) {
        ctx.reply.Integer(bits::GetSigned(buf, at, c.width));
      } else {
        ctx.reply.Integer(static_cast<long long>(bits::GetUnsigned(buf, at, c.width)));
      }
      continue;
    }
    auto* p = reinterpret_cast<uint8_t*>(h->data);
    bits::FieldResult r;
    uint64_t old_bits;
    if (c.is_signed) {
      int64_t old = bits::GetSigned(p, c.offset, c.width);
      old_bits = uint64_t(old);
      r = c.op == FieldOp::kIncrBy ? bits::AddSigned(old, c.value, c.width, c.overflow)
                                   : bits::AddSigned(c.value, 0, c.width, c.overflow);
    } else {
      uint64_t old = bits::GetUnsigned(p, c.offset, c.width);
      old_bits = old;
      r = c.op == FieldOp::kIncrBy ? bits::AddUnsigned(old, c.value, c.width, c.overflow)
                                   : bits::AddUnsigned(uint64_t(c.value), 0, c.width, c.overflow);
    }
    if (r.overflowed && c.overflow == bits::Overflow::kFail) {
      ctx.reply.Null();
      continue;
    }
    // SET answers the old value, INCRBY the new one.
    ctx.reply.Integer(static_cast<long long>(c.op == FieldOp::kSet ? old_bits : r.bits));
    bits::SetField(p, c.offset, c.width, r.bits);
    if (grew || old_bits != r.bits) ++changes;
  }
  if (changes) {
    ctx.Modified(key, kNotifyString, "setbit");
    ctx.dirty += changes - 1;
  }
}

void CmdBitfield(CommandContext& ctx) { Bitfield(ctx, false); }
void CmdBitfieldRo(CommandContext& ctx) { Bitfield(ctx, true); }

}  // namespace

void BindBitfieldCommands(CommandTable& t) {
  t.Bind("bitfield", CmdBitfield);
  t.Bind("bitfield_ro", CmdBitfieldRo);
}

}  // namespace vireo::bitmap_cmd
