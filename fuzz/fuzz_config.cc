// libFuzzer target for the config parser and the glob matcher: arbitrary
// bytes must give either success or an error text, never a crash or a hang.
// CONFIG REWRITE of arbitrary file text must not crash, and must give back
// the same values when the text was a valid config.
// Input layout: first byte picks the mode, the rest is the payload.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/glob.h"
#include "server/config.h"
#include "server/config_args.h"
#include "server/config_rewrite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      vireo::Config c;
      std::string err;
      if (!c.LoadFromString(in, &err) && err.empty()) __builtin_trap();
      break;
    }
    case 1: {
      // Pattern and subject separated by the first NUL.
      const size_t cut = in.find('\0');
      const std::string_view pat = in.substr(0, cut);
      const std::string_view s =
          cut == std::string_view::npos ? std::string_view() : in.substr(cut + 1);
      vireo::GlobMatch(pat, s, false);
      vireo::GlobMatch(pat, s, true);
      break;
    }
    case 2: {
      // Command-line words separated by NULs, then a round trip through the
      // quoting rules: every quoted word must split back to itself.
      std::vector<std::string> words;
      size_t start = 0;
      while (start <= in.size()) {
        size_t end = in.find('\0', start);
        if (end == std::string_view::npos) end = in.size();
        words.emplace_back(in.substr(start, end - start));
        start = end + 1;
      }
      for (const std::string& w : words) {
        std::vector<std::string> back;
        if (!vireo::SplitConfigArgs(vireo::QuoteConfigArg(w), &back) || back.size() != 1 ||
            back[0] != w) {
          if (w.find('\0') == std::string::npos) __builtin_trap();
        }
      }
      vireo::Config c;
      std::string err;
      c.LoadFromString(vireo::CommandLineToConfigText(words), &err);
      break;
    }
    case 3: {
      // CONFIG GET/SET with name/value pairs split on NULs.
      std::vector<std::string> parts;
      size_t start = 0;
      while (start <= in.size()) {
        size_t end = in.find('\0', start);
        if (end == std::string_view::npos) end = in.size();
        parts.emplace_back(in.substr(start, end - start));
        start = end + 1;
      }
      vireo::Config c;
      std::vector<std::pair<std::string_view, std::string_view>> pairs;
      for (size_t i = 0; i + 1 < parts.size(); i += 2) {
        pairs.emplace_back(parts[i], parts[i + 1]);
      }
      const vireo::ServerConfig before = c.values();
      if (!c.Set(pairs).empty() && c.values().port != before.port) {
        __builtin_trap();  // a failed SET must leave values untouched
      }
      std::vector<std::string_view> pats(parts.begin(), parts.end());
      c.Get(pats);
      break;
    }
    case 4: {
      // CONFIG REWRITE of any old file text; when the text is a valid
      // config, the rewritten text must load to the same values.
      vireo::Config c;
      std::string err;
      const bool valid = c.LoadFromString(in, &err);
      vireo::RewriteInputs ri;
      ri.values = &c.values();
      const std::string out = vireo::RewriteConfigText(in, ri);
      if (!valid) break;
      vireo::Config again;
      if (!again.LoadFromString(out, &err)) __builtin_trap();
      if (again.Get({"*"}) != c.Get({"*"})) __builtin_trap();
      break;
    }
  }
  return 0;
}
