// OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ and HELP: what Redis reveals of
// a value's internals, answered from the Entry with Redis's numbers.
#include <iterator>
#include <string_view>

#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "engine/database.h"
#include "engine/keyspace.h"
#include "resp/reply_builder.h"

namespace vireo::generic_cmd {
namespace {

// Redis's OBJ_SHARED_REFCOUNT: the refcount reported for shared objects.
constexpr long long kSharedRefcount = 2147483647;
// Redis shares the integer objects 0..9999 (OBJ_SHARED_INTEGERS).
constexpr long long kSharedIntegers = 10000;

// The keyspace's access clock mirrors the maxmemory policy (engine/access_clock.h).
bool LfuPolicy(const CommandContext& ctx) { return ctx.keyspace.access_clock().lfu; }
// Redis gives up sharing small integers under an LRU or LFU policy with a
// memory limit (each value then needs its own access clock).
bool SharedIntegersAllowed(const CommandContext& ctx) { return !ctx.keyspace.access_clock().private_ints; }

// The value for the key in args[2], looked up as Redis's OBJECT does (a read
// that counts hit/miss but does not touch the access clock); replies null
// and returns nullptr if it is missing.
Entry* LookupOrNull(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[2], /*touch=*/false);
  if (!e) ctx.reply.Null();
  return e;
}

void CmdObjectEncoding(CommandContext& ctx) {
  if (Entry* e = LookupOrNull(ctx)) ctx.reply.Bulk(EncodingName(e->encoding()));
}

// Entries own their values, so there is no real refcount; we answer what
// Redis would. Redis stores small integers as shared objects unless an LRU
// or LFU maxmemory policy is active (those need a private access clock per
// value), and reports those with its shared refcount; every other value has
// a refcount of 1 once the command that set it has finished. Redis's COPY
// of a small integer makes a private object (refcount 1): the entry keeps a
// flag for that.
void CmdObjectRefcount(CommandContext& ctx) {
  Entry* e = LookupOrNull(ctx);
  if (!e) return;
  const bool shared = e->type() == ObjType::kString && e->encoding() == Encoding::kInt &&
                      e->IntValue() >= 0 && e->IntValue() < kSharedIntegers && !e->private_int() &&
                      SharedIntegersAllowed(ctx);
  ctx.reply.Integer(shared ? kSharedRefcount : 1);
}

void CmdObjectIdletime(CommandContext& ctx) {
  Entry* e = LookupOrNull(ctx);
  if (!e) return;
  // Under LFU the access clock field holds frequency data, not a time.
  if (LfuPolicy(ctx)) return ctx.reply.Error(err::kLfuSelected);
  ctx.reply.Integer(static_cast<long long>(ctx.keyspace.IdleSeconds(e)));
}

void CmdObjectFreq(CommandContext& ctx) {
  Entry* e = LookupOrNull(ctx);
  if (!e) return;
  if (!LfuPolicy(ctx)) return ctx.reply.Error(err::kLfuNotSelected);
  // Redis's LFU layout (16 bits of minutes, then the 8-bit logarithmic
  // counter), decayed to now as Redis's OBJECT FREQ reports it.
  ctx.reply.Integer(static_cast<long long>(ctx.keyspace.access_clock().LfuDecayed(e)));
}

void CmdObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.SimpleString(line);
}

}  // namespace

void BindObjectCommands(CommandTable& t) {
  t.Bind("object|encoding", CmdObjectEncoding);
  t.Bind("object|refcount", CmdObjectRefcount);
  t.Bind("object|idletime", CmdObjectIdletime);
  t.Bind("object|freq", CmdObjectFreq);
  t.Bind("object|help", CmdObjectHelp);
}

}  // namespace vireo::generic_cmd
