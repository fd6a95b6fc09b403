// HRANDFIELD, with COUNT and WITHVALUES (Redis 7.0's four cases).
#include <algorithm>
#include <cerrno>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/glob.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/hash/hash_family.h"
#include "resp/reply_builder.h"

namespace vireo::hash_cmd {
namespace {

// The random source of HRANDFIELD; quality matters little, speed does.
uint64_t RandomBits() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// One field (and maybe its value) of an HRANDFIELD array reply. RESP3
// nests each pair in its own array; RESP2 flattens them.
void ReplyPick(CommandContext& ctx, bool withvalues, std::string_view f, std::string_view v) {
  if (withvalues && ctx.reply.proto() >= 3) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(f);
  if (withvalues) ctx.reply.Bulk(v);
}

void ReplyPicksHeader(CommandContext& ctx, bool withvalues, size_t n) {
  ctx.reply.ArrayHeader(withvalues && ctx.reply.proto() < 3 ? n * 2 : n);
}

// Positions of the fields of a listpack hash, for O(1) random picks.
std::vector<Listpack::Pos> FieldPositions(const Listpack& lp) {
  std::vector<Listpack::Pos> pos;
  pos.reserve(lp.size() / 2);
  for (Listpack::Pos p = lp.First(); p != Listpack::kEnd; p = lp.Next(lp.Next(p))) pos.push_back(p);
  return pos;
}

void RandomWithCount(CommandContext& ctx, long long l, bool withvalues) {
  Entry* e;
  if (!LookupHashRead(ctx, ctx.args[1], &e)) return;
  if (!e) return ctx.reply.ArrayHeader(0);
  HashValue* h = HashOf(e);
  const size_t size = h->size();
  const bool unique = l >= 0;
  const unsigned long long count = unique ? (unsigned long long)l : (unsigned long long)-l;
  if (count == 0) return ctx.reply.ArrayHeader(0);
  char fs[HashValue::kScratch], vs[HashValue::kScratch];
  const Listpack& lp = h->listpack();

  // Case 1: repeats allowed (or a single pick): independent uniform picks.
  if (!unique || count == 1) {
    ReplyPicksHeader(ctx, withvalues, count);
    if (h->is_listpack()) {
      std::vector<Listpack::Pos> pos = FieldPositions(lp);
      for (unsigned long long i = 0; i < count; ++i) {
        Listpack::Pos p = pos[RandomBits() % pos.size()];
        ReplyPick(ctx, withvalues, lp.Get(p, fs), withvalues ? lp.Get(lp.Next(p), vs) : "");
      }
    } else {
      for (unsigned long long i = 0; i < count; ++i) {
        std::string_view f, v;
        h->RandomField(RandomBits(), &f, &v, fs, vs);
        ReplyPick(ctx, withvalues, f, v);
      }
    }
    return;
  }

  // Case 2: as many or more than there are: the whole hash, in its order.
  if (count >= size) {
    ReplyPicksHeader(ctx, withvalues, size);
    h->ForEach([&](std::string_view f, std::string_view v) { ReplyPick(ctx, withvalues, f, v); });
    return;
  }

  ReplyPicksHeader(ctx, withvalues, count);
  // Case 2.5, listpack: selection sampling keeps the listpack order.
  if (h->is_listpack()) {
    size_t need = count;
    size_t left = size;
    for (Listpack::Pos p = lp.First(); need > 0; p = lp.Next(lp.Next(p)), --left) {
      if (RandomBits() % left < need) {
        ReplyPick(ctx, withvalues, lp.Get(p, fs), lp.Get(lp.Next(p), vs));
        --need;
      }
    }
    return;
  }
  // Cases 3 and 4, hashtable: a partial shuffle of all fields when many are
  // wanted, random picks without repeats when few are.
  std::vector<HashField*> picked;
  if (count * 3 > size) {
    picked.reserve(size);
    h->table()->ForEach([&](HashField* f) { picked.push_back(f); });
    for (size_t i = 0; i < count; ++i) {
      std::swap(picked[i], picked[i + RandomBits() % (size - i)]);
    }
    picked.resize(count);
  } else {
    std::unordered_set<HashField*> seen;
    while (picked.size() < count) {
      HashField* f = h->table()->Random(RandomBits());
      if (seen.insert(f).second) picked.push_back(f);
    }
  }
  for (HashField* f : picked) ReplyPick(ctx, withvalues, f->field(), f->value());
}

void CmdHrandfield(CommandContext& ctx) {
  const auto& args = ctx.args;
  if (args.size() >= 3) {
    long long l;
    if (!ArgInt64(ctx, 2, &l)) return;
    if (l == LLONG_MIN) return ctx.reply.Error(err::kCountRangeLong);
    bool withvalues = false;
    if (args.size() > 4 || (args.size() == 4 && !ArgIs(ctx, 3, "withvalues"))) {
      return ctx.reply.Error(err::kSyntax);
    }
    if (args.size() == 4) {
      withvalues = true;
      // The reply would hold 2*count elements.
      if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) return ctx.reply.Error(err::kHashRandCountRange);
    }
    return RandomWithCount(ctx, l, withvalues);
  }
  Entry* e;
  if (!LookupHashRead(ctx, args[1], &e)) return;
  if (!e) return ctx.reply.Null();
  char fs[HashValue::kScratch], vs[HashValue::kScratch];
  std::string_view f, v;
  HashOf(e)->RandomField(RandomBits(), &f, &v, fs, vs);
  ctx.reply.Bulk(f);
}

}  // namespace

void BindHashRandomCommands(CommandTable& t) {
  t.Bind("hrandfield", CmdHrandfield);
}

}  // namespace vireo::hash_cmd
