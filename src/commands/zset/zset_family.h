// Helpers shared by the sorted-set command files: zset.cc (ZADD, ZINCRBY,
// ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZCOUNT, ZLEXCOUNT and the family's
// binding), zset_range.cc (ZRANGE family, ZRANGESTORE, ZREMRANGEBY*),
// zset_pop.cc (ZPOPMIN/MAX, ZMPOP, the blocking pops, ZRANDMEMBER, ZSCAN)
// and zset_algebra.cc (ZUNION/ZINTER/ZDIFF[STORE], ZINTERCARD).
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/core/command.h"
#include "engine/entry.h"
#include "types/zset_value.h"

namespace vireo {
namespace zset_cmd {

inline constexpr const char* kMinMaxNotFloat = "ERR min or max is not a float";
inline constexpr const char* kMinMaxNotLex = "ERR min or max not valid string range item";

ZSetLimits Limits(CommandContext& ctx);
inline ZSetValue* ZSetOf(const Entry* e) { return static_cast<ZSetValue*>(e->object()); }

// Lookups as Redis's read / write commands do them. A key of another type
// gets WRONGTYPE and false; a missing key gives true with *z null.
bool LookupRead(CommandContext& ctx, std::string_view key, Entry** e, ZSetValue** z);
bool LookupWrite(CommandContext& ctx, std::string_view key, Entry** e, ZSetValue** z);

// After a write to an existing key: keeps OBJECT ENCODING in step, records
// the change with its event ("zrem", "zpopmin"...; nullptr when nothing
// changed), deletes the key with a "del" event when it became empty.
void AfterWrite(CommandContext& ctx, std::string_view key, Entry* e, ZSetValue* z, const char* event);

// dst becomes a sorted set holding `sorted` (ascending, distinct), replacing
// whatever it held (its TTL goes too), reported as event ("zunionstore"...);
// an empty result deletes dst ("del" if it existed).
void StoreSorted(CommandContext& ctx, std::string_view dst,
                 const std::vector<std::pair<std::string, double>>& sorted, const char* event);

// Writes (member, score) elements as Redis does: members alone, or with
// scores flat (RESP2) or as [member, score] pairs (RESP3).
class ElementWriter {
 public:
  ElementWriter(CommandContext& ctx, bool with_scores) : ctx_(ctx), with_scores_(with_scores) {}
  void Header(size_t n);  // when the count is known up front
  void Begin();           // ... or deferred
  void Add(std::string_view member, double score);
  void End();

 private:
  CommandContext& ctx_;
  bool with_scores_;
  size_t mark_ = 0, count_ = 0;
};

bool ArgScoreRange(CommandContext& ctx, size_t min, size_t max, ScoreRange* r);
bool ArgLexRange(CommandContext& ctx, size_t min, size_t max, LexRange* r);

// ZADD itself, for GEOADD, which runs it on rewritten arguments as Redis does.
void ZAdd(CommandContext& ctx);

void BindRangeCommands(CommandTable& t);
void BindPopCommands(CommandTable& t);
void BindScanCommands(CommandTable& t);
void BindAlgebraCommands(CommandTable& t);

}  // namespace zset_cmd
}  // namespace vireo
