// AofManifest: Redis 7.0's multi-part AOF manifest, the file that lists a
// directory's AOF files ("file NAME seq N type b|h|i" per line). One base
// file (an RDB preamble or AOF commands), the incremental files appended
// since, in sequence order, and history files a rewrite left for deletion.
// Parsing follows redis-server's rules and error texts (quoting as
// sdssplitargs, comments, forward-compatible extra key/value pairs);
// formatting quotes a name the way Redis's sdscatrepr does when it needs it.
// Thread rule: plain data, no shared state.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vireo {

struct AofFileInfo {
  std::string name;
  long long seq = 0;
  char type = 'i';  // 'b' base, 'h' history, 'i' incremental
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> incr;     // ascending seq
  std::vector<AofFileInfo> history;  // to delete
  long long curr_base_seq = 0;
  long long curr_incr_seq = 0;

  bool empty() const { return !base && incr.empty(); }
  // The manifest text, as Redis writes it: base, then history, then incr files.
  std::string Format() const;
  // Parses a manifest's text. False with Redis's message in *error.
  static bool Parse(std::string_view text, AofManifest* out, std::string* error);
};

// The files' names for appendfilename `prefix` (Redis's naming).
std::string AofManifestName(std::string_view prefix);  // prefix.manifest
std::string AofBaseName(std::string_view prefix, long long seq, bool rdb);  // prefix.seq.base.rdb|aof
std::string AofIncrName(std::string_view prefix, long long seq);           // prefix.seq.incr.aof
// Redis's sdscatrepr: "..." with escapes, used when a name has characters that need them.
std::string QuoteRepr(std::string_view s);

}  // namespace vireo
