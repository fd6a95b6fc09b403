// SORT and SORT_RO over lists, sets and sorted sets: numeric or ALPHA order,
// ASC/DESC, LIMIT, BY with external keys ("w_*", "h_*->field", or a pattern
// without '*' to skip sorting), GET patterns ("#" is the element itself) and
// STORE into a list (SORT only). The rules follow Redis 7.0 closely because
// they show in replies: numeric ties fall back to comparing the elements as
// binary strings; ALPHA without STORE compares as C strings (up to a NUL
// byte, as strcoll does in the C/C.UTF-8 locale); a set sorted only to be
// stored is sorted ALPHA so replicas agree; lists and sorted sets with
// nothing to sort keep their own order, LIMIT and DESC applied to it.
// Reading sorted sets goes through sort_zset.cc (ZSet values are owned by
// the zset family); like Redis, SORT converts a listpack sorted set to a
// skiplist first.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/sort/sort_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"
#include "types/hash_value.h"
#include "types/quicklist.h"
#include "types/set_value.h"

namespace vireo {
namespace sort_cmd {
namespace {

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;
  long long limit_start = 0;
  long long limit_count = -1;
  std::optional<std::string_view> store;
  std::optional<std::string_view> by;
  std::vector<std::string_view> gets;
};

// Redis parses every option before looking at the key; the first bad one
// answers the error.
bool ParseOptions(CommandContext& ctx, bool readonly, SortOptions* o) {
  const auto& args = ctx.args;
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    if (ArgIs(ctx, j, "asc")) {
      o->desc = false;
    } else if (ArgIs(ctx, j, "desc")) {
      o->desc = true;
    } else if (ArgIs(ctx, j, "alpha")) {
      o->alpha = true;
    } else if (ArgIs(ctx, j, "limit") && left >= 2) {
      if (!ArgInt64(ctx, j + 1, &o->limit_start) || !ArgInt64(ctx, j + 2, &o->limit_count)) return false;
      j += 2;
    } else if (!readonly && ArgIs(ctx, j, "store") && left >= 1) {
      o->store = args[++j];
    } else if (ArgIs(ctx, j, "by") && left >= 1) {
      o->by = args[++j];
      // A pattern with no '*' (before any NUL, as strchr sees it) names no
      // key per element: there is nothing to sort by.
      std::string_view c_text = o->by->substr(0, o->by->find('\0'));
      o->dontsort = c_text.find('*') == std::string_view::npos;
    } else if (ArgIs(ctx, j, "get") && left >= 1) {
      o->gets.push_back(args[++j]);
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// One element to sort and what it is compared by.
struct Item {
  explicit Item(std::string v = {}) : value(std::move(v)) {}
  std::string value;
  double score = 0;
  std::optional<std::string> cmp;  // ALPHA with BY: the looked-up value
};

// Binary comparison (memcmp, then length), as Redis compares for STORE.
int CompareBinary(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// C-string comparison: each string ends at its first NUL.
int CompareCollate(std::string_view a, std::string_view b) {
  return CompareBinary(a.substr(0, a.find('\0')), b.substr(0, b.find('\0')));
}

bool ParseScore(const std::string& text, double* out) {
  // strtod over the C string, as Redis does: leading spaces, hex and "inf"
  // are fine, trailing bytes (before a NUL) are not, nor overflow or NaN.
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

void CmdSortGeneric(CommandContext& ctx, bool readonly) {
  SortOptions o;
  if (!ParseOptions(ctx, readonly, &o)) return;
  Database& db = ctx.db();
  Entry* e = generic_cmd::LookupRead(ctx, db, ctx.args[1], true);
  if (e && e->type() != ObjType::kList && e->type() != ObjType::kSet && e->type() != ObjType::kZSet) {
    return ctx.reply.Error(err::kWrongType);
  }
  const ObjType type = e ? e->type() : ObjType::kList;
  if (type == ObjType::kZSet) ZSetPrepareForSort(e);
  if (o.dontsort && type == ObjType::kSet && o.store) {
    // A set's order is arbitrary: sort what gets stored so that it does
    // not depend on the server.
    o.dontsort = false;
    o.alpha = true;
    o.by.reset();
  }

  long long len = 0;
  if (e) {
    switch (type) {
      case ObjType::kList:
        len = (long long)static_cast<Quicklist*>(e->object())->size();
        break;
      case ObjType::kSet:
        len = (long long)SetValue(e->object()).size();
        break;
      default:
        len = (long long)ZSetSize(e);
    }
  }
  // Both LIMIT values are clamped to the length before the end is computed,
  // so start + count cannot overflow (LIMIT 2 9223372036854775807 means "from
  // 2 to the end", as in Redis 7.0.15). A negative count means no limit.
  long long start = std::min(std::max(o.limit_start, 0LL), len);
  const long long count = std::min(std::max(o.limit_count, -1LL), len);
  long long end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  std::vector<Item> items;
  const bool ranged = o.dontsort && (type == ObjType::kList || type == ObjType::kZSet);
  if (e && ranged) {
    // Native order: load just the LIMIT range (reversed for DESC).
    std::vector<std::string> values;
    if (end >= start) {
      const size_t n = size_t(end - start + 1);
      if (type == ObjType::kList) {
        auto* q = static_cast<Quicklist*>(e->object());
        char scratch[Listpack::kScratch];
        Quicklist::Cursor c = q->At(o.desc ? len - start - 1 : start);
        for (size_t i = 0; i < n && c.valid(); ++i) {
          values.emplace_back(q->Get(c, scratch));
          c = o.desc ? q->Prev(c) : q->Next(c);
        }
      } else {
        ZSetRange(e, size_t(start), n, o.desc, &values);
      }
      end -= start;
      start = 0;
    }
    for (auto& v : values) items.emplace_back(std::move(v));
  } else if (e) {
    items.reserve(size_t(len));
    if (type == ObjType::kList) {
      auto* q = static_cast<Quicklist*>(e->object());
      char scratch[Listpack::kScratch];
      for (Quicklist::Cursor c = q->Front(); c.valid(); c = q->Next(c)) {
        items.emplace_back(std::string(q->Get(c, scratch)));
      }
    } else if (type == ObjType::kSet) {
      SetValue(e->object()).ForEach([&](std::string_view m) { items.emplace_back(std::string(m)); });
    } else {
      std::vector<std::string> values;
      ZSetRange(e, 0, size_t(len), false, &values);
      for (auto& v : values) items.emplace_back(std::move(v));
    }
  }

  bool score_error = false;
  if (!o.dontsort) {
    for (Item& it : items) {
      std::optional<std::string> by_value;
      if (o.by) {
        by_value = LookupByPattern(ctx, *o.by, it.value);
        if (!by_value) continue;  // missing: score 0, or sorts first with ALPHA
      }
      const std::string& text = o.by ? *by_value : it.value;
      if (o.alpha) {
        if (o.by) it.cmp = std::move(by_value);
      } else if (!ParseScore(text, &it.score)) {
        score_error = true;
      }
    }
    const bool by = o.by.has_value(), alpha = o.alpha, store = o.store.has_value(), desc = o.desc;
    auto compare = [&](const Item& a, const Item& b) {
      int c;
      if (!alpha) {
        c = a.score > b.score ? 1 : a.score < b.score ? -1 : CompareBinary(a.value, b.value);
      } else if (by) {
        if (!a.cmp || !b.cmp) {
          c = a.cmp.has_value() == b.cmp.has_value() ? 0 : !a.cmp ? -1 : 1;
        } else {
          c = store ? CompareBinary(*a.cmp, *b.cmp) : CompareCollate(*a.cmp, *b.cmp);
        }
      } else {
        c = store ? CompareBinary(a.value, b.value) : CompareCollate(a.value, b.value);
      }
      return (desc ? -c : c) < 0;
    };
    // Stable, like glibc's qsort (a merge sort): ties keep load order.
    std::stable_sort(items.begin(), items.end(), compare);
  }

  const long long returned = end - start + 1;
  const long long outputlen = o.gets.empty() ? returned : (long long)o.gets.size() * returned;
  if (score_error) return ctx.reply.Error(err::kSortScores);

  if (!o.store) {
    ctx.reply.ArrayHeader(size_t(std::max(0LL, outputlen)));
    for (long long j = start; j <= end; ++j) {
      const Item& it = items[size_t(j)];
      if (o.gets.empty()) ctx.reply.Bulk(it.value);
      for (std::string_view pattern : o.gets) {
        std::optional<std::string> v = LookupByPattern(ctx, pattern, it.value);
        if (v) {
          ctx.reply.Bulk(*v);
        } else {
          ctx.reply.Null();
        }
      }
    }
    return;
  }

  auto* list = new Quicklist(ctx.limits.list_max_listpack_size, ctx.limits.list_compress_depth);
  for (long long j = start; j <= end; ++j) {
    const Item& it = items[size_t(j)];
    if (o.gets.empty()) list->PushBack(it.value);
    for (std::string_view pattern : o.gets) {
      std::optional<std::string> v = LookupByPattern(ctx, pattern, it.value);
      list->PushBack(v ? std::string_view(*v) : std::string_view());
    }
  }
  if (outputlen > 0) {
    // Overwrite wakes clients blocked on the destination list.
    db.Overwrite(Entry::NewObject(*o.store, ObjType::kList, Encoding::kQuicklist, list));
    ctx.Modified(*o.store, kNotifyList, "sortstore");
  } else {
    delete list;
    if (db.Delete(*o.store)) ctx.Modified(*o.store, kNotifyGeneric, "del");
  }
  ctx.reply.Integer(outputlen);
}

void CmdSort(CommandContext& ctx) { CmdSortGeneric(ctx, false); }
void CmdSortRo(CommandContext& ctx) { CmdSortGeneric(ctx, true); }

}  // namespace

std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view subst) {
  // Redis reads the pattern as a C string here (strchr/strstr), while the
  // lengths of the parts come from the whole argument.
  const std::string_view c_text = pattern.substr(0, pattern.find('\0'));
  if (c_text == "#") return std::string(subst);
  const size_t star = c_text.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  const size_t arrow = c_text.find("->", star + 1);
  size_t field_len = 0;
  if (arrow != std::string_view::npos && arrow + 2 < c_text.size()) field_len = pattern.size() - arrow - 2;
  const size_t postfix_len = pattern.size() - star - 1 - (field_len ? field_len + 2 : 0);
  std::string key;
  key.reserve(star + subst.size() + postfix_len);
  key.append(pattern.substr(0, star)).append(subst).append(pattern.substr(star + 1, postfix_len));

  Entry* e = generic_cmd::LookupRead(ctx, ctx.db(), key, true);
  if (!e) return std::nullopt;
  if (field_len) {
    if (e->type() != ObjType::kHash) return std::nullopt;
    char scratch[HashValue::kScratch];
    std::string_view value;
    if (!static_cast<HashValue*>(e->object())->Get(pattern.substr(arrow + 2), &value, scratch)) {
      return std::nullopt;
    }
    return std::string(value);
  }
  if (e->type() != ObjType::kString) return std::nullopt;
  char scratch[32];
  return std::string(e->StringValue(scratch));
}

}  // namespace sort_cmd

void BindSortCommands(CommandTable& t) {
  t.Bind("sort", sort_cmd::CmdSort);
  t.Bind("sort_ro", sort_cmd::CmdSortRo);
}

}  // namespace vireo
