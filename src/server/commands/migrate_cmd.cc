// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key ...]
// Redis 7.0's semantics: the keys travel as RESTORE commands carrying DUMP
// payloads over a cached connection (server/migrate_sockets.h); the command
// waits for the target, bounded by timeout, as Redis's does. Without COPY the
// keys the target acknowledged are deleted here and propagated as one DEL.
#include <string>
#include <vector>

#include "base/clock.h"
#include "commands/core/args.h"
#include "persistence/rdb_writer.h"
#include "resp/reply_builder.h"
#include "server/commands/server_context.h"
#include "server/migrate_sockets.h"
#include "server/server.h"

namespace vireo {
namespace {

void AppendBulk(std::string* out, std::string_view s) {
  out->push_back('$');
  out->append(std::to_string(s.size()));
  out->append("\r\n");
  out->append(s);
  out->append("\r\n");
}

void AppendArrayHeader(std::string* out, size_t n) {
  out->push_back('*');
  out->append(std::to_string(n));
  out->append("\r\n");
}

struct MigrateArgs {
  bool copy = false, replace = false;
  bool auth = false;
  std::string_view username, password;  // username empty: AUTH password
  size_t first_key = 3, num_keys = 1;
  long long timeout = 0, dbid = 0;
};

bool ParseMigrate(ServerContext& ctx, MigrateArgs* m) {
  const auto& a = ctx.args;
  for (size_t j = 6; j < a.size(); ++j) {
    const size_t more = a.size() - 1 - j;
    if (EqualsNoCase(a[j], "copy")) {
      m->copy = true;
    } else if (EqualsNoCase(a[j], "replace")) {
      m->replace = true;
    } else if (EqualsNoCase(a[j], "auth")) {
      if (!more) return ctx.reply.Error(err::kSyntax), false;
      m->auth = true;
      m->username = {};
      m->password = a[++j];
    } else if (EqualsNoCase(a[j], "auth2")) {
      if (more < 2) return ctx.reply.Error(err::kSyntax), false;
      m->auth = true;
      m->username = a[++j];
      m->password = a[++j];
    } else if (EqualsNoCase(a[j], "keys")) {
      if (!a[3].empty()) {
        ctx.reply.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
        return false;
      }
      m->first_key = j + 1;
      m->num_keys = a.size() - j - 1;
      break;  // the rest are keys
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  // Redis checks the timeout before the db, and only after the options.
  if (!ArgInt64(ctx, 5, &m->timeout) || !ArgInt64(ctx, 4, &m->dbid)) return false;
  if (m->timeout <= 0) m->timeout = 1000;
  return true;
}

void CmdMigrate(ServerContext& ctx) {
  MigrateArgs m;
  if (!ParseMigrate(ctx, &m)) return;
  const std::string host(ctx.args[1]), port(ctx.args[2]);
  Database& db = ctx.db();
  std::vector<std::string_view> keys;
  for (size_t j = 0; j < m.num_keys; ++j) {
    std::string_view key = ctx.args[m.first_key + j];
    if (db.LookupRead(key, ctx.now_ms)) keys.push_back(key);
  }
  if (keys.empty()) {
    ctx.reply.SimpleString("NOKEY");
    return;
  }
  MigrateSockets& sockets = ctx.server.migrate_sockets();
  bool may_retry = true;
  for (;;) {
    MigrateSockets::Conn* cs = sockets.Get(host, port, m.timeout, NowMs() / 1000);
    if (!cs) {
      ctx.reply.Error("IOERR error or timeout connecting to the client");
      return;
    }
    // One buffer holds AUTH, SELECT and a RESTORE per live key.
    std::string out;
    if (m.auth) {
      AppendArrayHeader(&out, m.username.empty() ? 2 : 3);
      AppendBulk(&out, "AUTH");
      if (!m.username.empty()) AppendBulk(&out, m.username);
      AppendBulk(&out, m.password);
    }
    const bool select = cs->last_dbid != m.dbid;
    if (select) {
      AppendArrayHeader(&out, 2);
      AppendBulk(&out, "SELECT");
      AppendBulk(&out, std::to_string(m.dbid));
    }
    std::vector<std::string_view> sent;
    const int64_t now = NowMs();
    for (std::string_view key : keys) {
      Entry* e = db.Lookup(key, ctx.now_ms, false);
      if (!e) continue;
      long long ttl = 0;
      if (e->has_expire()) {
        ttl = e->expire_ms() - now;
        if (ttl < 0) continue;  // expired while we were at it
        if (ttl < 1) ttl = 1;
      }
      sent.push_back(key);
      AppendArrayHeader(&out, m.replace ? 5 : 4);
      AppendBulk(&out, "RESTORE");
      AppendBulk(&out, key);
      AppendBulk(&out, std::to_string(ttl));
      RdbWriter w;
      w.Object(e);
      w.DumpTrailer();
      AppendBulk(&out, w.buffer());
      if (m.replace) AppendBulk(&out, "REPLACE");
    }

    using IoError = MigrateSockets::IoError;
    IoError io = MigrateSockets::Write(cs, out, m.timeout);
    bool write_error = io != IoError::kNone;
    std::string auth_reply, select_reply, line;
    if (!write_error && m.auth) io = MigrateSockets::ReadLine(cs, &auth_reply, m.timeout);
    if (io == IoError::kNone && select) io = MigrateSockets::ReadLine(cs, &select_reply, m.timeout);
    if (io == IoError::kNone) {
      bool error_from_target = false, socket_error = false;
      std::vector<std::string> del{"DEL"};
      size_t j = 0;
      for (; j < sent.size(); ++j) {
        io = MigrateSockets::ReadLine(cs, &line, m.timeout);
        if (io != IoError::kNone) {
          socket_error = true;
          break;
        }
        const bool auth_failed = m.auth && auth_reply[0] == '-';
        const bool select_failed = select && select_reply[0] == '-';
        if (auth_failed || select_failed || line[0] == '-') {
          if (!error_from_target) {
            cs->last_dbid = -1;
            const std::string& err = auth_failed ? auth_reply : select_failed ? select_reply : line;
            ctx.reply.Error("ERR Target instance replied with error: " + err.substr(1));
            error_from_target = true;
          }
        } else if (!m.copy) {
          db.Delete(sent[j]);
          ctx.Modified(sent[j], kNotifyGeneric, "del");
          del.emplace_back(sent[j]);
        }
      }
      // Nothing was processed yet: a stale cached connection gets one retry.
      if (!error_from_target && socket_error && j == 0 && may_retry && io != IoError::kTimeout) {
        sockets.Close(host, port);
        may_retry = false;
        continue;
      }
      if (socket_error) sockets.Close(host, port);
      if (del.size() > 1) ctx.PropagateAs(std::move(del));
      if (!error_from_target && socket_error) {
        ctx.reply.Error("IOERR error or timeout reading to target instance");
        return;
      }
      if (!error_from_target) {
        cs->last_dbid = m.dbid;
        ctx.reply.Ok();
      }
      return;
    }
    // The write, or reading the AUTH/SELECT replies, failed.
    sockets.Close(host, port);
    if (io != IoError::kTimeout && may_retry) {
      may_retry = false;
      continue;
    }
    ctx.reply.Error(std::string("IOERR error or timeout ") + (write_error ? "writing" : "reading") +
                    " to target instance");
    return;
  }
}

}  // namespace

void BindMigrateCommand(CommandTable& t) { t.Bind("migrate", OnServer<CmdMigrate>); }

}  // namespace vireo
