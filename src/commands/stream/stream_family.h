// Helpers shared by the stream command files: stream.cc (XADD, XTRIM, XDEL,
// XLEN, XRANGE, XREVRANGE, XSETID and the bindings), stream_group.cc
// (XGROUP, XACK, XPENDING), stream_read.cc (XREAD, XREADGROUP),
// stream_claim.cc (XCLAIM, XAUTOCLAIM) and stream_info.cc (XINFO).
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <string_view>
#include <vector>

#include "commands/core/command.h"
#include "engine/entry.h"
#include "types/stream.h"

namespace vireo {
namespace stream_cmd {

inline constexpr const char* kInvalidID = "ERR Invalid stream ID specified as stream command argument";

inline Stream* StreamOf(const Entry* e) { return static_cast<Stream*>(e->object()); }
inline bool IsStream(const Entry* e) { return e->type() == ObjType::kStream; }

StreamLimits LimitsOf(const CommandContext& ctx);

// args[i] as an ID; replies the invalid-ID error and returns false when wrong.
bool ArgID(CommandContext& ctx, size_t i, uint64_t missing_seq, bool strict, StreamID* out);

void ReplyID(CommandContext& ctx, const StreamID& id);
// One entry as [id, [field, value...]].
void ReplyEntry(CommandContext& ctx, const StreamEntry& e);
// The entries of [start, end] (rev: descending) up to count (0 = all), as an
// array; returns how many were written.
size_t ReplyRange(CommandContext& ctx, const Stream& s, const StreamID& start, const StreamID& end, bool rev,
                  size_t count);

// Creates key as an empty stream and returns it.
Stream* CreateStream(CommandContext& ctx, std::string_view key);

// A name as Redis's "%s" error formats print it: up to its first NUL byte.
// now - then in milliseconds, wrapping around as Redis's 64-bit arithmetic
// does in practice: delivery and seen times come from RDB/RESTORE payloads
// and XCLAIM arguments, so any value is possible (and signed overflow is UB).
inline int64_t ElapsedMs(int64_t now, int64_t then) { return int64_t(uint64_t(now) - uint64_t(then)); }

inline std::string ErrText(std::string_view s) { return std::string(s.substr(0, s.find('\0'))); }

// "NOGROUP No such key 'k' or consumer group 'g'" + suffix.
void ReplyNoGroup(CommandContext& ctx, std::string_view key, std::string_view group, std::string_view suffix);
// The named consumer, its seen time refreshed; created (with its
// "xgroup-createconsumer" event) when absent.
StreamConsumer* LookupOrCreateConsumer(CommandContext& ctx, std::string_view key, StreamGroup* g,
                                       std::string_view name);
// Drops a pending entry from the group PEL and its consumer's.
void RemoveNack(StreamGroup* g, std::map<StreamID, StreamNack>::iterator it);

// Propagation of consumer-group state (Redis 7.0's streamPropagateXCLAIM and
// streamPropagateGroupID): a delivery or claim travels as
// XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last,
// a moved last ID as XGROUP SETID key group last ENTRIESREAD n.
void PropagateXClaim(CommandContext& ctx, std::string_view key, std::string_view group, const StreamGroup& g,
                     std::string id_text, const StreamNack& nack);
void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group, const StreamGroup& g);

void BindGroupCommands(CommandTable& t);
void BindReadCommands(CommandTable& t);
void BindClaimCommands(CommandTable& t);
void BindInfoCommands(CommandTable& t);

}  // namespace stream_cmd
}  // namespace vireo
