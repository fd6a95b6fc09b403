// AUTH and the ACL command (SETUSER GETUSER DELUSER USERS LIST WHOAMI CAT
// GENPASS LOG DRYRUN LOAD SAVE HELP), with Redis 7.0's replies and texts.
#include <openssl/rand.h>

#include <string>
#include <vector>

#include "acl/acl_catalog.h"
#include "base/log.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

// A C string's view of an argument: Redis formats with %s, which stops at a NUL.
std::string CStr(std::string_view s) { return std::string(s.substr(0, s.find('\0'))); }

// Redis turns line breaks in error texts into spaces (the reply must stay one line).
std::string OneLine(std::string s) {
  for (char& ch : s) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  return s;
}

void CmdAuth(ServerContext& ctx) {
  const auto& a = ctx.args;
  if (a.size() > 3) return ctx.reply.Error(err::kSyntax);
  std::string_view user = "default", pass;
  if (a.size() == 2) {
    if (ctx.server.acl().default_user()->flags & kUserNoPass) {
      return ctx.reply.Error(
          "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
          "configuration is correct?");
    }
    pass = a[1];
  } else {
    user = a[1];
    pass = a[2];
  }
  if (ctx.server.Authenticate(&ctx.client, user, pass, a[0])) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
  }
}

void CmdAclSetuser(ServerContext& ctx) {
  Server& s = ctx.server;
  const std::string_view name = ctx.args[2];
  if (AclHasSpaces(name)) return ctx.reply.Error("ERR Usernames can't contain spaces or null characters");
  std::vector<std::string> rules(ctx.args.begin() + 3, ctx.args.end()), merged;
  size_t bad = 0;
  if (!AclMergeSelectorArgs(rules, &merged, &bad)) {
    return ctx.reply.Error(OneLine("ERR Unmatched parenthesis in acl selector starting at '" + CStr(rules[bad]) + "'."));
  }
  // All rules are tried on a copy first: one bad rule changes nothing.
  const bool allch = s.acl_pubsub_allchannels();
  AclUser* existing = s.acl().Find(name);
  AclUser temp(std::string(name), allch);
  if (existing) temp.CopyRulesFrom(*existing);
  for (const std::string& rule : merged) {
    AclRuleError e = temp.Apply(rule, allch);
    if (e != AclRuleError::kNone) {
      return ctx.reply.Error(
          OneLine("ERR Error in ACL SETUSER modifier '" + CStr(rule) + "': " + AclRuleErrorText(e)));
    }
  }
  if (existing) s.DisconnectRevokedSubscribers(existing, temp);
  AclUser* u = existing ? existing : s.acl().Create(name, allch);
  u->CopyRulesFrom(temp);
  ctx.reply.Ok();
}

void ReplySelector(ReplyBuilder& r, const AclSelector& sel) {
  r.Bulk("commands");
  r.Bulk(sel.DescribeCommands());
  r.Bulk("keys");
  r.Bulk(sel.KeysText());
  r.Bulk("channels");
  r.Bulk(sel.ChannelsText());
}

void CmdAclGetuser(ServerContext& ctx) {
  const AclUser* u = ctx.server.acl().Find(ctx.args[2]);
  ReplyBuilder& r = ctx.reply;
  if (!u) return r.Null();
  static const std::pair<uint32_t, const char*> kFlags[] = {{kUserOn, "on"},
                                                            {kUserOff, "off"},
                                                            {kUserNoPass, "nopass"},
                                                            {kUserSkipSanitize, "skip-sanitize-payload"},
                                                            {kUserSanitize, "sanitize-payload"}};
  r.MapHeader(6);
  r.Bulk("flags");
  size_t n = 0;
  for (auto [bit, text] : kFlags) n += (u->flags & bit) ? 1 : 0;
  r.SetHeader(n);
  for (auto [bit, text] : kFlags) {
    if (u->flags & bit) r.Bulk(text);
  }
  r.Bulk("passwords");
  r.ArrayHeader(u->passwords.size());
  for (const std::string& p : u->passwords) r.Bulk(p);
  ReplySelector(r, u->selectors[0]);
  r.Bulk("selectors");
  r.ArrayHeader(u->selectors.size() - 1);
  for (size_t i = 1; i < u->selectors.size(); ++i) {
    r.MapHeader(3);
    ReplySelector(r, u->selectors[i]);
  }
}

void CmdAclDeluser(ServerContext& ctx) {
  Server& s = ctx.server;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (ctx.args[i] == "default") return ctx.reply.Error("ERR The 'default' user cannot be removed");
  }
  long long deleted = 0;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::unique_ptr<AclUser> u = s.acl().Remove(ctx.args[i]);
    if (!u) continue;
    s.DisconnectUserClients(u.get());
    ++deleted;
  }
  ctx.reply.Integer(deleted);
}

void CmdAclUsers(ServerContext& ctx) {
  const auto& all = ctx.server.acl().all();
  ctx.reply.ArrayHeader(all.size());
  for (const auto& [name, u] : all) ctx.reply.Bulk(name);
}

void CmdAclList(ServerContext& ctx) {
  const auto& all = ctx.server.acl().all();
  ctx.reply.ArrayHeader(all.size());
  for (const auto& [name, u] : all) ctx.reply.Bulk("user " + name + " " + u->Describe());
}

void CmdAclWhoami(ServerContext& ctx) { ctx.reply.Bulk(ctx.client.user->name); }

void CmdAclCat(ServerContext& ctx) {
  ReplyBuilder& r = ctx.reply;
  if (ctx.args.size() > 3) {
    return r.Error("ERR unknown subcommand or wrong number of arguments for '" + CStr(ctx.args[1]) + "'. Try ACL HELP.");
  }
  if (ctx.args.size() == 2) {
    r.ArrayHeader(kAclCategoryCount);
    for (const char* name : kAclCategoryNames) r.Bulk(name);
    return;
  }
  const uint64_t flag = AclCatalog::CategoryFlag(ctx.args[2]);
  if (!flag) {
    return r.Error("ERR Unknown category '" + std::string(ctx.args[2].substr(0, 128)) + "'");
  }
  const AclCatalog& cat = AclCatalog::Get();
  std::vector<const std::string*> names;
  for (int id : cat.top_level()) {
    if (cat.at(id).categories & flag) names.push_back(&cat.at(id).full_name);
    for (int sub : cat.at(id).subcommands) {
      if (cat.at(sub).categories & flag) names.push_back(&cat.at(sub).full_name);
    }
  }
  r.ArrayHeader(names.size());
  for (const std::string* n : names) r.Bulk(*n);
}

void CmdAclGenpass(ServerContext& ctx) {
  if (ctx.args.size() > 3) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + CStr(ctx.args[1]) + "'. Try ACL HELP.");
  }
  long long bits = 256;
  if (ctx.args.size() == 3 && !ArgInt64(ctx, 2, &bits)) return;
  if (bits <= 0 || bits > 4096) {
    return ctx.reply.Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to "
        "4096");
  }
  const size_t chars = size_t((bits + 3) / 4);
  std::vector<unsigned char> raw((chars + 1) / 2);
  if (RAND_bytes(raw.data(), int(raw.size())) != 1) {
    return ctx.reply.Error("ERR Failed to generate random bytes");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  out.resize(chars);
  ctx.reply.Bulk(out);
}

void CmdAclLog(ServerContext& ctx) {
  ReplyBuilder& r = ctx.reply;
  if (ctx.args.size() > 3) {
    return r.Error("ERR unknown subcommand or wrong number of arguments for '" + CStr(ctx.args[1]) + "'. Try ACL HELP.");
  }
  AclUsers& acl = ctx.server.acl();
  long long count = 10;
  if (ctx.args.size() == 3) {
    if (EqualsNoCase(ctx.args[2], "reset")) {
      acl.ResetLog();
      return r.Ok();
    }
    if (!ArgInt64(ctx, 2, &count)) return;
    if (count < 0) count = 0;
  }
  const auto& log = acl.log();
  if (size_t(count) > log.size()) count = (long long)log.size();
  static const char* kReasons[] = {"unknown", "command", "key", "auth", "channel"};
  static const char* kContexts[] = {"toplevel", "multi", "lua"};
  r.ArrayHeader(size_t(count));
  const int64_t now = ctx.now_ms;
  for (long long i = 0; i < count; ++i) {
    const AclLogEntry& e = log[size_t(i)];
    r.MapHeader(7);
    r.Bulk("count");
    r.Integer((long long)e.count);
    r.Bulk("reason");
    r.Bulk(kReasons[e.reason]);
    r.Bulk("context");
    r.Bulk(kContexts[e.context]);
    r.Bulk("object");
    r.Bulk(e.object);
    r.Bulk("username");
    r.Bulk(e.username);
    r.Bulk("age-seconds");
    r.Double(double(now - e.ctime_ms) / 1000);
    r.Bulk("client-info");
    r.Bulk(e.client_info);
  }
}

void CmdAclDryrun(ServerContext& ctx) {
  Server& s = ctx.server;
  const AclUser* u = s.acl().Find(ctx.args[2]);
  if (!u) return ctx.reply.Error("ERR User '" + CStr(ctx.args[2]) + "' not found");
  std::vector<std::string_view> args(ctx.args.begin() + 3, ctx.args.end());
  Command* cmd = s.commands().Find(args[0]);
  if (cmd && !cmd->subcommands.empty() && args.size() >= 2) {
    auto it = cmd->sub_by_name.find(args[1]);
    cmd = it == cmd->sub_by_name.end() ? nullptr : it->second;
  }
  if (!cmd) return ctx.reply.Error("ERR Command '" + CStr(args[0]) + "' not found");
  const int arity = cmd->spec->arity;
  if ((arity > 0 && int(args.size()) != arity) || int(args.size()) < -arity) {
    return ctx.reply.Error("ERR wrong number of arguments for '" + cmd->full_name + "' command");
  }
  size_t pos = 0;
  const AclResult r = s.CheckCommandPermission(u, cmd, args, &pos);
  if (r == kAclOk) return ctx.reply.Ok();
  if (r == kAclDeniedCmd) {
    ctx.reply.Bulk("This user has no permissions to run the '" + cmd->full_name + "' command");
  } else if (r == kAclDeniedKey) {
    ctx.reply.Bulk("This user has no permissions to access the '" + std::string(args[pos]) + "' key");
  } else {
    ctx.reply.Bulk("This user has no permissions to access the '" + std::string(args[pos]) + "' channel");
  }
}

constexpr const char* kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
    "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order "
    "to store users in the Redis configuration.";

void CmdAclLoad(ServerContext& ctx) {
  Server& s = ctx.server;
  if (s.cfg().aclfile.empty()) return ctx.reply.Error(kNoAclFile);
  std::vector<std::unique_ptr<AclUser>> dropped;
  std::string errors = s.acl().LoadFile(s.cfg().aclfile, s.acl_pubsub_allchannels(), &dropped);
  if (!errors.empty()) return ctx.reply.Error(OneLine("ERR " + errors));
  // Every replaced user's clients go, as in Redis (even a same-named user
  // in the new file is a new user).
  for (const auto& u : dropped) s.DisconnectUserClients(u.get());
  ctx.reply.Ok();
}

void CmdAclSave(ServerContext& ctx) {
  Server& s = ctx.server;
  if (s.cfg().aclfile.empty()) return ctx.reply.Error(kNoAclFile);
  std::string why;
  if (!s.acl().SaveFile(s.cfg().aclfile, &why)) {
    VLOG_WARNING("%s", why.c_str());
    return ctx.reply.Error(
        "ERR There was an error trying to save the ACLs. Please check the server logs for more information");
  }
  ctx.reply.Ok();
}

void CmdAclHelp(ServerContext& ctx) {
  static const char* kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void BindAclCommands(CommandTable& t) {
  t.Bind("auth", OnServer<CmdAuth>);
  t.Bind("acl|setuser", OnServer<CmdAclSetuser>);
  t.Bind("acl|getuser", OnServer<CmdAclGetuser>);
  t.Bind("acl|deluser", OnServer<CmdAclDeluser>);
  t.Bind("acl|users", OnServer<CmdAclUsers>);
  t.Bind("acl|list", OnServer<CmdAclList>);
  t.Bind("acl|whoami", OnServer<CmdAclWhoami>);
  t.Bind("acl|cat", OnServer<CmdAclCat>);
  t.Bind("acl|genpass", OnServer<CmdAclGenpass>);
  t.Bind("acl|log", OnServer<CmdAclLog>);
  t.Bind("acl|dryrun", OnServer<CmdAclDryrun>);
  t.Bind("acl|load", OnServer<CmdAclLoad>);
  t.Bind("acl|save", OnServer<CmdAclSave>);
  t.Bind("acl|help", OnServer<CmdAclHelp>);
}

}  // namespace vireo
