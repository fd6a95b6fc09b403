// AclUsers: the node's ACL users by name (byte order, as Redis lists them),
// the "default" user every connection starts as, and the ACL log (ACL LOG:
// newest first, similar denials within 60 s grouped). Also the ACL file:
// Load (all or nothing, Redis's per-line error texts) and Save (temp file
// renamed over the old one).
// The default user is never deleted or replaced: ACL LOAD copies the
// file's rules into it, so clients may keep a pointer to it.
// Thread rule: owned by the Server, main thread only.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "acl/acl_user.h"

namespace vireo {

// Redis's ACL_* results (the numbers order which denial a check reports).
enum AclResult { kAclOk = 0, kAclDeniedCmd = 1, kAclDeniedKey = 2, kAclDeniedAuth = 3, kAclDeniedChannel = 4 };
enum AclLogContext { kAclCtxToplevel = 0, kAclCtxMulti = 1, kAclCtxLua = 2 };

struct AclLogEntry {
  uint64_t count = 1;
  AclResult reason = kAclDeniedCmd;
  AclLogContext context = kAclCtxToplevel;
  std::string object;    // command, key, channel, or the AUTH'd user name
  std::string username;
  int64_t ctime_ms = 0;
  std::string client_info;
};

class AclUsers {
 public:
  AclUsers();

  AclUser* default_user() { return default_; }
  const AclUser* default_user() const { return default_; }
  AclUser* Find(std::string_view name);
  // A new user with Redis's initial rules (off, no passwords, nothing allowed).
  AclUser* Create(std::string_view name, bool pubsub_allchannels);
  // Unlinks a user (never "default"); the caller deals with its clients
  // and then drops the returned object.
  std::unique_ptr<AclUser> Remove(std::string_view name);
  const std::map<std::string, std::unique_ptr<AclUser>>& all() const { return users_; }

  // ACL LOAD: replaces every user but keeps the default user object (its
  // rules are copied). "" on success, with the replaced users moved to
  // *dropped; otherwise Redis's error text and nothing changed.
  std::string LoadFile(const std::string& path, bool pubsub_allchannels,
                       std::vector<std::unique_ptr<AclUser>>* dropped);
  // ACL SAVE. False (with *why for the log) when the file cannot be written.
  bool SaveFile(const std::string& path, std::string* why) const;

  // ---- ACL LOG ----
  void AddLog(AclLogEntry entry, size_t max_len);
  const std::deque<AclLogEntry>& log() const { return log_; }
  void ResetLog() { log_.clear(); }
  void TrimLog(size_t max_len);

 private:
  std::map<std::string, std::unique_ptr<AclUser>> users_;
  AclUser* default_ = nullptr;
  std::deque<AclLogEntry> log_;
};

// Redis's default user: on, nopass, ~* &* +@all.
void AclMakeDefaultUser(AclUser* u);

}  // namespace vireo
