// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest
// common subsequence of two string values, by the classic dynamic-programming
// table. The table is walked back from the end, so IDX lists the matching
// ranges from the last to the first, and ties are broken the way Redis breaks
// them, which makes the chosen subsequence and ranges identical to Redis's.
#include <cstdint>
#include <memory>
#include <new>
#include <string>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/string/string_family.h"
#include "resp/reply_builder.h"

namespace vireo::string_cmd {
namespace {

struct LcsOptions {
  bool idx = false, len = false, with_match_len = false;
  long long min_match_len = 0;
};

bool ParseLcsOptions(CommandContext& ctx, LcsOptions* o) {
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    bool has_next = i + 1 < ctx.args.size();
    if (ArgIs(ctx, i, "idx")) {
      o->idx = true;
    } else if (ArgIs(ctx, i, "len")) {
      o->len = true;
    } else if (ArgIs(ctx, i, "withmatchlen")) {
      o->with_match_len = true;
    } else if (ArgIs(ctx, i, "minmatchlen") && has_next) {
      if (!ArgInt64(ctx, i + 1, &o->min_match_len)) return false;
      if (o->min_match_len < 0) o->min_match_len = 0;
      ++i;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (o->idx && o->len) {
    ctx.reply.Error(err::kLcsIdxAndLen);
    return false;
  }
  return true;
}

// The (alen+1) x (blen+1) table of LCS lengths of every pair of prefixes.
class LcsTable {
 public:
  LcsTable(std::string_view a, std::string_view b) : a_(a), b_(b), stride_(b.size() + 1) {}

  // Allocates the table; false if memory is short.
  bool Allocate() {
    cells_.reset(new (std::nothrow) uint32_t[(a_.size() + 1) * stride_]);
    return cells_ != nullptr;
  }
  void Fill() {
    for (size_t i = 0; i <= a_.size(); ++i) {
      for (size_t j = 0; j <= b_.size(); ++j) {
        uint32_t v;
        if (i == 0 || j == 0) {
          v = 0;
        } else if (a_[i - 1] == b_[j - 1]) {
          v = at(i - 1, j - 1) + 1;
        } else {
          uint32_t up = at(i - 1, j), left = at(i, j - 1);
          v = up > left ? up : left;
        }
        cells_[i * stride_ + j] = v;
      }
    }
  }
  uint32_t at(size_t i, size_t j) const { return cells_[i * stride_ + j]; }

 private:
  std::string_view a_, b_;
  size_t stride_;
  std::unique_ptr<uint32_t[]> cells_;
};

void CmdLcs(CommandContext& ctx) {
  Entry* ea = LookupRead(ctx, ctx.args[1]);
  Entry* eb = LookupRead(ctx, ctx.args[2]);
  if ((ea && !IsString(ea)) || (eb && !IsString(eb))) return ctx.reply.Error(err::kLcsNotString);
  // Views stay valid: nothing below modifies the keyspace.
  char scratch_a[32], scratch_b[32];
  std::string_view a = ea ? ea->StringValue(scratch_a) : std::string_view();
  std::string_view b = eb ? eb->StringValue(scratch_b) : std::string_view();

  LcsOptions o;
  if (!ParseLcsOptions(ctx, &o)) return;
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return ctx.reply.Error(err::kLcsTooLong);
  // The table is transient memory: refuse it above proto-max-bulk-len, as Redis does.
  uint64_t table_bytes = uint64_t(a.size() + 1) * (b.size() + 1) * sizeof(uint32_t);
  if (table_bytes > uint64_t(ctx.limits.proto_max_bulk_len)) return ctx.reply.Error(err::kLcsOverLimit);
  LcsTable table(a, b);
  if (!table.Allocate()) return ctx.reply.Error(err::kLcsNoMemory);
  table.Fill();
  uint32_t total = table.at(a.size(), b.size());

  if (o.len) return ctx.reply.Integer(total);

  std::string common(total, '\0');
  size_t next = total;  // common is filled from its end
  size_t mark = 0, matches = 0;
  if (o.idx) {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("matches");
    mark = ctx.reply.BeginDeferred();
  }
  // The current run of matching bytes, growing backwards: a[a_start..a_end], b[b_start..b_end].
  bool in_run = false;
  size_t a_start = 0, a_end = 0, b_start = 0, b_end = 0;
  auto close_run = [&] {
    in_run = false;
    size_t run_len = a_end - a_start + 1;
    if (!o.idx || (o.min_match_len != 0 && run_len < uint64_t(o.min_match_len))) return;
    ctx.reply.ArrayHeader(o.with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<long long>(a_start));
    ctx.reply.Integer(static_cast<long long>(a_end));
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<long long>(b_start));
    ctx.reply.Integer(static_cast<long long>(b_end));
    if (o.with_match_len) ctx.reply.Integer(static_cast<long long>(run_len));
    ++matches;
  };
  size_t i = a.size(), j = b.size();
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      common[--next] = a[i - 1];
      // A match always continues the current run: any other step closes it first.
      if (!in_run) {
        in_run = true;
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else {
        --a_start;
        --b_start;
      }
      --i;
      --j;
      if (a_start == 0 || b_start == 0) close_run();
    } else {
      // Follow the larger neighbour; on a tie, step in b (Redis's choice).
      if (table.at(i - 1, j) > table.at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (in_run) close_run();
    }
  }

  if (!o.idx) return ctx.reply.Bulk(common);
  ctx.reply.EndDeferredArray(mark, matches);
  ctx.reply.Bulk("len");
  ctx.reply.Integer(total);
}

}  // namespace

void BindLcsCommand(CommandTable& t) { t.Bind("lcs", CmdLcs); }

}  // namespace vireo::string_cmd
