// Helpers shared by the list command files: list.cc (pushes, pops, reads,
// LSET/LINSERT/LREM/LTRIM/LPOS and the bindings), list_move.cc (LMOVE,
// RPOPLPUSH, LMPOP) and list_blocking.cc (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
// BLMPOP). A list key always holds a non-empty Quicklist: the command that
// empties a list deletes its key.
// Thread rule: main thread only (they touch the keyspace and write replies).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/core/command.h"
#include "engine/entry.h"
#include "types/quicklist.h"

namespace vireo {
namespace list_cmd {

enum class End { kLeft, kRight };

inline Quicklist* ListOf(const Entry* e) { return static_cast<Quicklist*>(e->object()); }
inline bool IsList(const Entry* e) { return e->type() == ObjType::kList; }

// LEFT / RIGHT (any case); false for anything else.
bool ParseEnd(std::string_view arg, End* out);

// Creates key as an empty list (with the configured node size) and returns
// it; the caller pushes at least one element before the command ends.
Quicklist* CreateList(CommandContext& ctx, std::string_view key);

// Removes and returns the element at one end (the list must not be empty).
std::string PopOne(Quicklist* q, End end);
void PushOne(Quicklist* q, End end, std::string_view value);

// Records a change of the list at key (event: "lpop", "lrem"...), then
// deletes the key with its "del" event when q became empty.
void ListChanged(CommandContext& ctx, std::string_view key, const Quicklist* q, const char* event);
inline const char* PopEvent(End end) { return end == End::kLeft ? "lpop" : "rpop"; }
inline const char* PushEvent(End end) { return end == End::kLeft ? "lpush" : "rpush"; }

// Pops up to count elements from one end of the list at key and replies
// them as an array (LPOP/RPOP with a count, LMPOP's inner array).
void PopManyReply(CommandContext& ctx, std::string_view key, Quicklist* q, End end, long long count);

// The shared parts of LMOVE/BLMOVE and LMPOP/BLMPOP (list_move.cc).
// MoveGeneric: args[1] is the source, args[2] the destination; pops from the
// source's `from` end and pushes at the destination's `to` end, replying the
// element. When blocking (BLMOVE, BRPOPLPUSH) a missing source blocks the
// client until deadline_ms instead of answering null.
void MoveGeneric(CommandContext& ctx, End from, End to, bool blocking, int64_t deadline_ms);
// LMPOP/BLMPOP: args from `first` are "numkeys key... LEFT|RIGHT [COUNT n]".
// ParseMpop replies the error and returns false when they are wrong.
struct MpopArgs {
  std::vector<std::string_view> keys;
  End end = End::kLeft;
  long long count = 1;
};
bool ParseMpop(CommandContext& ctx, size_t first, MpopArgs* out);
// Pops from the first non-empty list of a.keys; false (nothing replied) if
// none. WRONGTYPE is replied (returning true) for a non-list met before one.
bool ServeMpop(CommandContext& ctx, const MpopArgs& a);

// True while the command runs again for a client blocked on its keys. A key
// that turned into another type is then "not ready" rather than an error,
// as Redis only serves blocked list clients from keys that hold lists.
bool IsRerun(const CommandContext& ctx);

void BindMoveCommands(CommandTable& t);
void BindBlockingCommands(CommandTable& t);

}  // namespace list_cmd
}  // namespace vireo
