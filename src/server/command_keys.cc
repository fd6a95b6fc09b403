#include "server/command_keys.h"

#include <algorithm>
#include <cstring>

#include "base/ascii.h"
#include "base/numbers.h"

namespace vireo {
namespace {

std::vector<std::string> Words(const char* text) {
  std::vector<std::string> out;
  const char* p = text ? text : "";
  while (*p) {
    while (*p == ' ') ++p;
    const char* start = p;
    while (*p && *p != ' ') ++p;
    if (p > start) out.emplace_back(start, size_t(p - start));
  }
  return out;
}

// BITFIELD only reads its key when every operation is a GET (two arguments)
// or an OVERFLOW (one); a SET or INCRBY, or anything else, makes it a
// write, as Redis 7.0 decides for its VARIABLE_FLAGS key spec.
bool BitfieldReadOnly(const std::vector<std::string_view>& args, size_t offset) {
  size_t i = offset + 2;
  while (i < args.size()) {
    size_t left = args.size() - i - 1;
    if (EqualsNoCase(args[i], "get") && left >= 2) {
      i += 3;
    } else if (EqualsNoCase(args[i], "overflow") && left >= 1) {
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}

// Walks c's key specs over args, calling emit(pos, spec, set_get) for each
// key. set_get says how a VARIABLE_FLAGS spec is used by this call (Redis
// computes those flags per call): for SET, 1 with its GET option (RW access
// update), 0 without (OW update); for BITFIELD, 2 when it only reads (RO
// access), 1 otherwise; -1 for every other spec (its own flags).
// Returns false when a spec does not fit the arguments (Redis's invalid
// spec: a key count that is not a number, below 1 or past the end, an index
// past the end); the keys of the specs that fit are emitted anyway (callers
// checking access want them).
template <typename Emit>
bool WalkKeySpecs(const Command* c, const std::vector<std::string_view>& args, size_t offset, Emit emit) {
  bool valid = true;
  int argc = int(args.size() - offset);
  auto arg = [&](int i) { return args[offset + size_t(i)]; };
  for (const KeySpec& k : c->spec->key_specs) {
    int start = -1;
    if (!strcmp(k.bs_type, "index")) {
      start = k.bs_index;
    } else if (!strcmp(k.bs_type, "keyword")) {
      int from = k.bs_startfrom >= 0 ? k.bs_startfrom : argc + k.bs_startfrom;
      int step = k.bs_startfrom >= 0 ? 1 : -1;
      // Redis does not look at the far end: the last argument going
      // forwards, the first (after the name) going backwards.
      for (int i = from; i > (step < 0 ? 1 : 0) && i < argc - (step > 0 ? 1 : 0); i += step) {
        if (EqualsNoCase(arg(i), k.bs_keyword)) {
          start = i + 1;
          break;
        }
      }
    }
    if (start <= 0) continue;  // keyword not found
    if (start >= argc) {
      valid = false;
      continue;
    }
    int set_get = -1;
    if (strstr(k.flags, "variable_flags") != nullptr && c->full_name == "set") {
      set_get = 0;
      for (int i = 3; i < argc; ++i) set_get |= EqualsNoCase(arg(i), "get") ? 1 : 0;
    } else if (strstr(k.flags, "variable_flags") != nullptr && c->full_name == "bitfield") {
      set_get = BitfieldReadOnly(args, offset) ? 2 : 1;
    }
    if (!strcmp(k.fk_type, "range")) {
      int lastkey = k.fk_a, step = std::max(1, k.fk_b), limit = k.fk_c;
      int last;
      if (lastkey >= 0) {
        last = start + lastkey;
      } else if (limit <= 1) {
        last = argc + lastkey;
      } else {
        last = start + (argc - start) / limit + lastkey;
      }
      if (last >= argc || last < start) valid = false;
      for (int i = start; i <= last && i < argc; i += step) emit(offset + size_t(i), k, set_get);
    } else if (!strcmp(k.fk_type, "keynum")) {
      long long n = 0;
      int idx = start + k.fk_a;
      if (idx >= argc || !ParseInt64(arg(idx), &n) || n < 0) {
        valid = false;
        continue;
      }
      int first = start + k.fk_b;
      if (n < 1 || first >= argc || first + n - 1 >= argc) valid = false;
      for (long long j = 0; j < n && first + j * std::max(1, k.fk_c) < argc; ++j) {
        emit(offset + size_t(first + j * std::max(1, k.fk_c)), k, set_get);
      }
    }
  }
  return valid;
}

bool FindKeys(const Command* c, const std::vector<std::string_view>& args, size_t offset,
              std::vector<FoundKey>* out) {
  const bool valid = WalkKeySpecs(c, args, offset, [&](size_t pos, const KeySpec& k, int set_get) {
    if (set_get == 2) {
      out->push_back({pos, {"RO", "access"}});
    } else if (set_get == 1) {
      out->push_back({pos, {"RW", "access", "update"}});
    } else if (set_get == 0) {
      out->push_back({pos, {"OW", "update"}});
    } else {
      out->push_back({pos, Words(k.flags)});
    }
  });
  // As Redis's COMMAND GETKEYS: a spec that does not fit means no keys.
  if (!valid) out->clear();
  return !out->empty();
}

// SORT's keys (its key specs leave STORE "unknown"): the sorted key, then
// the destination of the last STORE that has a value. Like Redis, the scan
// skips the values of LIMIT (two), GET and BY (one each), but not the value
// of a STORE, so `STORE limit 0 1` names the key "limit".
void SortKeys(const std::vector<std::string_view>& args, size_t offset, std::vector<FoundKey>* out) {
  const size_t argc = args.size() - offset;
  out->push_back({offset + 1, {"RO", "access"}});
  size_t store = 0;
  for (size_t i = 2; i < argc; ++i) {
    const std::string_view a = args[offset + i];
    if (EqualsNoCase(a, "limit")) {
      i += 2;
    } else if (EqualsNoCase(a, "get") || EqualsNoCase(a, "by")) {
      i += 1;
    } else if (EqualsNoCase(a, "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store != 0) out->push_back({offset + store, {"OW", "update"}});
}

// MIGRATE's keys for COMMAND GETKEYS (its KEYS spec is incomplete, so Redis
// asks the command): the key argument, or with KEYS (looked for from the
// 7th argument, skipping the values of AUTH and AUTH2) every argument after
// it, and then the key argument must be empty. Flags are RW access delete.
bool MigrateKeys(const std::vector<std::string_view>& args, size_t offset, std::vector<FoundKey>* out) {
  const size_t argc = args.size() - offset;
  size_t first = 3, num = 1;
  // The key specs first, as Redis: without a KEYS keyword before the last
  // argument the spec of the key argument alone applies.
  bool keyword = false;
  for (size_t i = argc - 2; i >= 2 && !keyword; --i) keyword = EqualsNoCase(args[offset + i], "keys");
  if (!keyword) {
    out->push_back({offset + 3, {"RW", "access", "delete"}});
    return true;
  }
  for (size_t i = 6; i < argc; ++i) {
    const std::string_view a = args[offset + i];
    if (EqualsNoCase(a, "keys")) {
      if (!args[offset + 3].empty()) return false;
      first = i + 1;
      num = argc - first;
      break;
    }
    if (EqualsNoCase(a, "auth")) {
      i += 1;
    } else if (EqualsNoCase(a, "auth2")) {
      i += 2;
    }
  }
  for (size_t i = 0; i < num; ++i) out->push_back({offset + first + i, {"RW", "access", "delete"}});
  return !out->empty();
}

}  // namespace

void FindCommandKeyAccess(const Command* c, const std::vector<std::string_view>& args,
                          const std::vector<uint8_t>& spec_access, std::vector<KeyAccess>* out) {
  if (c->full_name == "sort") {
    std::vector<FoundKey> keys;
    SortKeys(args, 0, &keys);
    for (const FoundKey& k : keys) {
      out->push_back({k.pos, uint8_t(k.flags[0] == "RO" ? kKeyAccessRead : kKeyAccessWrite)});
    }
    return;
  }
  const KeySpec* first = c->spec->key_specs.data();
  WalkKeySpecs(c, args, 0, [&](size_t pos, const KeySpec& k, int set_get) {
    const uint8_t spec_bits = spec_access[size_t(&k - first)];
    if (spec_bits & 0x80) return;  // a shard channel, not a key
    uint8_t bits = set_get == 2   ? uint8_t(kKeyAccessRead)
                   : set_get == 1 ? uint8_t(kKeyAccessRead | kKeyAccessWrite)
                   : set_get == 0 ? uint8_t(kKeyAccessWrite)
                                  : spec_bits;
    out->push_back({pos, bits});
  });
}

bool FindCommandKeys(const Command* c, const std::vector<std::string_view>& args, size_t offset,
                     std::vector<FoundKey>* out) {
  if (c->full_name == "sort") {
    SortKeys(args, offset, out);
    return true;
  }
  if (c->full_name == "migrate") return MigrateKeys(args, offset, out);
  return FindKeys(c, args, offset, out);
}

}  // namespace vireo
