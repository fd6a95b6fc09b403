// CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO: the commands of
// client-side caching (server/tracking.h holds the machinery). Option
// checks follow Redis 7.0's order and texts.
#include <string>
#include <vector>

#include "commands/core/args.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

// Two prefixes overlap when one starts with the other (a key could match both).
bool Overlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

bool CheckPrefixes(ServerContext& ctx, const std::vector<std::string>& prefixes) {
  const ClientTracking& t = ctx.client.tracking;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (const std::string& existing : t.prefixes) {
      if (Overlap(prefixes[i], existing)) {
        ctx.reply.Error("ERR Prefix '" + prefixes[i] + "' overlaps with an existing prefix '" + existing +
                        "'. Prefixes for a single client must not overlap.");
        return false;
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (Overlap(prefixes[i], prefixes[j])) {
        ctx.reply.Error("ERR Prefix '" + prefixes[i] + "' overlaps with another provided prefix '" + prefixes[j] +
                        "'. Prefixes for a single client must not overlap.");
        return false;
      }
    }
  }
  return true;
}

void CmdClientTracking(ServerContext& ctx) {
  const auto& a = ctx.args;
  bool bcast = false, optin = false, optout = false, noloop = false;
  uint64_t redirect = 0;
  std::vector<std::string> prefixes;
  for (size_t i = 3; i < a.size(); ++i) {
    const bool more = i + 1 < a.size();
    if (ArgIs(ctx, i, "redirect") && more) {
      ++i;
      if (redirect) return ctx.reply.Error("ERR A client can only redirect to a single other client");
      long long id;
      if (!ArgInt64(ctx, i, &id)) return;
      // The target must exist now, though it may go away later (Redis's sanity check).
      if (id <= 0 || !ctx.server.FindClient(uint64_t(id))) {
        return ctx.reply.Error("ERR The client ID you want redirect to does not exist");
      }
      redirect = uint64_t(id);
    } else if (ArgIs(ctx, i, "bcast")) {
      bcast = true;
    } else if (ArgIs(ctx, i, "optin")) {
      optin = true;
    } else if (ArgIs(ctx, i, "optout")) {
      optout = true;
    } else if (ArgIs(ctx, i, "noloop")) {
      noloop = true;
    } else if (ArgIs(ctx, i, "prefix") && more) {
      prefixes.emplace_back(a[++i]);
    } else {
      return ctx.reply.Error("ERR syntax error");
    }
  }
  Tracking& tracking = ctx.server.tracking();
  const ClientTracking& t = ctx.client.tracking;
  if (ArgIs(ctx, 2, "on")) {
    if (!bcast && !prefixes.empty()) return ctx.reply.Error("ERR PREFIX option requires BCAST mode to be enabled");
    if (t.on && t.bcast != bcast) {
      return ctx.reply.Error(
          "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it "
          "with a different mode.");
    }
    if (bcast && (optin || optout)) return ctx.reply.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    if (optin && optout) return ctx.reply.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if ((optin && t.optout) || (optout && t.optin)) {
      return ctx.reply.Error(
          "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling "
          "it with a different mode.");
    }
    if (bcast && !CheckPrefixes(ctx, prefixes)) return;
    tracking.Enable(&ctx.client, bcast, optin, optout, noloop, redirect, prefixes);
  } else if (ArgIs(ctx, 2, "off")) {
    tracking.Disable(&ctx.client);
  } else {
    return ctx.reply.Error("ERR syntax error");
  }
  ctx.reply.Ok();
}

void CmdClientCaching(ServerContext& ctx) {
  ClientTracking& t = ctx.client.tracking;
  if (!t.on || !(t.optin || t.optout)) {
    return ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode "
        "enabled");
  }
  if (ArgIs(ctx, 2, "yes")) {
    if (!t.optin) return ctx.reply.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (ArgIs(ctx, 2, "no")) {
    if (!t.optout) {
      return ctx.reply.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return ctx.reply.Error("ERR syntax error");
  }
  t.caching_given = true;  // for the next command only
  ctx.reply.Ok();
}

void CmdClientGetredir(ServerContext& ctx) {
  const ClientTracking& t = ctx.client.tracking;
  ctx.reply.Integer(t.on ? (long long)t.redirect : -1);
}

void CmdClientTrackinginfo(ServerContext& ctx) {
  const ClientTracking& t = ctx.client.tracking;
  ReplyBuilder& r = ctx.reply;
  r.MapHeader(3);
  r.Bulk("flags");
  std::vector<const char*> flags;
  if (!t.on) {
    flags.push_back("off");
  } else {
    flags.push_back("on");
    if (t.bcast) flags.push_back("bcast");
    if (t.optin) flags.push_back("optin");
    if (t.optout) flags.push_back("optout");
    if (t.caching_given) flags.push_back(t.optin ? "caching-yes" : "caching-no");
    if (t.noloop) flags.push_back("noloop");
    if (t.broken_redirect) flags.push_back("broken_redirect");
  }
  r.SetHeader(flags.size());
  for (const char* f : flags) r.Bulk(f);
  r.Bulk("redirect");
  r.Integer(t.on ? (long long)t.redirect : -1);
  r.Bulk("prefixes");
  r.ArrayHeader(t.prefixes.size());
  for (const std::string& p : t.prefixes) r.Bulk(p);
}

}  // namespace

void BindTrackingCommands(CommandTable& t) {
  t.Bind("client|tracking", OnServer<CmdClientTracking>);
  t.Bind("client|caching", OnServer<CmdClientCaching>);
  t.Bind("client|getredir", OnServer<CmdClientGetredir>);
  t.Bind("client|trackinginfo", OnServer<CmdClientTrackinginfo>);
}

}  // namespace vireo
