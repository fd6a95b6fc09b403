// The node's side of access control (Redis's acl.c glue): who a client is,
// whether it must AUTH first, whether its user may run a command on its
// keys and channels, the ACL log, and what happens to clients when their
// user is deleted or loses channels. The users and rules themselves are in
// src/acl (AclUsers, AclUser).
#include <algorithm>

#include "acl/acl_catalog.h"
#include "base/clock.h"
#include "base/glob.h"
#include "base/log.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

// The channels a pub/sub command names (Redis's getChannelsFromCommand for
// the publish and subscribe flags; unsubscribing is never refused).
struct ChannelArgs {
  size_t first = 0, last = 0;  // argument range, empty when first == 0
  bool pattern = false;
};

ChannelArgs ChannelsOf(AclCommandInfo::Channels kind, size_t argc) {
  switch (kind) {
    case AclCommandInfo::Channels::kFirst:
      return {1, 1, false};
    case AclCommandInfo::Channels::kAll:
      return {1, argc - 1, false};
    case AclCommandInfo::Channels::kAllPatterns:
      return {1, argc - 1, true};
    case AclCommandInfo::Channels::kNone:
      break;
  }
  return {};
}

bool ChannelAllowed(const std::vector<std::string>& allowed, std::string_view channel, bool is_pattern) {
  for (const std::string& p : allowed) {
    // A PSUBSCRIBE pattern must be allowed literally; a channel may match
    // an allowed pattern.
    if (is_pattern ? p == channel : GlobMatch(p, channel)) return true;
  }
  return false;
}

}  // namespace

bool Server::AuthRequired(const Client* c) const {
  const AclUser* d = acl_.default_user();
  return (!(d->flags & kUserNoPass) || (d->flags & kUserOff)) && !c->authenticated;
}

bool Server::Authenticate(Client* c, std::string_view username, std::string_view password,
                          std::string_view command) {
  AclUser* u = acl_.Find(username);
  if (u && !(u->flags & kUserOff) && u->CheckPassword(password)) {
    c->authenticated = true;
    c->user = u;
    return true;
  }
  AclLogEntry e;
  e.reason = kAclDeniedAuth;
  e.context = c->multi.active ? kAclCtxMulti : kAclCtxToplevel;
  e.object = std::string(command);  // as the client typed it (AUTH, hello...)
  e.username = std::string(username);
  e.ctime_ms = NowMs();
  e.client_info = ClientInfoLine(*this, *c, e.ctime_ms);
  acl_.AddLog(std::move(e), size_t(cfg().acllog_max_len));
  return false;
}

AclResult Server::CheckCommandPermission(const AclUser* user, const Command* cmd,
                                         const std::vector<std::string_view>& args, size_t* pos) {
  const AclCatalog& cat = AclCatalog::Get();
  const int id = AclCatalog::IdOf(cmd);
  const AclCommandInfo& info = cat.at(id);
  std::vector<KeyAccess>& keys = acl_keys_scratch_;
  bool keys_found = false;
  const ChannelArgs channels = ChannelsOf(info.channels, args.size());

  // Each selector on its own: the first that allows everything wins. If
  // none does, report the command, or else the last key/channel refused
  // (Redis's choice of the one error to log).
  AclResult relevant = kAclDeniedCmd;
  size_t last_idx = 0;
  for (const AclSelector& s : user->selectors) {
    AclResult r = kAclOk;
    size_t at = 0;
    if (!(s.flags & kSelAllCommands) && !info.no_auth && !s.Bit(id)) {
      // Maybe allowed with this first argument only (+select|0).
      r = kAclDeniedCmd;
      auto it = s.firstargs.find(id);
      const size_t idx = info.parent >= 0 ? 2 : 1;
      if (it != s.firstargs.end() && args.size() > idx) {
        for (const std::string& a : it->second) {
          if (EqualsNoCase(a, args[idx])) r = kAclOk;
        }
      }
    }
    if (r == kAclOk && !(s.flags & kSelAllKeys) && info.has_keys) {
      if (!keys_found) {
        keys.clear();
        FindCommandKeyAccess(cmd, args, info.key_spec_access, &keys);
        keys_found = true;
      }
      for (const KeyAccess& k : keys) {
        bool ok = false;
        for (const AclKeyPattern& p : s.patterns) {
          if ((p.perm & k.access) != k.access) continue;
          if (GlobMatch(p.pattern, args[k.pos])) {
            ok = true;
            break;
          }
        }
        if (!ok) {
          r = kAclDeniedKey;
          at = k.pos;
          break;
        }
      }
    }
    if (r == kAclOk && !(s.flags & kSelAllChannels) && channels.first != 0) {
      for (size_t i = channels.first; i <= channels.last && i < args.size(); ++i) {
        if (!ChannelAllowed(s.channels, args[i], channels.pattern)) {
          r = kAclDeniedChannel;
          at = i;
          break;
        }
      }
    }
    if (r == kAclOk) return kAclOk;
    if (r > relevant || (r == relevant && at > last_idx)) {
      relevant = r;
      last_idx = at;
    }
  }
  *pos = last_idx;
  return relevant;
}

void Server::LogAclDenial(Client* c, AclResult reason, AclLogContext ctx, const Command* cmd,
                          const std::vector<std::string_view>& args, size_t pos) {
  AclLogEntry e;
  e.reason = reason;
  e.context = ctx;
  if (reason == kAclDeniedCmd) {
    e.object = cmd->full_name;
  } else if (pos < args.size()) {
    e.object = std::string(args[pos]);
  }
  e.username = c->user->name;
  e.ctime_ms = NowMs();
  // A script's denial shows the client that ran the script.
  Client* shown = ctx == kAclCtxLua && executing_ ? executing_ : c;
  e.client_info = ClientInfoLine(*this, *shown, e.ctime_ms);
  acl_.AddLog(std::move(e), size_t(cfg().acllog_max_len));
}

void Server::DisconnectUserClients(const AclUser* u) {
  for (auto& [id, owned] : clients_) {
    Client* c = owned.get();
    if (c->user != u) continue;
    // Defensive, as Redis: the client is closed anyway, but until then it
    // is an unauthenticated default client.
    c->user = acl_.default_user();
    c->authenticated = false;
    if (c == executing_) {
      c->close_after_reply = true;
    } else {
      CloseClient(c);
    }
  }
}

void Server::DisconnectRevokedSubscribers(const AclUser* u, const AclUser& updated) {
  std::vector<std::string> upcoming;
  for (const AclSelector& s : updated.selectors) {
    if (s.flags & kSelAllChannels) return;
    upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
  }
  // Nothing to do when every old channel rule is still there.
  bool superset = true;
  for (const AclSelector& s : u->selectors) {
    for (const std::string& ch : s.channels) {
      superset &= std::find(upcoming.begin(), upcoming.end(), ch) != upcoming.end();
    }
  }
  if (superset) return;
  for (auto& [id, owned] : clients_) {
    Client* c = owned.get();
    if (c->user != u || c->closing || !c->subscribed()) continue;
    bool kill = false;
    for (const std::string& p : c->subs->patterns) kill |= !ChannelAllowed(upcoming, p, true);
    for (const std::string& ch : c->subs->channels) kill |= !ChannelAllowed(upcoming, ch, false);
    for (const std::string& ch : c->subs->shard_channels) kill |= !ChannelAllowed(upcoming, ch, false);
    if (!kill) continue;
    if (c == executing_) {
      c->close_after_reply = true;
    } else {
      CloseClient(c);
    }
  }
}

void Server::ApplyRequirepass() {
  AclUser* d = acl_.default_user();
  d->Apply("resetpass", false);
  if (cfg().requirepass.empty()) {
    d->Apply("nopass", false);
  } else {
    d->Apply(">" + cfg().requirepass, false);
  }
}

bool Server::LoadAclAtStartup(std::string* error) {
  ApplyRequirepass();
  const auto& lines = config_.user_lines();
  if (!cfg().aclfile.empty() && !lines.empty()) {
    *error =
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. "
        "This setup is very likely to lead to configuration errors and security holes, please define either an "
        "ACL file or declare users directly in your redis.conf, but not both.";
    return false;
  }
  const bool allch = acl_pubsub_allchannels();
  std::vector<std::string> seen;
  for (const Config::UserLine& line : lines) {
    const std::string& name = line.args[0];
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      *error = Config::UserLineError(line, "Error in user declaration '" + name + "': " +
                                               AclRuleErrorText(AclRuleError::kDuplicateUser));
      return false;
    }
    seen.push_back(name);
    std::vector<std::string> rules(line.args.begin() + 1, line.args.end()), merged;
    size_t bad = 0;
    if (!AclMergeSelectorArgs(rules, &merged, &bad)) {
      *error = Config::UserLineError(line, "Error in user declaration '" + rules[bad] + "': Unmatched parenthesis");
      return false;
    }
    if (AclHasSpaces(name)) {
      *error = Config::UserLineError(line, "Spaces not allowed in ACL usernames");
      return false;
    }
    // Validate on a scratch user first, so a bad line changes nothing.
    AclUser scratch(name, allch);
    for (const std::string& rule : merged) {
      AclRuleError e = scratch.Apply(rule, allch);
      if (e != AclRuleError::kNone) {
        *error = Config::UserLineError(line, "Error in user declaration '" + rule + "': " + AclRuleErrorText(e));
        return false;
      }
    }
    AclUser* u = acl_.Find(name);
    if (u) {
      u->Apply("reset", allch);  // only "default" can exist already
    } else {
      u = acl_.Create(name, allch);
    }
    for (const std::string& rule : merged) u->Apply(rule, allch);
    if (u->flags & kUserOff) {
      VLOG_NOTICE(
          "The user '%s' is disabled (there is no 'on' modifier in the user description). Make sure this is not "
          "a configuration error.",
          name.c_str());
    }
  }
  if (!cfg().aclfile.empty()) {
    std::vector<std::unique_ptr<AclUser>> dropped;
    std::string errors = acl_.LoadFile(cfg().aclfile, allch, &dropped);
    if (!errors.empty()) {
      *error = "Aborting Redis startup because of ACL errors: " + errors;
      return false;
    }
  }
  return true;
}

}  // namespace vireo
