#include "acl/acl_user.h"

#include <openssl/evp.h>

#include <climits>
#include <cstring>

#include "acl/acl_catalog.h"
#include "base/ascii.h"
#include "base/split_args.h"

namespace vireo {
namespace {

size_t BitWords() { return (AclCatalog::Get().size() + 1 + 63) / 64; }
// Redis's reserved bit: set by +@all only, so a rule list that started from
// +@all (and allows commands added later) can be told from one that did not.
int FutureBit() { return int(AclCatalog::Get().size()); }

bool StartsWithChar(std::string_view s, char c) { return !s.empty() && s[0] == c; }

// Allows or denies a command and, for a container, all its subcommands
// (Redis's ACLChangeSelectorPerm).
void ChangePerm(AclSelector* s, int id, bool allow) {
  const AclCatalog& cat = AclCatalog::Get();
  s->SetBit(id, allow);
  s->firstargs.erase(id);
  for (int sub : cat.at(id).subcommands) s->SetBit(sub, allow);
}

void ApplyCategory(AclSelector* s, uint64_t flag, bool allow) {
  const AclCatalog& cat = AclCatalog::Get();
  for (int id : cat.top_level()) {
    if (cat.at(id).categories & flag) ChangePerm(s, id, allow);
    for (int sub : cat.at(id).subcommands) {
      if (cat.at(sub).categories & flag) ChangePerm(s, sub, allow);
    }
  }
}

void CountCategory(const AclSelector& s, uint64_t flag, unsigned long* on, unsigned long* off) {
  const AclCatalog& cat = AclCatalog::Get();
  *on = *off = 0;
  auto count = [&](int id) {
    if (!(cat.at(id).categories & flag)) return;
    if (s.Bit(id)) {
      ++*on;
    } else {
      ++*off;
    }
  };
  for (int id : cat.top_level()) {
    count(id);
    for (int sub : cat.at(id).subcommands) count(sub);
  }
}

void AppendPattern(std::string* out, const AclKeyPattern& p) {
  if (p.perm == kAclKeyAll) {
    *out += "~";
  } else if (p.perm == kAclKeyRead) {
    *out += "%R~";
  } else {
    *out += "%W~";
  }
  *out += p.pattern;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

const char* AclRuleErrorText(AclRuleError e) {
  switch (e) {
    case AclRuleError::kUnknownCommand:
      return "Unknown command or category name in ACL";
    case AclRuleError::kSyntax:
      return "Syntax error";
    case AclRuleError::kKeyAfterAll:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
             "effect. Try 'resetkeys' to start with an empty list of patterns";
    case AclRuleError::kChannelAfterAll:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any "
             "effect. Try 'resetchannels' to start with an empty list of channels";
    case AclRuleError::kNoSuchPassword:
      return "The password you are trying to remove from the user does not exist";
    case AclRuleError::kBadHash:
      return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
    case AclRuleError::kDuplicateUser:
      return "Duplicate user found. A user can only be defined once in config files";
    case AclRuleError::kSubcommandArg:
      return "Allowing first-arg of a subcommand is not supported";
    case AclRuleError::kNone:
      break;
  }
  return "Wrong format";
}

std::string AclHashPassword(std::string_view password) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(password.data(), password.size(), md, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

bool AclValidHash(std::string_view hash) {
  if (hash.size() != 64) return false;
  for (char c : hash) {
    if ((c < 'a' || c > 'f') && (c < '0' || c > '9')) return false;
  }
  return true;
}

bool AclHasSpaces(std::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0') return true;
  }
  return false;
}

bool AclMergeSelectorArgs(const std::vector<std::string>& in, std::vector<std::string>* out, size_t* bad_index) {
  out->clear();
  bool open = false;
  size_t open_at = 0;
  std::string selector;
  for (size_t j = 0; j < in.size(); ++j) {
    const std::string& op = in[j];
    const bool closes = !op.empty() && op.back() == ')';
    if (!open && StartsWithChar(op, '(') && !closes) {
      selector = op;
      open = true;
      open_at = j;
      continue;
    }
    if (open) {
      selector += ' ';
      selector += op;
      if (closes) {
        open = false;
        out->push_back(std::move(selector));
        selector.clear();
      }
      continue;
    }
    out->push_back(op);
  }
  if (open) {
    *bad_index = open_at;
    return false;
  }
  return true;
}

// ---- AclSelector ----

AclSelector::AclSelector(uint32_t f) : flags(f), allowed(BitWords(), 0) {}

void AclSelector::SetBit(int id, bool on) {
  uint64_t& w = allowed[size_t(id) >> 6];
  const uint64_t bit = uint64_t(1) << (id & 63);
  if (on) {
    w |= bit;
  } else {
    w &= ~bit;
    flags &= ~kSelAllCommands;
  }
}

bool AclSelector::AllowsFutureCommands() const { return Bit(FutureBit()); }

AclRuleError AclSelector::Apply(std::string_view op, bool pubsub_allchannels) {
  (void)pubsub_allchannels;
  const AclCatalog& cat = AclCatalog::Get();
  if (EqualsNoCase(op, "allkeys") || op == "~*") {
    flags |= kSelAllKeys;
    patterns.clear();
  } else if (EqualsNoCase(op, "resetkeys")) {
    flags &= ~kSelAllKeys;
    patterns.clear();
  } else if (EqualsNoCase(op, "allchannels") || op == "&*") {
    flags |= kSelAllChannels;
    channels.clear();
  } else if (EqualsNoCase(op, "resetchannels")) {
    flags &= ~kSelAllChannels;
    channels.clear();
  } else if (EqualsNoCase(op, "allcommands") || EqualsNoCase(op, "+@all")) {
    for (uint64_t& w : allowed) w = ~uint64_t(0);
    flags |= kSelAllCommands;
    firstargs.clear();
  } else if (EqualsNoCase(op, "nocommands") || EqualsNoCase(op, "-@all")) {
    for (uint64_t& w : allowed) w = 0;
    flags &= ~kSelAllCommands;
    firstargs.clear();
  } else if (op[0] == '~' || op[0] == '%') {
    if (flags & kSelAllKeys) return AclRuleError::kKeyAfterAll;
    uint8_t perm = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); ++offset) {
        const char c = char(toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(perm & kAclKeyRead)) {
          perm |= kAclKeyRead;
        } else if (c == 'W' && !(perm & kAclKeyWrite)) {
          perm |= kAclKeyWrite;
        } else if (op[offset] == '~') {
          ++offset;
          break;
        } else {
          return AclRuleError::kSyntax;
        }
      }
      // Redis accepts "%" or "%~x" (no permission at all) and then aborts
      // when it describes the user; refuse it instead.
      if (perm == 0) return AclRuleError::kSyntax;
    } else {
      perm = kAclKeyAll;
    }
    std::string_view pattern = op.substr(offset);
    if (AclHasSpaces(pattern)) return AclRuleError::kSyntax;
    bool found = false;
    for (AclKeyPattern& p : patterns) {
      if (p.pattern == pattern) {
        p.perm |= perm;
        found = true;
        break;
      }
    }
    if (!found) patterns.push_back({std::string(pattern), perm});
  } else if (op[0] == '&') {
    if (flags & kSelAllChannels) return AclRuleError::kChannelAfterAll;
    std::string_view pattern = op.substr(1);
    if (AclHasSpaces(pattern)) return AclRuleError::kSyntax;
    bool found = false;
    for (const std::string& c : channels) found |= c == pattern;
    if (!found) channels.emplace_back(pattern);
  } else if (op[0] == '+' && (op.size() < 2 || op[1] != '@')) {
    std::string_view name = op.substr(1);
    const size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      int id = cat.Lookup(name);
      if (id < 0) return AclRuleError::kUnknownCommand;
      ChangePerm(this, id, true);
    } else {
      std::string_view base = name.substr(0, bar), sub = name.substr(bar + 1);
      int id = cat.Lookup(base);
      if (id < 0) return AclRuleError::kUnknownCommand;
      if (cat.at(id).parent >= 0) return AclRuleError::kSubcommandArg;
      if (sub.empty()) return AclRuleError::kSyntax;
      if (!cat.at(id).subcommands.empty()) {
        int sid = cat.Lookup(name);
        if (sid < 0) return AclRuleError::kUnknownCommand;
        ChangePerm(this, sid, true);
      } else {
        // Allowing one first argument of an otherwise blocked command
        // (+select|0): deprecated in Redis, still honoured.
        std::vector<std::string>& args = firstargs[id];
        bool have = false;
        for (const std::string& a : args) have |= EqualsNoCase(a, sub);
        if (!have) args.emplace_back(sub);
      }
    }
  } else if (op[0] == '-' && (op.size() < 2 || op[1] != '@')) {
    int id = cat.Lookup(op.substr(1));
    if (id < 0) return AclRuleError::kUnknownCommand;
    ChangePerm(this, id, false);
  } else if ((op[0] == '+' || op[0] == '-') && op.size() >= 2 && op[1] == '@') {
    uint64_t flag = AclCatalog::CategoryFlag(op.substr(2));
    if (!flag) return AclRuleError::kUnknownCommand;
    ApplyCategory(this, flag, op[0] == '+');
  } else {
    return AclRuleError::kSyntax;
  }
  return AclRuleError::kNone;
}

std::string AclSelector::DescribeCommands() const {
  const AclCatalog& cat = AclCatalog::Get();
  std::string rules;
  // Rules are replayed on a fake selector as they are chosen, so the final
  // pass knows which single commands still differ (Redis's method).
  AclSelector fake;
  const bool additive = !AllowsFutureCommands();
  if (!additive) {
    rules = "+@all ";
    fake.Apply("+@all", false);
  } else {
    rules = "-@all ";
    fake.Apply("-@all", false);
  }
  // Pick categories greedily: each round, the category with more commands
  // in common with the user than different, fewest differences first.
  AclSelector temp;
  temp.allowed = allowed;
  bool applied[kAclCategoryCount] = {};
  while (true) {
    int best = -1;
    unsigned long mindiff = INT_MAX, maxsame = 0;
    for (int j = 0; j < kAclCategoryCount; ++j) {
      if (applied[j]) continue;
      unsigned long on, off;
      CountCategory(temp, uint64_t(1) << j, &on, &off);
      const unsigned long diff = additive ? off : on;
      const unsigned long same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = j;
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    const uint64_t flag = uint64_t(1) << best;
    ApplyCategory(&fake, flag, additive);
    ApplyCategory(&temp, flag, !additive);
    rules += additive ? "+@" : "-@";
    rules += kAclCategoryNames[best];
    rules += ' ';
    applied[best] = true;
  }
  // Single commands that still differ, and allowed first arguments.
  auto single = [&](int id) {
    const bool userbit = Bit(id);
    if (userbit != fake.Bit(id)) {
      rules += userbit ? '+' : '-';
      rules += cat.at(id).full_name;
      rules += ' ';
      ChangePerm(&fake, id, userbit);
    }
  };
  for (int id : cat.top_level()) {
    single(id);
    for (int sub : cat.at(id).subcommands) single(sub);
    if (!Bit(id)) {
      auto it = firstargs.find(id);
      if (it != firstargs.end()) {
        for (const std::string& a : it->second) {
          rules += '+';
          rules += cat.at(id).full_name;
          rules += '|';
          rules += a;
          rules += ' ';
        }
      }
    }
  }
  rules.pop_back();
  return rules;
}

std::string AclSelector::Describe() const {
  std::string res;
  if (flags & kSelAllKeys) {
    res += "~* ";
  } else {
    for (const AclKeyPattern& p : patterns) {
      AppendPattern(&res, p);
      res += ' ';
    }
  }
  if (flags & kSelAllChannels) {
    res += "&* ";
  } else {
    res += "resetchannels ";
    for (const std::string& c : channels) {
      res += '&';
      res += c;
      res += ' ';
    }
  }
  res += DescribeCommands();
  return res;
}

std::string AclSelector::KeysText() const {
  if (flags & kSelAllKeys) return "~*";
  std::string out;
  for (const AclKeyPattern& p : patterns) {
    if (!out.empty()) out += ' ';
    AppendPattern(&out, p);
  }
  return out;
}

std::string AclSelector::ChannelsText() const {
  if (flags & kSelAllChannels) return "&*";
  std::string out;
  for (const std::string& c : channels) {
    if (!out.empty()) out += ' ';
    out += '&';
    out += c;
  }
  return out;
}

// ---- AclUser ----

AclUser::AclUser(std::string n, bool pubsub_allchannels) : name(std::move(n)) {
  selectors.emplace_back(kSelRoot | (pubsub_allchannels ? kSelAllChannels : 0u));
}

AclRuleError AclUser::Apply(std::string_view op, bool pubsub_allchannels) {
  if (op.empty()) return AclRuleError::kNone;
  if (EqualsNoCase(op, "on")) {
    flags = (flags | kUserOn) & ~kUserOff;
  } else if (EqualsNoCase(op, "off")) {
    flags = (flags | kUserOff) & ~kUserOn;
  } else if (EqualsNoCase(op, "skip-sanitize-payload")) {
    flags = (flags | kUserSkipSanitize) & ~kUserSanitize;
  } else if (EqualsNoCase(op, "sanitize-payload")) {
    flags = (flags | kUserSanitize) & ~kUserSkipSanitize;
  } else if (EqualsNoCase(op, "nopass")) {
    flags |= kUserNoPass;
    passwords.clear();
  } else if (EqualsNoCase(op, "resetpass")) {
    flags &= ~kUserNoPass;
    passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = AclHashPassword(op.substr(1));
    } else {
      if (!AclValidHash(op.substr(1))) return AclRuleError::kBadHash;
      hash = std::string(op.substr(1));
    }
    bool have = false;
    for (const std::string& p : passwords) have |= p == hash;
    if (!have) passwords.push_back(std::move(hash));
    flags &= ~kUserNoPass;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = AclHashPassword(op.substr(1));
    } else {
      if (!AclValidHash(op.substr(1))) return AclRuleError::kBadHash;
      hash = std::string(op.substr(1));
    }
    for (auto it = passwords.begin(); it != passwords.end(); ++it) {
      if (*it == hash) {
        passwords.erase(it);
        return AclRuleError::kNone;
      }
    }
    return AclRuleError::kNoSuchPassword;
  } else if (op[0] == '(' && op.back() == ')') {
    AclSelector s(pubsub_allchannels ? kSelAllChannels : 0u);
    std::string storage;
    std::vector<std::pair<size_t, size_t>> spans;
    // Unbalanced quotes give an empty selector, as Redis's split does.
    if (op.size() >= 2 && SplitArgs(op.substr(1, op.size() - 2), &storage, &spans)) {
      for (auto [off, len] : spans) {
        AclRuleError e = s.Apply(std::string_view(storage).substr(off, len), pubsub_allchannels);
        if (e != AclRuleError::kNone) return e;
      }
    }
    selectors.push_back(std::move(s));
  } else if (EqualsNoCase(op, "clearselectors")) {
    selectors.resize(1);
  } else if (EqualsNoCase(op, "reset")) {
    Apply("resetpass", pubsub_allchannels);
    Apply("resetkeys", pubsub_allchannels);
    Apply("resetchannels", pubsub_allchannels);
    if (pubsub_allchannels) Apply("allchannels", pubsub_allchannels);
    Apply("off", pubsub_allchannels);
    Apply("sanitize-payload", pubsub_allchannels);
    Apply("clearselectors", pubsub_allchannels);
    Apply("-@all", pubsub_allchannels);
  } else {
    return selectors[0].Apply(op, pubsub_allchannels);
  }
  return AclRuleError::kNone;
}

std::string AclUser::Describe() const {
  static const std::pair<uint32_t, const char*> kFlags[] = {{kUserOn, "on"},
                                                            {kUserOff, "off"},
                                                            {kUserNoPass, "nopass"},
                                                            {kUserSkipSanitize, "skip-sanitize-payload"},
                                                            {kUserSanitize, "sanitize-payload"}};
  std::string res;
  for (auto [bit, text] : kFlags) {
    if (flags & bit) {
      res += text;
      res += ' ';
    }
  }
  for (const std::string& p : passwords) {
    res += '#';
    res += p;
    res += ' ';
  }
  for (size_t i = 0; i < selectors.size(); ++i) {
    if (i == 0) {
      res += selectors[i].Describe();
    } else {
      res += " (";
      res += selectors[i].Describe();
      res += ')';
    }
  }
  return res;
}

void AclUser::CopyRulesFrom(const AclUser& other) {
  flags = other.flags;
  passwords = other.passwords;
  selectors = other.selectors;
}

bool AclUser::CheckPassword(std::string_view password) const {
  if (flags & kUserNoPass) return true;
  const std::string hash = AclHashPassword(password);
  bool ok = false;
  for (const std::string& p : passwords) ok |= ConstantTimeEqual(hash, p);
  return ok;
}


}  // namespace vireo
