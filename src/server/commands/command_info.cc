// COMMAND and its subcommands: the command table described to clients, in the
// shape Redis 7.0 uses (cluster-aware clients and redis-cli rely on it).
#include <algorithm>
#include <cstring>
#include <sstream>

#include "base/glob.h"
#include "base/numbers.h"

#include "commands/core/args.h"
#include "commands/core/command_docs.h"
#include "commands/core/command_specs.h"
#include "resp/reply_builder.h"
#include "server/command_keys.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

std::vector<std::string> Words(const char* text) {
  std::vector<std::string> out;
  std::istringstream in(text ? text : "");
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

void StatusSet(ReplyBuilder& r, const std::vector<std::string>& items) {
  r.SetHeader(items.size());
  for (auto& i : items) r.SimpleString(i);
}

void KeySpecReply(ReplyBuilder& r, const KeySpec& k) {
  bool notes = k.notes && *k.notes;
  r.MapHeader(notes ? 4 : 3);
  if (notes) {
    r.Bulk("notes");
    r.Bulk(k.notes);
  }
  r.Bulk("flags");
  StatusSet(r, Words(k.flags));
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(k.bs_type);
  r.Bulk("spec");
  if (!strcmp(k.bs_type, "index")) {
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(k.bs_index);
  } else if (!strcmp(k.bs_type, "keyword")) {
    r.MapHeader(2);
    r.Bulk("keyword");
    r.Bulk(k.bs_keyword);
    r.Bulk("startfrom");
    r.Integer(k.bs_startfrom);
  } else {
    r.MapHeader(0);
  }
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(k.fk_type);
  r.Bulk("spec");
  if (!strcmp(k.fk_type, "range")) {
    r.MapHeader(3);
    r.Bulk("lastkey");
    r.Integer(k.fk_a);
    r.Bulk("keystep");
    r.Integer(k.fk_b);
    r.Bulk("limit");
    r.Integer(k.fk_c);
  } else if (!strcmp(k.fk_type, "keynum")) {
    r.MapHeader(3);
    r.Bulk("keynumidx");
    r.Integer(k.fk_a);
    r.Bulk("firstkey");
    r.Integer(k.fk_b);
    r.Bulk("keystep");
    r.Integer(k.fk_c);
  } else {
    r.MapHeader(0);
  }
}

void CommandInfoReply(ReplyBuilder& r, const Command* c) {
  const CommandSpecData* s = c->spec;
  r.ArrayHeader(10);
  r.Bulk(c->full_name);
  r.Integer(s->arity);
  StatusSet(r, Words(s->flags));
  r.Integer(s->first_key);
  r.Integer(s->last_key);
  r.Integer(s->step);
  StatusSet(r, Words(s->acl));
  auto tips = Words(s->tips);
  r.SetHeader(tips.size());
  for (auto& t : tips) r.Bulk(t);
  // Redis 7.0 sends both of these as sets in RESP3.
  r.SetHeader(s->key_specs.size());
  for (const KeySpec& k : s->key_specs) KeySpecReply(r, k);
  r.SetHeader(c->subcommands.size());
  for (const Command* sub : c->subcommands) CommandInfoReply(r, sub);
}

void StatusFlags(ReplyBuilder& r, unsigned bits, const char* const* names, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += (bits >> i) & 1;
  r.SetHeader(count);
  for (size_t i = 0; i < n; ++i) {
    if (bits & (1u << i)) r.SimpleString(names[i]);
  }
}

// One argument map, fields in Redis 7.0's order (scripts/gen_command_specs.py
// checks the reference server still uses it).
void DocArgReply(ReplyBuilder& r, const DocArg& a) {
  auto kids = DocArgChildren(a);
  size_t fields = 2 + (a.key_spec_index >= 0) + (a.token != nullptr) + (a.since != nullptr) +
                  (a.deprecated_since != nullptr) + (a.flags != 0) + !kids.empty();
  r.MapHeader(fields);
  r.Bulk("name");
  r.Bulk(a.name);
  r.Bulk("type");
  r.Bulk(kDocArgTypeNames[a.type]);
  if (a.key_spec_index >= 0) {
    r.Bulk("key_spec_index");
    r.Integer(a.key_spec_index);
  }
  if (a.token) {
    r.Bulk("token");
    r.Bulk(a.token);
  }
  if (a.since) {
    r.Bulk("since");
    r.Bulk(a.since);
  }
  if (a.deprecated_since) {
    r.Bulk("deprecated_since");
    r.Bulk(a.deprecated_since);
  }
  if (a.flags) {
    r.Bulk("flags");
    StatusFlags(r, a.flags, kDocArgFlagNames, std::size(kDocArgFlagNames));
  }
  if (!kids.empty()) {
    r.Bulk("arguments");
    r.ArrayHeader(kids.size());
    for (const DocArg& k : kids) DocArgReply(r, k);
  }
}

void CommandDocsReply(ReplyBuilder& r, const Command* c) {
  const CommandSpecData* s = c->spec;
  const CommandDocFacts& d = DocFacts(size_t(s - CommandSpecs().data()));
  const CommandProse* prose = FindCommandProse(s->name);  // a unit test checks every command has one
  bool complexity = d.has_complexity && prose && *prose->complexity;
  auto history = DocHistoryOf(d);
  auto args = DocArgs(d);
  size_t fields = 3 + complexity + (d.doc_flags != 0) + (d.deprecated_since != nullptr) +
                  (d.replaced_by != nullptr) + !history.empty() + !args.empty() +
                  !c->subcommands.empty();
  r.MapHeader(fields);
  r.Bulk("summary");
  r.Bulk(prose ? prose->summary : "");
  r.Bulk("since");
  r.Bulk(s->since);
  r.Bulk("group");
  r.Bulk(s->group);
  if (complexity) {
    r.Bulk("complexity");
    r.Bulk(prose->complexity);
  }
  if (d.doc_flags) {
    r.Bulk("doc_flags");
    StatusFlags(r, d.doc_flags, kDocFlagNames, std::size(kDocFlagNames));
  }
  if (d.deprecated_since) {
    r.Bulk("deprecated_since");
    r.Bulk(d.deprecated_since);
  }
  if (d.replaced_by) {
    r.Bulk("replaced_by");
    r.Bulk(d.replaced_by);
  }
  if (!history.empty()) {
    r.Bulk("history");
    r.SetHeader(history.size());
    for (const DocHistory& h : history) {
      r.ArrayHeader(2);
      r.Bulk(h.version);
      r.Bulk(h.change);
    }
  }
  if (!args.empty()) {
    r.Bulk("arguments");
    r.ArrayHeader(args.size());
    for (const DocArg& a : args) DocArgReply(r, a);
  }
  if (!c->subcommands.empty()) {
    r.Bulk("subcommands");
    r.MapHeader(c->subcommands.size());
    for (const Command* sub : c->subcommands) {
      r.Bulk(sub->full_name);
      CommandDocsReply(r, sub);
    }
  }
}

void CmdCommand(ServerContext& ctx) {
  auto& all = ctx.server.commands().all();
  ctx.reply.ArrayHeader(all.size());
  for (const Command* c : all) CommandInfoReply(ctx.reply, c);
}

void CmdCommandCount(ServerContext& ctx) { ctx.reply.Integer((long long)ctx.server.commands().size()); }

const Command* LookupFull(Server& s, std::string_view name) {
  size_t bar = name.find('|');
  const Command* c = s.commands().Find(name.substr(0, bar));
  if (!c || bar == std::string_view::npos) return c;
  auto it = c->sub_by_name.find(name.substr(bar + 1));
  return it == c->sub_by_name.end() ? nullptr : it->second;
}

void CmdCommandInfo(ServerContext& ctx) {
  if (ctx.args.size() == 2) {
    CmdCommand(ctx);
    return;
  }
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const Command* c = LookupFull(ctx.server, ctx.args[i]);
    if (c) {
      CommandInfoReply(ctx.reply, c);
    } else {
      ctx.reply.Null();
    }
  }
}

void CmdCommandDocs(ServerContext& ctx) {
  std::vector<const Command*> list;
  if (ctx.args.size() == 2) {
    for (const Command* c : ctx.server.commands().all()) list.push_back(c);
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (const Command* c = LookupFull(ctx.server, ctx.args[i])) list.push_back(c);
    }
  }
  ctx.reply.MapHeader(list.size());
  for (const Command* c : list) {
    ctx.reply.Bulk(c->full_name);
    CommandDocsReply(ctx.reply, c);
  }
}

void CmdCommandList(ServerContext& ctx) {
  const auto& a = ctx.args;
  std::string kind, value;
  if (a.size() == 5 && EqualsNoCase(a[2], "filterby")) {
    std::string lower;
    kind = std::string(ToLower(a[3], &lower));
    value = std::string(a[4]);
    if (kind != "module" && kind != "aclcat" && kind != "pattern") {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  } else if (a.size() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::vector<std::string> names;
  auto consider = [&](const Command* c) {
    if (kind == "module") return;
    if (kind == "aclcat") {
      auto cats = Words(c->spec->acl);
      std::string want = "@" + value;
      bool hit = false;
      for (auto& cat : cats) hit |= EqualsNoCase(cat, want);
      if (!hit) return;
    }
    if (kind == "pattern" && !GlobMatch(value, c->full_name, true)) return;
    names.push_back(c->full_name);
  };
  for (const Command* c : ctx.server.commands().all()) {
    consider(c);
    for (const Command* sub : c->subcommands) consider(sub);
  }
  ctx.reply.ArrayHeader(names.size());
  for (auto& n : names) ctx.reply.Bulk(n);
}

void GetKeys(ServerContext& ctx, bool with_flags) {
  const auto& a = ctx.args;
  const Command* c = ctx.server.commands().Find(a[2]);
  if (c && !c->subcommands.empty() && a.size() > 3) {
    auto it = c->sub_by_name.find(a[3]);
    if (it != c->sub_by_name.end()) c = it->second;
  }
  if (!c) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  // Redis's order: a command without key specs (or only not_key ones)
  // first, then the arity, then the keys found.
  bool has_keys = c->full_name == "sort";
  for (const KeySpec& k : c->spec->key_specs) has_keys |= strstr(k.flags, "not_key") == nullptr;
  if (!has_keys) {
    ctx.reply.Error("ERR The command has no key arguments");
    return;
  }
  int arity = c->spec->arity;
  int argc = int(a.size() - 2);
  if ((arity > 0 && argc != arity) || argc < -arity) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  std::vector<FoundKey> keys;
  if (!FindCommandKeys(c, a, 2, &keys)) {
    // EVAL with no keys is fine; a key command without its keys is not.
    if (strstr(c->spec->flags, "no_mandatory_keys")) {
      ctx.reply.ArrayHeader(0);
    } else {
      ctx.reply.Error("ERR Invalid arguments specified for command");
    }
    return;
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const FoundKey& k : keys) {
    if (with_flags) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(a[k.pos]);
      StatusSet(ctx.reply, k.flags);
    } else {
      ctx.reply.Bulk(a[k.pos]);
    }
  }
}

void CmdCommandGetkeys(ServerContext& ctx) { GetKeys(ctx, false); }
void CmdCommandGetkeysAndFlags(ServerContext& ctx) { GetKeys(ctx, true); }

void CmdCommandHelp(ServerContext& ctx) {
  static const char* kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
      "    Return a list of all commands in this server.",
      "INFO [<command-name> ...]",
      "    Return details about the given commands, or all of them.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about the given commands, or all of them.",
      "GETKEYS <full-command>",
      "    Return the keys from a full command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void BindCommandCommand(CommandTable& t) {
  t.Bind("command", OnServer<CmdCommand>);
  t.Bind("command|count", OnServer<CmdCommandCount>);
  t.Bind("command|info", OnServer<CmdCommandInfo>);
  t.Bind("command|docs", OnServer<CmdCommandDocs>);
  t.Bind("command|list", OnServer<CmdCommandList>);
  t.Bind("command|getkeys", OnServer<CmdCommandGetkeys>);
  t.Bind("command|getkeysandflags", OnServer<CmdCommandGetkeysAndFlags>);
  t.Bind("command|help", OnServer<CmdCommandHelp>);
}

}  // namespace vireo
