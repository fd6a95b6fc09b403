#include "acl/acl_users.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/clock.h"

namespace vireo {
namespace {

std::string Trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(chars);
  return std::string(s.substr(b, e - b + 1));
}

// Redis splits ACL file lines on single spaces (no quoting): two spaces
// give an empty rule, which is a no-op.
std::vector<std::string> SplitSpaces(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t sp = line.find(' ', start);
    out.emplace_back(line.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

}  // namespace

void AclMakeDefaultUser(AclUser* u) {
  u->Apply("+@all", false);
  u->Apply("~*", false);
  u->Apply("&*", false);
  u->Apply("on", false);
  u->Apply("nopass", false);
}

AclUsers::AclUsers() {
  auto u = std::make_unique<AclUser>("default", false);
  AclMakeDefaultUser(u.get());
  default_ = u.get();
  users_["default"] = std::move(u);
}

AclUser* AclUsers::Find(std::string_view name) {
  auto it = users_.find(std::string(name));
  return it == users_.end() ? nullptr : it->second.get();
}

AclUser* AclUsers::Create(std::string_view name, bool pubsub_allchannels) {
  auto& slot = users_[std::string(name)];
  if (!slot) slot = std::make_unique<AclUser>(std::string(name), pubsub_allchannels);
  return slot.get();
}

std::unique_ptr<AclUser> AclUsers::Remove(std::string_view name) {
  if (name == "default") return nullptr;
  auto it = users_.find(std::string(name));
  if (it == users_.end()) return nullptr;
  std::unique_ptr<AclUser> u = std::move(it->second);
  users_.erase(it);
  return u;
}

std::string AclUsers::LoadFile(const std::string& path, bool pubsub_allchannels,
                               std::vector<std::unique_ptr<AclUser>>* dropped) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return "Error loading ACLs, opening file '" + path + "': " + std::strerror(errno);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::map<std::string, std::unique_ptr<AclUser>> fresh;
  std::string errors;
  int linenum = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string line = Trim(std::string_view(text).substr(pos, eol - pos), " \t\r\n");
    pos = eol + 1;
    ++linenum;
    if (line.empty()) continue;
    std::vector<std::string> argv = SplitSpaces(line);
    const std::string where = path + ":" + std::to_string(linenum);
    if (argv[0] != "user" || argv.size() < 2) {
      errors += where + " should start with user keyword followed by the username. ";
      continue;
    }
    if (AclHasSpaces(argv[1])) {
      errors += "'" + where + ": username '" + argv[1] + "' contains invalid characters. ";
      continue;
    }
    if (fresh.count(argv[1])) {
      errors += "WARNING: Duplicate user '" + argv[1] + "' found on line " + std::to_string(linenum) + ". ";
      continue;
    }
    auto u = std::make_unique<AclUser>(argv[1], pubsub_allchannels);
    AclUser* user = u.get();
    fresh[argv[1]] = std::move(u);
    std::vector<std::string> rules(argv.begin() + 2, argv.end()), merged;
    size_t bad = 0;
    if (!AclMergeSelectorArgs(rules, &merged, &bad)) {
      errors += where + ": Unmatched parenthesis in selector definition.";
      merged.clear();
    }
    bool syntax_error = false;
    for (std::string& rule : merged) {
      rule = Trim(rule, "\t\r\n");
      AclRuleError e = user->Apply(rule, pubsub_allchannels);
      if (e == AclRuleError::kNone) continue;
      if (e == AclRuleError::kUnknownCommand) {
        errors += where + ": Error in applying operation '" + rule + "': " + AclRuleErrorText(e) + ". ";
      } else if (!syntax_error) {
        errors += where + ": " + AclRuleErrorText(e) + ". ";
        syntax_error = true;
      }
    }
  }
  if (!errors.empty()) {
    return errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
  }
  // The default user object stays (clients point at it); it takes the
  // file's rules, or Redis's defaults when the file does not name it.
  auto it = fresh.find("default");
  if (it != fresh.end()) {
    default_->CopyRulesFrom(*it->second);
  } else {
    AclUser def("default", pubsub_allchannels);
    AclMakeDefaultUser(&def);
    default_->CopyRulesFrom(def);
  }
  std::unique_ptr<AclUser> keep = std::move(users_["default"]);
  for (auto& [name, u] : users_) {
    if (u) dropped->push_back(std::move(u));
  }
  users_.clear();
  fresh.erase("default");
  users_ = std::move(fresh);
  users_["default"] = std::move(keep);
  return "";
}

bool AclUsers::SaveFile(const std::string& path, std::string* why) const {
  std::string out;
  for (const auto& [name, u] : users_) {
    out += "user " + name + " " + u->Describe() + "\n";
  }
  const std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(NowMs());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *why = std::string("Opening temp ACL file for ACL SAVE: ") + std::strerror(errno);
    return false;
  }
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = std::string("Writing ACL file for ACL SAVE: ") + std::strerror(errno);
      close(fd);
      unlink(tmp.c_str());
      return false;
    }
    p += n;
    left -= size_t(n);
  }
  fsync(fd);
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *why = std::string("Renaming ACL file for ACL SAVE: ") + std::strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

void AclUsers::AddLog(AclLogEntry e, size_t max_len) {
  // Look at the 10 newest entries for a similar one (same reason, context,
  // object and user, within 60 s): bump it instead of adding (Redis).
  size_t scanned = 0;
  for (auto it = log_.begin(); it != log_.end() && scanned < 10; ++it, ++scanned) {
    AclLogEntry& cur = *it;
    int64_t delta = cur.ctime_ms - e.ctime_ms;
    if (delta < 0) delta = -delta;
    if (cur.reason == e.reason && cur.context == e.context && delta <= 60000 && cur.object == e.object &&
        cur.username == e.username) {
      AclLogEntry m = std::move(cur);
      log_.erase(it);
      m.client_info = std::move(e.client_info);
      m.ctime_ms = e.ctime_ms;
      m.count++;
      log_.push_front(std::move(m));
      return;
    }
  }
  log_.push_front(std::move(e));
  TrimLog(max_len);
}

void AclUsers::TrimLog(size_t max_len) {
  while (log_.size() > max_len) log_.pop_back();
}

}  // namespace vireo
