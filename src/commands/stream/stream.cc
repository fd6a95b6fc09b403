// Stream commands on entries: XADD XTRIM XDEL XLEN XRANGE XREVRANGE XSETID,
// the helpers of stream_family.h, and BindStreamCommands. Replies, error
// texts and the order of checks are Redis 7.0's.
#include <climits>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/stream/stream_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace stream_cmd {

StreamLimits LimitsOf(const CommandContext& ctx) {
  StreamLimits l;
  l.node_max_bytes = size_t(ctx.limits.stream_node_max_bytes);
  l.node_max_entries = size_t(ctx.limits.stream_node_max_entries);
  return l;
}

bool ArgID(CommandContext& ctx, size_t i, uint64_t missing_seq, bool strict, StreamID* out) {
  if (ParseStreamID(ctx.args[i], missing_seq, strict, out)) return true;
  ctx.reply.Error(kInvalidID);
  return false;
}

void ReplyID(CommandContext& ctx, const StreamID& id) { ctx.reply.Bulk(id.ToString()); }

void ReplyEntry(CommandContext& ctx, const StreamEntry& e) {
  ctx.reply.ArrayHeader(2);
  ReplyID(ctx, e.id);
  ctx.reply.ArrayHeader(e.fields.size());
  for (const std::string& f : e.fields) ctx.reply.Bulk(f);
}

size_t ReplyRange(CommandContext& ctx, const Stream& s, const StreamID& start, const StreamID& end, bool rev,
                  size_t count) {
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  s.Range(start, end, rev, count, [&](const StreamEntry& e) {
    ReplyEntry(ctx, e);
    ++n;
    return true;
  });
  ctx.reply.EndDeferredArray(mark, n);
  return n;
}

Stream* CreateStream(CommandContext& ctx, std::string_view key) {
  auto* s = new Stream();
  ctx.db().Add(Entry::NewObject(key, ObjType::kStream, Encoding::kStream, s));
  return s;
}

namespace {

using generic_cmd::LookupRead;
using generic_cmd::LookupWrite;

enum class Trim { kNone, kMaxLen, kMinID };

// XADD's and XTRIM's options (Redis's streamParseAddOrTrimArgsOrReply).
struct AddTrimArgs {
  Trim trim = Trim::kNone;
  bool approx = false;
  size_t approx_pos = 0, threshold_pos = 0;  // the "~" and the MAXLEN/MINID value (propagation rewrites them)
  long long maxlen = 0;
  StreamID minid;
  long long limit = 0;
  bool nomkstream = false;
  bool id_given = false;
  bool seq_auto = false;
  StreamID id;
};

// Returns the index of the ID argument for XADD (or where parsing stopped),
// -1 after replying an error.
long ParseAddTrim(CommandContext& ctx, AddTrimArgs* a, bool xadd) {
  const auto& args = ctx.args;
  size_t i = 2;
  bool limit_given = false;
  for (; i < args.size(); ++i) {
    size_t more = args.size() - 1 - i;
    std::string_view opt = args[i];
    if (xadd && opt == "*") break;
    if ((EqualsNoCase(opt, "maxlen") || EqualsNoCase(opt, "minid")) && more) {
      bool is_maxlen = EqualsNoCase(opt, "maxlen");
      if (a->trim != Trim::kNone) {
        ctx.reply.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      a->approx = false;
      std::string_view next = args[i + 1];
      if (more >= 2 && next == "~") {
        a->approx = true;
        a->approx_pos = i + 1;
        ++i;
      } else if (more >= 2 && next == "=") {
        ++i;
      }
      a->threshold_pos = i + 1;
      if (is_maxlen) {
        if (!ArgInt64(ctx, i + 1, &a->maxlen)) return -1;
        if (a->maxlen < 0) {
          ctx.reply.Error("ERR The MAXLEN argument must be >= 0.");
          return -1;
        }
        a->trim = Trim::kMaxLen;
      } else {
        if (!ArgID(ctx, i + 1, 0, true, &a->minid)) return -1;
        a->trim = Trim::kMinID;
      }
      ++i;
    } else if (EqualsNoCase(opt, "limit") && more) {
      if (!ArgInt64(ctx, i + 1, &a->limit)) return -1;
      if (a->limit < 0) {
        ctx.reply.Error("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      ++i;
    } else if (xadd && EqualsNoCase(opt, "nomkstream")) {
      a->nomkstream = true;
    } else if (xadd) {
      // Anything else is the ID (or a syntax error reported as a bad ID).
      if (!ParseStreamID(opt, 0, true, &a->id, &a->seq_auto)) {
        ctx.reply.Error(kInvalidID);
        return -1;
      }
      a->id_given = true;
      break;
    } else {
      ctx.reply.Error(err::kSyntax);
      return -1;
    }
  }
  if (a->limit && a->trim == Trim::kNone) {
    ctx.reply.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && a->trim == Trim::kNone) {
    ctx.reply.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (limit_given) {
    if (!a->approx) {
      // A propagated approximate trim arrives as "=" with its LIMIT kept.
      if (ctx.session.replaying) {
        a->limit = 0;
        return long(i);
      }
      ctx.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else if (a->approx) {
    // Without LIMIT, approximate trimming does at most 100 blocks' worth.
    a->limit = 100 * ctx.limits.stream_node_max_entries;
    if (a->limit <= 0 || a->limit > 10000) a->limit = 10000;
  } else {
    a->limit = 0;
  }
  return long(i);
}

int64_t DoTrim(Stream* s, const AddTrimArgs& a) {
  if (a.trim == Trim::kMaxLen) return s->TrimMaxLen(uint64_t(a.maxlen), a.approx, a.limit);
  return s->TrimMinID(a.minid, a.approx, a.limit);
}

// An approximate trim depends on block boundaries, so it propagates as the
// exact trim it amounted to: "~" becomes "=" and the threshold the length
// (MAXLEN) or first ID (MINID) left, as Redis's streamRewriteTrimArgument.
void PropagateExactTrim(CommandContext& ctx, const AddTrimArgs& a, const Stream& s) {
  if (!a.approx || !ctx.propagating()) return;
  ctx.RewritePropagatedArg(a.approx_pos, "=");
  if (a.trim == Trim::kMaxLen) {
    ctx.RewritePropagatedArg(a.threshold_pos, std::to_string(s.length()));
  } else {
    StreamID first;
    if (!s.EdgeID(true, &first)) first = StreamID{};
    ctx.RewritePropagatedArg(a.threshold_pos, first.ToString());
  }
}

void CmdXAdd(CommandContext& ctx) {
  AddTrimArgs a;
  long idpos = ParseAddTrim(ctx, &a, true);
  if (idpos < 0) return;
  size_t field_pos = size_t(idpos) + 1;
  if (ctx.args.size() < field_pos + 2 || (ctx.args.size() - field_pos) % 2 == 1) {
    return generic_cmd::ReplyFormattedError(ctx, err::kWrongArity, "xadd");
  }
  if (a.id_given && !a.seq_auto && a.id.IsZero()) {
    return ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
  }
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (e && !IsStream(e)) return ctx.reply.Error(err::kWrongType);
  if (!e && a.nomkstream) return ctx.reply.Null();
  // Checks that need the stream come before it is created, so a failed XADD
  // never leaves an empty key behind.
  const Stream* existing = e ? StreamOf(e) : nullptr;
  StreamID last = existing ? existing->last_id() : StreamID{};
  if (last == StreamID::Max()) {
    return ctx.reply.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamID id;
  if (a.id_given) {
    if (!a.seq_auto) {
      id = a.id;
    } else if (last.ms == a.id.ms) {
      // Redis 7.0 answers this overflow with its "too large" text.
      if (last.seq == UINT64_MAX) {
        return ctx.reply.Error("ERR Elements are too large to be stored");
      }
      id = StreamID{last.ms, last.seq + 1};
    } else {
      id = a.id;
    }
  } else {
    uint64_t ms = uint64_t(ctx.now_ms);
    if (ms > last.ms) {
      id = StreamID{ms, 0};
    } else {
      id = last;
      id.Incr();  // cannot fail: last is not Max
    }
  }
  if (id <= last) {
    return ctx.reply.Error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  size_t total = 0;
  std::vector<std::string_view> fields(ctx.args.begin() + long(field_pos), ctx.args.end());
  for (std::string_view f : fields) total += f.size();
  if (total > (size_t(1) << 30)) return ctx.reply.Error("ERR Elements are too large to be stored");
  Stream* s = e ? StreamOf(e) : CreateStream(ctx, key);
  s->Append(id, fields, LimitsOf(ctx));
  ReplyID(ctx, id);
  ctx.Modified(key, kNotifyStream, "xadd");
  // The ID actually used replaces "*" or "ms-*".
  if (!a.id_given || a.seq_auto) ctx.RewritePropagatedArg(size_t(idpos), id.ToString());
  if (a.trim != Trim::kNone) {
    if (DoTrim(s, a) > 0) ctx.Notify(kNotifyStream, "xtrim", key);
    PropagateExactTrim(ctx, a, *s);
  }
  if (e) SignalKeyReady(ctx, key);  // a new key wakes its readers by itself
}

void CmdXTrim(CommandContext& ctx) {
  AddTrimArgs a;
  if (ParseAddTrim(ctx, &a, false) < 0) return;
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (!e) return ctx.reply.Integer(0);
  if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
  int64_t deleted = DoTrim(StreamOf(e), a);
  if (deleted) {
    ctx.Modified(key, kNotifyStream, "xtrim");
    ctx.dirty += uint64_t(deleted) - 1;
    PropagateExactTrim(ctx, a, *StreamOf(e));
  }
  ctx.reply.Integer(deleted);
}

void CmdXDel(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (!e) return ctx.reply.Integer(0);
  if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
  std::vector<StreamID> ids(ctx.args.size() - 2);
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    if (!ArgID(ctx, j, 0, true, &ids[j - 2])) return;
  }
  Stream* s = StreamOf(e);
  long long deleted = 0;
  bool first_entry = false;
  for (const StreamID& id : ids) {
    if (!s->Delete(id)) continue;
    if (id == s->first_id()) first_entry = true;
    if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
    ++deleted;
  }
  if (deleted) {
    if (s->length() == 0) {
      s->set_first_id(StreamID{});
    } else if (first_entry) {
      s->RefreshFirstID();
    }
    ctx.Modified(key, kNotifyStream, "xdel");
    ctx.dirty += uint64_t(deleted) - 1;
  }
  ctx.reply.Integer(deleted);
}

void CmdXLen(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], true);
  if (!e) return ctx.reply.Integer(0);
  if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
  ctx.reply.Integer((long long)StreamOf(e)->length());
}

void RangeGeneric(CommandContext& ctx, bool rev) {
  size_t start_arg = rev ? 3 : 2, end_arg = rev ? 2 : 3;
  StreamID start, end;
  auto parse_interval = [&](size_t i, uint64_t missing_seq, StreamID* out, bool* excl) {
    std::string_view t = ctx.args[i];
    *excl = t.size() > 1 && t[0] == '(';
    bool ok = *excl ? ParseStreamID(t.substr(1), missing_seq, true, out)
                    : ParseStreamID(t, missing_seq, false, out);
    if (!ok) ctx.reply.Error(kInvalidID);
    return ok;
  };
  bool sx, ex;
  if (!parse_interval(start_arg, 0, &start, &sx)) return;
  if (sx && !start.Incr()) return ctx.reply.Error("ERR invalid start ID for the interval");
  if (!parse_interval(end_arg, UINT64_MAX, &end, &ex)) return;
  if (ex && !end.Decr()) return ctx.reply.Error("ERR invalid end ID for the interval");
  long long count = -1;
  for (size_t j = 4; j < ctx.args.size(); ++j) {
    if (EqualsNoCase(ctx.args[j], "count") && j + 1 < ctx.args.size()) {
      if (!ArgInt64(ctx, j + 1, &count)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], true);
  if (!e) return ctx.reply.ArrayHeader(0);
  if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
  if (count == 0) return ctx.reply.NullArray();
  ReplyRange(ctx, *StreamOf(e), start, end, rev, count < 0 ? 0 : size_t(count));
}

void CmdXRange(CommandContext& ctx) { RangeGeneric(ctx, false); }
void CmdXRevRange(CommandContext& ctx) { RangeGeneric(ctx, true); }

void CmdXSetID(CommandContext& ctx) {
  StreamID id, max_xdel;
  long long entries_added = -1;
  if (!ArgID(ctx, 2, 0, true, &id)) return;
  for (size_t i = 3; i < ctx.args.size();) {
    bool more = i + 1 < ctx.args.size();
    if (EqualsNoCase(ctx.args[i], "entriesadded") && more) {
      if (!ArgInt64(ctx, i + 1, &entries_added)) return;
      if (entries_added < 0) return ctx.reply.Error("ERR entries_added must be positive");
      i += 2;
    } else if (EqualsNoCase(ctx.args[i], "maxdeletedid") && more) {
      if (!ArgID(ctx, i + 1, 0, true, &max_xdel)) return;
      if (id < max_xdel) {
        return ctx.reply.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      i += 2;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (!e) return ctx.reply.Error(err::kNoSuchKey);
  if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
  Stream* s = StreamOf(e);
  if (s->length() > 0) {
    StreamID top;
    s->EdgeID(false, &top);
    if (id < top) return ctx.reply.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
    if (entries_added != -1 && s->length() > uint64_t(entries_added)) {
      return ctx.reply.Error("ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(uint64_t(entries_added));
  if (!max_xdel.IsZero()) s->set_max_deleted_id(max_xdel);
  ctx.Modified(key, kNotifyStream, "xsetid");
  ctx.reply.Ok();
}

}  // namespace
}  // namespace stream_cmd

void BindStreamCommands(CommandTable& t) {
  using namespace stream_cmd;
  t.Bind("xadd", CmdXAdd);
  t.Bind("xtrim", CmdXTrim);
  t.Bind("xdel", CmdXDel);
  t.Bind("xlen", CmdXLen);
  t.Bind("xrange", CmdXRange);
  t.Bind("xrevrange", CmdXRevRange);
  t.Bind("xsetid", CmdXSetID);
  BindGroupCommands(t);
  BindReadCommands(t);
  BindClaimCommands(t);
  BindInfoCommands(t);
}

}  // namespace vireo
