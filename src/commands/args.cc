#include "commands/args.h"

#include "base/numbers.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/server.h"

namespace vireo {

Database& CommandContext::db() { return server.keyspace().db(client.db_index); }

bool ArgInt64(CommandContext& ctx, size_t i, long long* out, const char* error) {
  if (ParseInt64(ctx.args[i], out)) return true;
  ctx.reply.Error(error);
  return false;
}

bool ArgDouble(CommandContext& ctx, size_t i, double* out, const char* error) {
  if (ParseDouble(ctx.args[i], out)) return true;
  ctx.reply.Error(error);
  return false;
}

}  // namespace vireo
