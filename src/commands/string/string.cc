// String commands that read or replace whole values: GET, GETDEL, GETEX,
// GETSET, SET (and its options), SETNX, SETEX, PSETEX, MGET, MSET, MSETNX;
// plus the helpers shared by the string family (string_family.h).
// Counters live in string_counter.cc, partial updates in string_range.cc,
// LCS in string_lcs.cc.
#include <cstdint>
#include <string>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/string/string_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace string_cmd {

Entry* LookupRead(CommandContext& ctx, std::string_view key) { return ctx.db().LookupRead(key, ctx.now_ms); }

Entry* LookupWrite(CommandContext& ctx, std::string_view key) { return ctx.db().LookupWrite(key, ctx.now_ms); }

void ReplyValue(CommandContext& ctx, const Entry* e) {
  char scratch[32];
  ctx.reply.Bulk(e->StringValue(scratch));
}

Entry* ReplaceKeepTtl(CommandContext& ctx, Entry* old, Entry* fresh) {
  if (old->has_expire()) fresh = Entry::WithExpire(fresh, true, old->expire_ms());
  ctx.db().Replace(old, fresh);
  return fresh;
}

void StoreFresh(CommandContext& ctx, Entry* existing, Entry* fresh) {
  if (existing) {
    ctx.db().Replace(existing, fresh);
  } else {
    ctx.db().Add(fresh);
  }
}

bool CheckStringLength(CommandContext& ctx, uint64_t size, uint64_t extra) {
  uint64_t limit = uint64_t(ctx.limits.proto_max_bulk_len);
  // Both terms are below 2^63 (lengths and non-negative offsets), so the sum cannot wrap.
  if (size + extra > limit) {
    ctx.reply.Error(err::kStringTooLong);
    return false;
  }
  return true;
}

void ReplyFormattedError(CommandContext& ctx, const char* format, std::string_view arg) {
  std::string msg(format);
  size_t at = msg.find("%s");
  if (at != std::string::npos) msg.replace(at, 2, arg);
  ctx.reply.Error(msg);
}

bool ParseExpire(CommandContext& ctx, std::string_view arg, ExpireKind kind, const char* command,
                 int64_t* when_ms) {
  long long v;
  if (!ParseInt64(arg, &v)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  bool seconds = kind == ExpireKind::kEx || kind == ExpireKind::kExat;
  bool relative = kind == ExpireKind::kEx || kind == ExpireKind::kPx;
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) {
    ReplyFormattedError(ctx, err::kInvalidExpire, command);
    return false;
  }
  if (seconds) v *= 1000;
  // A relative deadline past the end of time is invalid too (Redis sees it
  // wrap to a negative number and rejects it).
  if (relative && __builtin_add_overflow(v, ctx.now_ms, &v)) {
    ReplyFormattedError(ctx, err::kInvalidExpire, command);
    return false;
  }
  *when_ms = v;
  return true;
}

namespace {

void ReplyWrongType(CommandContext& ctx) { ctx.reply.Error(err::kWrongType); }

// The options of SET and GETEX after the key (and value), parsed with
// Redis's rules: each option may repeat (the last expire value wins) but
// may not meet a conflicting one; an expire option takes the next argument
// whatever it is.
struct SetOptions {
  bool nx = false, xx = false, get = false, keepttl = false, persist = false;
  ExpireKind expire = ExpireKind::kNone;
  std::string_view expire_arg;
};

// Replies a syntax error and returns false on an unknown or conflicting option.
bool ParseSetOptions(CommandContext& ctx, size_t first, bool is_set, SetOptions* o) {
  const auto& args = ctx.args;
  for (size_t i = first; i < args.size(); ++i) {
    std::string_view a = args[i];
    ExpireKind kind = ExpireKind::kNone;
    if (EqualsNoCase(a, "ex")) {
      kind = ExpireKind::kEx;
    } else if (EqualsNoCase(a, "px")) {
      kind = ExpireKind::kPx;
    } else if (EqualsNoCase(a, "exat")) {
      kind = ExpireKind::kExat;
    } else if (EqualsNoCase(a, "pxat")) {
      kind = ExpireKind::kPxat;
    }
    bool ok;
    if (kind != ExpireKind::kNone) {
      // KEEPTTL, PERSIST or another expire kind rule it out; the same kind again is allowed.
      ok = i + 1 < args.size() && !o->keepttl && !o->persist &&
           (o->expire == ExpireKind::kNone || o->expire == kind);
      if (ok) {
        o->expire = kind;
        o->expire_arg = args[++i];
      }
    } else if (is_set && EqualsNoCase(a, "nx")) {
      ok = !o->xx;
      o->nx = true;
    } else if (is_set && EqualsNoCase(a, "xx")) {
      ok = !o->nx;
      o->xx = true;
    } else if (is_set && EqualsNoCase(a, "get")) {
      ok = o->get = true;
    } else if (is_set && EqualsNoCase(a, "keepttl")) {
      ok = o->expire == ExpireKind::kNone;
      o->keepttl = true;
    } else if (!is_set && EqualsNoCase(a, "persist")) {
      ok = o->expire == ExpireKind::kNone;
      o->persist = true;
    } else {
      ok = false;
    }
    if (!ok) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// The shared path of SET, SETNX, SETEX and PSETEX. int_replies: answer 1 / 0
// instead of +OK / null (SETNX).
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value, const SetOptions& o,
                const char* command, bool int_replies = false) {
  int64_t when_ms = -1;
  if (o.expire != ExpireKind::kNone && !ParseExpire(ctx, o.expire_arg, o.expire, command, &when_ms)) return;

  Entry* found;
  if (o.get) {
    // SET ... GET answers like GET, before deciding whether to write.
    found = LookupRead(ctx, key);
    if (found && !IsString(found)) return ReplyWrongType(ctx);
    if (found) {
      ReplyValue(ctx, found);
    } else {
      ctx.reply.Null();
    }
  } else {
    found = LookupWrite(ctx, key);
  }

  if ((o.nx && found) || (o.xx && !found)) {
    if (o.get) return;
    if (int_replies) return ctx.reply.Integer(0);
    return ctx.reply.Null();
  }

  Entry* fresh = Entry::NewString(key, value);
  if (when_ms >= 0) {
    fresh = Entry::WithExpire(fresh, true, when_ms);
  } else if (o.keepttl && found && found->has_expire()) {
    fresh = Entry::WithExpire(fresh, true, found->expire_ms());
  }
  StoreFresh(ctx, found, fresh);
  ctx.Modified(key, kNotifyString, "set");
  if (when_ms >= 0) ctx.Notify(kNotifyGeneric, "expire", key);
  if (ctx.propagating()) {
    // An expiry propagates as an absolute deadline (SET key value PXAT ms);
    // without one, GET is dropped (Redis 7.0's setGenericCommand).
    if (when_ms >= 0) {
      ctx.PropagateAs({"SET", std::string(key), std::string(value), "PXAT", std::to_string(when_ms)});
    } else if (o.get) {
      std::vector<std::string> argv;
      for (size_t i = 0; i < ctx.args.size(); ++i) {
        if (i >= 3 && EqualsNoCase(ctx.args[i], "get")) continue;
        argv.emplace_back(ctx.args[i]);
      }
      ctx.PropagateAs(std::move(argv));
    }
  }

  if (o.get) return;
  if (int_replies) return ctx.reply.Integer(1);
  ctx.reply.Ok();
}

void CmdSet(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 3, true, &o)) return;
  SetGeneric(ctx, ctx.args[1], ctx.args[2], o, "set");
}

void CmdSetNx(CommandContext& ctx) {
  SetOptions o;
  o.nx = true;
  SetGeneric(ctx, ctx.args[1], ctx.args[2], o, "setnx", true);
}

void CmdSetEx(CommandContext& ctx) {
  SetOptions o;
  o.expire = ExpireKind::kEx;
  o.expire_arg = ctx.args[2];
  SetGeneric(ctx, ctx.args[1], ctx.args[3], o, "setex");
}

void CmdPSetEx(CommandContext& ctx) {
  SetOptions o;
  o.expire = ExpireKind::kPx;
  o.expire_arg = ctx.args[2];
  SetGeneric(ctx, ctx.args[1], ctx.args[3], o, "psetex");
}

void CmdGet(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Null();
  if (!IsString(e)) return ReplyWrongType(ctx);
  ReplyValue(ctx, e);
}

void CmdGetDel(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Null();
  if (!IsString(e)) return ReplyWrongType(ctx);
  ReplyValue(ctx, e);
  ctx.db().Delete(ctx.args[1]);
  ctx.Modified(ctx.args[1], kNotifyGeneric, "del");
  if (ctx.propagating()) ctx.PropagateAs({"DEL", std::string(ctx.args[1])});
}

void CmdGetEx(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 2, false, &o)) return;
  // Redis looks the key up before validating the expire value: a missing
  // key answers null even with a bad time.
  Entry* e = LookupRead(ctx, ctx.args[1]);
  if (!e) return ctx.reply.Null();
  if (!IsString(e)) return ReplyWrongType(ctx);
  int64_t when_ms = -1;
  if (o.expire != ExpireKind::kNone && !ParseExpire(ctx, o.expire_arg, o.expire, "getex", &when_ms)) return;
  ReplyValue(ctx, e);
  bool absolute = o.expire == ExpireKind::kExat || o.expire == ExpireKind::kPxat;
  if (absolute && when_ms <= ctx.now_ms) {
    // A deadline already passed deletes the key now (not counted as expired, as in Redis).
    ctx.db().Delete(ctx.args[1]);
    ctx.Modified(ctx.args[1], kNotifyGeneric, "del");
    if (ctx.propagating()) {
      ctx.PropagateAs({ctx.limits.lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(ctx.args[1])});
    }
  } else if (when_ms >= 0) {
    ctx.db().SetExpire(e, when_ms);
    ctx.Modified(ctx.args[1], kNotifyGeneric, "expire");
    if (ctx.propagating()) ctx.PropagateAs({"PEXPIREAT", std::string(ctx.args[1]), std::to_string(when_ms)});
  } else if (o.persist && e->has_expire()) {
    ctx.db().SetExpire(e, -1);
    ctx.Modified(ctx.args[1], kNotifyGeneric, "persist");
    if (ctx.propagating()) ctx.PropagateAs({"PERSIST", std::string(ctx.args[1])});
  }
}

void CmdGetSet(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.args[1]);
  if (e && !IsString(e)) return ReplyWrongType(ctx);
  if (e) {
    ReplyValue(ctx, e);
  } else {
    ctx.reply.Null();
  }
  StoreFresh(ctx, e, Entry::NewString(ctx.args[1], ctx.args[2]));
  ctx.Modified(ctx.args[1], kNotifyString, "set");
  ctx.RewritePropagatedArg(0, "SET");
}

void CmdMGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.args.size() - 1);
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    Entry* e = LookupRead(ctx, ctx.args[i]);
    if (e && IsString(e)) {
      ReplyValue(ctx, e);
    } else {
      ctx.reply.Null();  // missing keys and other types alike
    }
  }
}

// MSET/MSETNX take pairs; the dispatcher's arity check only knows "at least 3".
bool CheckPairs(CommandContext& ctx, const char* command) {
  if (ctx.args.size() % 2 == 1) return true;
  ReplyFormattedError(ctx, err::kWrongArity, command);
  return false;
}

void SetPairs(CommandContext& ctx) {
  for (size_t i = 1; i + 1 < ctx.args.size(); i += 2) {
    Entry* found = LookupWrite(ctx, ctx.args[i]);
    StoreFresh(ctx, found, Entry::NewString(ctx.args[i], ctx.args[i + 1]));
    ctx.Modified(ctx.args[i], kNotifyString, "set");
  }
}

void CmdMSet(CommandContext& ctx) {
  if (!CheckPairs(ctx, "mset")) return;
  SetPairs(ctx);
  ctx.reply.Ok();
}

void CmdMSetNx(CommandContext& ctx) {
  if (!CheckPairs(ctx, "msetnx")) return;
  for (size_t i = 1; i < ctx.args.size(); i += 2) {
    if (LookupWrite(ctx, ctx.args[i])) return ctx.reply.Integer(0);
  }
  SetPairs(ctx);
  ctx.reply.Integer(1);
}

}  // namespace
}  // namespace string_cmd

void BindStringCommands(CommandTable& t) {
  using namespace string_cmd;
  t.Bind("get", CmdGet);
  t.Bind("getdel", CmdGetDel);
  t.Bind("getex", CmdGetEx);
  t.Bind("getset", CmdGetSet);
  t.Bind("set", CmdSet);
  t.Bind("setnx", CmdSetNx);
  t.Bind("setex", CmdSetEx);
  t.Bind("psetex", CmdPSetEx);
  t.Bind("mget", CmdMGet);
  t.Bind("mset", CmdMSet);
  t.Bind("msetnx", CmdMSetNx);
  BindCounterCommands(t);
  BindRangeCommands(t);
  BindLcsCommand(t);
}

}  // namespace vireo
