// Connection commands: PING ECHO SELECT QUIT RESET HELLO and CLIENT.
#include <algorithm>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

void CmdPing(ServerContext& ctx) {
  if (ctx.args.size() > 2) {
    ctx.reply.Error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (ctx.client.subscribed() && ctx.reply.proto() == 2) {
    // A RESP2 subscriber gets PING's answer in the message shape.
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.args.size() == 2 ? ctx.args[1] : "");
    return;
  }
  if (ctx.args.size() == 2) {
    ctx.reply.Bulk(ctx.args[1]);
  } else {
    ctx.reply.SimpleString("PONG");
  }
}

void CmdEcho(ServerContext& ctx) { ctx.reply.Bulk(ctx.args[1]); }

void CmdSelect(ServerContext& ctx) {
  long long id;
  if (!ArgInt64(ctx, 1, &id)) return;
  if (id < INT32_MIN || id > INT32_MAX) {
    ctx.reply.Error(err::kIntRange);
    return;
  }
  if (id < 0 || id >= ctx.server.keyspace().count()) {
    ctx.reply.Error(err::kDbIndex);
    return;
  }
  ctx.client.db_index = int(id);
  ctx.reply.Ok();
}

void CmdQuit(ServerContext& ctx) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

void CmdReset(ServerContext& ctx) {
  Client& c = ctx.client;
  c.db_index = 0;
  c.name.clear();
  c.reply_mode = Client::ReplyMode::kOn;
  c.no_evict = false;
  c.monitor = false;
  c.reply.set_proto(2);
  // Back to the default user, authenticated only if it needs no password.
  const AclUser* def = ctx.server.acl().default_user();
  c.user = ctx.server.acl().default_user();
  c.authenticated = (def->flags & kUserNoPass) && !(def->flags & kUserOff);
  ctx.server.DiscardTransaction(&c);  // MULTI state and WATCHes
  ctx.server.tracking().Disable(&c);
  ctx.server.pubsub().RemoveClient(&c);  // every subscription, without confirmations (as Redis)
  ctx.reply.SimpleString("RESET");
}

// Redis accepts names of printable ASCII without spaces.
bool ValidClientName(std::string_view name) {
  for (unsigned char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

void CmdHello(ServerContext& ctx) {
  const auto& a = ctx.args;
  long long ver = 0;
  if (a.size() >= 2) {
    if (!ParseInt64(a[1], &ver)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (ver < 2 || ver > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view new_name, username, password;
  bool set_name = false, auth = false;
  for (size_t i = 2; i < a.size(); ++i) {
    size_t more = a.size() - i - 1;
    if (EqualsNoCase(a[i], "auth") && more >= 2) {
      username = a[i + 1];
      password = a[i + 2];
      auth = true;
      i += 2;
    } else if (EqualsNoCase(a[i], "setname") && more >= 1) {
      new_name = a[i + 1];
      set_name = true;
      if (!ValidClientName(new_name)) {
        ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
      ++i;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(a[i]) + "'");
      return;
    }
  }
  if (auth && !ctx.server.Authenticate(&ctx.client, username, password, a[0])) {
    ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
    return;
  }
  if (!ctx.client.authenticated) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
        "<pass> option can be used to authenticate the client and select the RESP protocol version at the "
        "same time");
    return;
  }
  if (set_name) ctx.client.name = std::string(new_name);
  if (ver) ctx.reply.set_proto(int(ver));
  ReplyBuilder& r = ctx.reply;
  r.MapHeader(7);
  r.Bulk("server");
  r.Bulk("redis");
  r.Bulk("version");
  r.Bulk(kRedisCompatVersion);
  r.Bulk("proto");
  r.Integer(r.proto());
  r.Bulk("id");
  r.Integer((long long)ctx.client.id());
  r.Bulk("mode");
  r.Bulk("standalone");
  r.Bulk("role");
  r.Bulk(ctx.server.repl().is_replica() ? "replica" : "master");
  r.Bulk("modules");
  r.ArrayHeader(0);
}

// ---- CLIENT ----

// Redis's client types for LIST/KILL TYPE.
enum { kTypeNormal, kTypeReplica, kTypePubsub, kTypeMaster };
int ClientType(const Client& c) {
  if (c.is_master) return kTypeMaster;
  if (c.replica && !c.monitor) return kTypeReplica;
  return c.subscribed() ? kTypePubsub : kTypeNormal;
}

std::string ClientFlags(const Client& c) {
  // Redis's order of the letters.
  std::string f;
  if (c.replica) f += c.monitor ? 'O' : 'S';
  else if (c.monitor) f += 'O';
  if (c.is_master) f += 'M';
  if (c.subscribed()) f += 'P';
  if (c.multi.active) f += 'x';
  if (c.paused || c.blocked) f += 'b';
  if (c.tracking.on) f += 't';
  if (c.tracking.broken_redirect) f += 'R';
  if (c.tracking.bcast) f += 'B';
  if (c.multi.dirty_cas) f += 'd';
  if (c.close_after_reply) f += 'c';
  if (c.no_evict) f += 'e';
  return f.empty() ? "N" : f;
}

}  // namespace

std::string ClientInfoLine(Server& s, const Client& c, int64_t now_ms) {
  std::string line;
  line.reserve(320);
  auto add = [&line](const char* k, const std::string& v) {
    if (!line.empty()) line += ' ';
    line += k;
    line += '=';
    line += v;
  };
  auto num = [](long long v) { return std::to_string(v); };
  add("id", num((long long)c.id()));
  add("addr", c.addr());
  add("laddr", c.laddr());
  add("fd", num(c.fd()));
  add("name", c.name);
  add("age", num((now_ms - c.created_ms) / 1000));
  add("idle", num((now_ms - c.last_interaction_ms) / 1000));
  add("flags", ClientFlags(c));
  add("db", num(c.db_index));
  add("sub", num(c.subs ? (long long)c.subs->channels.size() : 0));
  add("psub", num(c.subs ? (long long)c.subs->patterns.size() : 0));
  add("ssub", num(c.subs ? (long long)c.subs->shard_channels.size() : 0));
  add("multi", c.multi.active ? num((long long)c.multi.queue.size()) : "-1");
  add("qbuf", num((long long)c.query.size()));
  add("qbuf-free", num((long long)(c.query.capacity() - c.query.size())));
  add("argv-mem", "0");
  // Queued argument bytes plus each queued command's own record, as Redis counts it.
  add("multi-mem", num(c.multi.active ? (long long)(c.multi.arg_bytes + c.multi.queue.size() * sizeof(QueuedCommand))
                                      : 0));
  add("rbs", num((long long)c.reply.buffer().capacity()));
  add("rbp", num((long long)c.reply.buffer().capacity()));
  add("obl", num((long long)c.pending_output()));
  add("oll", "0");
  // Output waiting beyond what one write normally takes (Redis: the reply list past its 16 KiB buffer).
  add("omem", num(c.pending_output() > 16384 ? (long long)c.pending_output() : 0));
  add("tot-mem", num((long long)c.MemoryUsage()));
  add("events", c.pending_output() ? "rw" : "r");
  add("cmd", c.last_command);
  add("user", c.user ? c.user->name : "default");
  add("redir", num(c.tracking.on ? (long long)c.tracking.redirect : -1));
  add("resp", num(c.reply.proto()));
  (void)s;
  return line;
}

namespace {

void CmdClientId(ServerContext& ctx) { ctx.reply.Integer((long long)ctx.client.id()); }

void CmdClientGetname(ServerContext& ctx) {
  if (ctx.client.name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(ctx.client.name);
  }
}

void CmdClientSetname(ServerContext& ctx) {
  if (!ValidClientName(ctx.args[2])) {
    ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  ctx.client.name = std::string(ctx.args[2]);
  ctx.reply.Ok();
}

void CmdClientList(ServerContext& ctx) {
  const auto& a = ctx.args;
  std::vector<uint64_t> ids;
  bool filter_ids = false;
  int want_type = -1;  // ClientType, or -1 for every client
  if (a.size() >= 4 && EqualsNoCase(a[2], "type")) {
    std::string_view t = a[3];
    if (!(EqualsNoCase(t, "normal") || EqualsNoCase(t, "master") || EqualsNoCase(t, "replica") ||
          EqualsNoCase(t, "slave") || EqualsNoCase(t, "pubsub"))) {
      ctx.reply.Error("ERR Unknown client type '" + std::string(t) + "'");
      return;
    }
    if (a.size() != 4) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    want_type = EqualsNoCase(t, "normal")   ? kTypeNormal
                : EqualsNoCase(t, "pubsub") ? kTypePubsub
                : EqualsNoCase(t, "master") ? kTypeMaster
                                            : kTypeReplica;
  } else if (a.size() >= 4 && EqualsNoCase(a[2], "id")) {
    filter_ids = true;
    for (size_t i = 3; i < a.size(); ++i) {
      long long id;
      if (!ParseInt64(a[i], &id) || id <= 0) {
        ctx.reply.Error("ERR Invalid client ID");
        return;
      }
      ids.push_back(uint64_t(id));
    }
  } else if (a.size() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::string out;
  std::vector<Client*> list;
  for (auto& [id, owned] : ctx.server.clients()) {
    Client* c = owned.get();
    if (c->closing) continue;
    if (filter_ids && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (want_type >= 0 && ClientType(*c) != want_type) continue;
    list.push_back(c);
  }
  std::sort(list.begin(), list.end(), [](Client* x, Client* y) { return x->id() < y->id(); });
  for (Client* c : list) {
    out += ClientInfoLine(ctx.server, *c, ctx.now_ms);
    out += '\n';
  }
  ctx.reply.Verbatim(out);
}

void CmdClientInfo(ServerContext& ctx) {
  ctx.reply.Verbatim(ClientInfoLine(ctx.server, ctx.client, ctx.now_ms) + "\n");
}

void CmdClientKill(ServerContext& ctx) {
  const auto& a = ctx.args;
  Server& s = ctx.server;
  if (a.size() == 3) {  // old form: CLIENT KILL addr:port
    for (auto& [id, owned] : s.clients()) {
      Client* c = owned.get();
      if (!c->closing && c->addr() == a[2]) {
        if (c == &ctx.client) {
          c->close_after_reply = true;
        } else {
          s.CloseClient(c);
        }
        ctx.reply.Ok();
        return;
      }
    }
    ctx.reply.Error("ERR No such client");
    return;
  }
  if ((a.size() - 2) % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  long long want_id = 0;
  std::string_view addr, laddr, user;
  bool has_addr = false, has_laddr = false, has_user = false, skipme = true, has_type = false;
  int want_type = kTypeNormal;
  for (size_t i = 2; i < a.size(); i += 2) {
    std::string_view opt = a[i], val = a[i + 1];
    if (EqualsNoCase(opt, "id")) {
      if (!ParseInt64(val, &want_id) || want_id <= 0) {
        ctx.reply.Error("ERR client-id should be greater than 0");
        return;
      }
    } else if (EqualsNoCase(opt, "type")) {
      if (EqualsNoCase(val, "normal")) {
        want_type = kTypeNormal;
      } else if (EqualsNoCase(val, "pubsub")) {
        want_type = kTypePubsub;
      } else if (EqualsNoCase(val, "master")) {
        want_type = kTypeMaster;
      } else if (EqualsNoCase(val, "replica") || EqualsNoCase(val, "slave")) {
        want_type = kTypeReplica;
      } else {
        ctx.reply.Error("ERR Unknown client type '" + std::string(val) + "'");
        return;
      }
      has_type = true;
    } else if (EqualsNoCase(opt, "addr")) {
      addr = val;
      has_addr = true;
    } else if (EqualsNoCase(opt, "laddr")) {
      laddr = val;
      has_laddr = true;
    } else if (EqualsNoCase(opt, "user")) {
      user = val;
      has_user = true;
    } else if (EqualsNoCase(opt, "skipme")) {
      if (EqualsNoCase(val, "yes")) {
        skipme = true;
      } else if (EqualsNoCase(val, "no")) {
        skipme = false;
      } else {
        ctx.reply.Error(err::kSyntax);
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  const AclUser* want_user = nullptr;
  if (has_user) {
    want_user = s.acl().Find(user);
    if (!want_user) {
      ctx.reply.Error("ERR No such user '" + std::string(user) + "'");
      return;
    }
  }
  long long killed = 0;
  std::vector<Client*> victims;
  for (auto& [id, owned] : s.clients()) {
    Client* c = owned.get();
    if (c->closing) continue;
    if (want_id && c->id() != uint64_t(want_id)) continue;
    if (has_type && ClientType(*c) != want_type) continue;
    if (has_addr && c->addr() != addr) continue;
    if (has_laddr && c->laddr() != laddr) continue;
    if (want_user && c->user != want_user) continue;
    if (skipme && c == &ctx.client) continue;
    victims.push_back(c);
  }
  for (Client* c : victims) {
    if (c == &ctx.client) {
      c->close_after_reply = true;
    } else {
      s.CloseClient(c);
    }
    ++killed;
  }
  ctx.reply.Integer(killed);
}

void CmdClientPause(ServerContext& ctx) {
  long long ms;
  if (!ParseInt64(ctx.args[2], &ms)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (ms < 0) {
    ctx.reply.Error(err::kTimeoutNegative);
    return;
  }
  bool all = true;
  if (ctx.args.size() == 4) {
    if (EqualsNoCase(ctx.args[3], "write")) {
      all = false;
    } else if (!EqualsNoCase(ctx.args[3], "all")) {
      ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.args.size() > 4) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.args[1]) +
                    "'. Try CLIENT HELP.");
    return;
  }
  // Redis adds without a check, and a sum past the range ends the pause at
  // once; the same here, without the signed overflow.
  long long until;
  if (__builtin_add_overflow(static_cast<long long>(ctx.now_ms), ms, &until)) until = ctx.now_ms;
  ctx.server.Pause(until, all);
  ctx.reply.Ok();
}

void CmdClientUnpause(ServerContext& ctx) {
  ctx.server.Unpause();
  ctx.reply.Ok();
}

void CmdClientReply(ServerContext& ctx) {
  std::string_view m = ctx.args[2];
  if (EqualsNoCase(m, "on")) {
    ctx.client.reply_mode = Client::ReplyMode::kOn;
    ctx.reply.Ok();
  } else if (EqualsNoCase(m, "off")) {
    ctx.client.reply_mode = Client::ReplyMode::kOff;
  } else if (EqualsNoCase(m, "skip")) {
    if (ctx.client.reply_mode == Client::ReplyMode::kOn) ctx.client.reply_mode = Client::ReplyMode::kSkipNext;
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

void CmdClientNoEvict(ServerContext& ctx) {
  std::string_view m = ctx.args[2];
  if (EqualsNoCase(m, "on")) {
    ctx.client.no_evict = true;
  } else if (EqualsNoCase(m, "off")) {
    ctx.client.no_evict = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]
void CmdClientUnblock(ServerContext& ctx) {
  long long id;
  if (!ParseInt64(ctx.args[2], &id)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  bool with_error = false;
  if (ctx.args.size() == 4) {
    if (EqualsNoCase(ctx.args[3], "error")) {
      with_error = true;
    } else if (!EqualsNoCase(ctx.args[3], "timeout")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  } else if (ctx.args.size() > 4) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.args[1]) +
                    "'. Try CLIENT HELP.");
    return;
  }
  Client* target = id > 0 ? ctx.server.FindClient(uint64_t(id)) : nullptr;
  bool done = target && ctx.server.blocking().UnblockWith(ctx.server, target, with_error);
  ctx.reply.Integer(done ? 1 : 0);
}

void CmdClientHelp(ServerContext& ctx) {
  static const char* kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ID",
      "    Return the ID of the current connection.",
      "GETNAME",
      "    Return the name of the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> [<id> ...]]",
      "    Return information about client connections.",
      "KILL <ip:port> | KILL <option> <value> [<option> <value> ...]",
      "    Kill connections by address, ID, TYPE, USER, ADDR, LADDR or SKIPME yes|no.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend clients (all commands, or only writes) for <timeout> milliseconds.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "NO-EVICT (ON|OFF)",
      "    Protect the current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void BindConnectionCommands(CommandTable& t) {
  t.Bind("ping", OnServer<CmdPing>);
  t.Bind("echo", OnServer<CmdEcho>);
  t.Bind("select", OnServer<CmdSelect>);
  t.Bind("quit", OnServer<CmdQuit>);
  t.Bind("reset", OnServer<CmdReset>);
  t.Bind("hello", OnServer<CmdHello>);
  t.Bind("client|id", OnServer<CmdClientId>);
  t.Bind("client|getname", OnServer<CmdClientGetname>);
  t.Bind("client|setname", OnServer<CmdClientSetname>);
  t.Bind("client|list", OnServer<CmdClientList>);
  t.Bind("client|info", OnServer<CmdClientInfo>);
  t.Bind("client|kill", OnServer<CmdClientKill>);
  t.Bind("client|pause", OnServer<CmdClientPause>);
  t.Bind("client|unpause", OnServer<CmdClientUnpause>);
  t.Bind("client|reply", OnServer<CmdClientReply>);
  t.Bind("client|no-evict", OnServer<CmdClientNoEvict>);
  t.Bind("client|unblock", OnServer<CmdClientUnblock>);
  t.Bind("client|help", OnServer<CmdClientHelp>);
}

}  // namespace vireo
