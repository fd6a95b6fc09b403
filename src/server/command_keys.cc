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

bool FindKeys(const Command* c, const std::vector<std::string_view>& args, size_t offset,
              std::vector<FoundKey>* out) {
  int argc = int(args.size() - offset);
  auto arg = [&](int i) { return args[offset + size_t(i)]; };
  for (const KeySpec& k : c->spec->key_specs) {
    int start = -1;
    if (!strcmp(k.bs_type, "index")) {
      start = k.bs_index;
    } else if (!strcmp(k.bs_type, "keyword")) {
      int from = k.bs_startfrom >= 0 ? k.bs_startfrom : argc + k.bs_startfrom;
      int step = k.bs_startfrom >= 0 ? 1 : -1;
      for (int i = from; i > 0 && i < argc; i += step) {
        if (EqualsNoCase(arg(i), k.bs_keyword)) {
          start = i + 1;
          break;
        }
      }
    }
    if (start <= 0 || start >= argc) continue;
    std::vector<std::string> flags = Words(k.flags);
    // SET's flags depend on GET (Redis computes them per call for VARIABLE_FLAGS specs).
    if (std::find(flags.begin(), flags.end(), "variable_flags") != flags.end() && c->full_name == "set") {
      bool get = false;
      for (int i = 3; i < argc; ++i) get |= EqualsNoCase(arg(i), "get");
      flags = get ? std::vector<std::string>{"RW", "access", "update"} : std::vector<std::string>{"OW", "update"};
    }
    std::vector<int> positions;
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
      for (int i = start; i <= last && i < argc; i += step) positions.push_back(i);
    } else if (!strcmp(k.fk_type, "keynum")) {
      long long n = 0;
      int idx = start + k.fk_a;
      if (idx >= argc || !ParseInt64(arg(idx), &n) || n < 0) continue;
      int first = start + k.fk_b;
      for (long long j = 0; j < n && first + j * std::max(1, k.fk_c) < argc; ++j) {
        positions.push_back(int(first + j * std::max(1, k.fk_c)));
      }
    }
    for (int p : positions) out->push_back({offset + size_t(p), flags});
  }
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

}  // namespace

bool FindCommandKeys(const Command* c, const std::vector<std::string_view>& args, size_t offset,
                     std::vector<FoundKey>* out) {
  if (c->full_name == "sort") {
    SortKeys(args, offset, out);
    return true;
  }
  return FindKeys(c, args, offset, out);
}

}  // namespace vireo
