// AclUser and AclSelector: one ACL user as Redis 7.0 keeps it — flags
// (on/off, nopass, sanitize-payload), SHA-256 password hashes, and selectors:
// the root one (rules written outside parentheses) plus any `(...)` ones.
// A selector holds a command bitmap over AclCatalog ids (with Redis's
// reserved "future commands" bit set only by +@all), allowed first
// arguments, key patterns with read/write flags and channel patterns.
// ApplyRule is ACL SETUSER's grammar for one rule; Describe* give the texts
// ACL LIST / GETUSER / ACL SAVE print, as Redis builds them.
// Thread rule: plain values; the node's main thread owns the users.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vireo {

enum AclKeyPerm : uint8_t { kAclKeyRead = 1, kAclKeyWrite = 2, kAclKeyAll = 3 };

enum AclSelectorFlag : uint32_t {
  kSelRoot = 1,
  kSelAllKeys = 2,
  kSelAllChannels = 4,
  kSelAllCommands = 8,
};

enum AclUserFlag : uint32_t {
  kUserOn = 1,
  kUserOff = 2,
  kUserNoPass = 4,
  kUserSkipSanitize = 8,
  kUserSanitize = 16,
};

// Why a rule was refused (Redis's errno values, each with its text).
enum class AclRuleError {
  kNone,
  kSyntax,          // EINVAL
  kUnknownCommand,  // ENOENT
  kKeyAfterAll,     // EEXIST
  kChannelAfterAll, // EISDIR
  kNoSuchPassword,  // ENODEV
  kBadHash,         // EBADMSG
  kDuplicateUser,   // EALREADY
  kSubcommandArg,   // ECHILD
};
const char* AclRuleErrorText(AclRuleError e);

struct AclKeyPattern {
  std::string pattern;
  uint8_t perm;  // AclKeyPerm bits
};

struct AclSelector {
  uint32_t flags = 0;
  std::vector<uint64_t> allowed;  // bit per catalog id + the reserved bit
  std::map<int, std::vector<std::string>> firstargs;  // id -> allowed argv[1]
  std::vector<AclKeyPattern> patterns;
  std::vector<std::string> channels;

  explicit AclSelector(uint32_t f = 0);
  bool Bit(int id) const { return (allowed[size_t(id) >> 6] >> (id & 63)) & 1; }
  void SetBit(int id, bool on);
  bool AllowsFutureCommands() const;
  // One selector rule (keys, channels, commands). kNone on success.
  AclRuleError Apply(std::string_view op, bool pubsub_allchannels);
  // The command rules only ("+@all -debug", "-@all +get").
  std::string DescribeCommands() const;
  // keys, channels and command rules as ACL LIST shows one selector.
  std::string Describe() const;
  // GETUSER's "keys" and "channels" values.
  std::string KeysText() const;
  std::string ChannelsText() const;
};

struct AclUser {
  std::string name;
  uint32_t flags = kUserOff;
  std::vector<std::string> passwords;  // lower-case hex SHA-256, insertion order
  std::vector<AclSelector> selectors;  // [0] is the root selector

  AclUser(std::string n, bool pubsub_allchannels);
  // One SETUSER rule. `pubsub_allchannels` is acl-pubsub-default.
  AclRuleError Apply(std::string_view op, bool pubsub_allchannels);
  // Everything after "user <name> " in ACL LIST.
  std::string Describe() const;
  // Copies everything but the name (Redis's ACLCopyUser).
  void CopyRulesFrom(const AclUser& other);
  bool CheckPassword(std::string_view password) const;
  // The root selector allows every command, key and channel and there is
  // no other selector to consult: permission checks can be skipped.
  bool unrestricted() const {
    constexpr uint32_t kAll = kSelAllCommands | kSelAllKeys | kSelAllChannels;
    return (selectors[0].flags & kAll) == kAll;
  }
};

// Lower-case hex SHA-256 of a password (64 characters).
std::string AclHashPassword(std::string_view password);
// Redis's check of a `#hash`: exactly 64 characters of [0-9a-f].
bool AclValidHash(std::string_view hash);
// True when s has a white-space character or a NUL (not allowed in user
// names and patterns).
bool AclHasSpaces(std::string_view s);
// Joins selector rules given over several arguments ("(~a" "+get)") into
// one, as Redis's ACLMergeSelectorArguments. False with *bad_index set to
// the argument that opens an unclosed parenthesis.
bool AclMergeSelectorArgs(const std::vector<std::string>& in, std::vector<std::string>* out, size_t* bad_index);

}  // namespace vireo
