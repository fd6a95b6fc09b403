#include "server/config_args.h"

#include <cstdio>

#include "base/ascii.h"
#include "base/split_args.h"

namespace vireo {
namespace {

bool StartsWithDashDash(std::string_view s) { return s.size() >= 2 && s[0] == '-' && s[1] == '-'; }

}  // namespace

bool SplitConfigArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  std::string storage;
  std::vector<std::pair<size_t, size_t>> spans;
  if (!SplitArgs(line, &storage, &spans)) return false;
  for (auto [off, len] : spans) out->emplace_back(storage, off, len);
  return true;
}

std::string QuoteConfigArg(std::string_view arg) {
  std::string out = "\"";
  for (char c : arg) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) {
          out.push_back(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string CommandLineToConfigText(const std::vector<std::string>& args) {
  std::string text;
  // False right after an option name that carried no value: the next word is
  // then taken as its value even if it starts with "--" (e.g. a password).
  bool name_has_value = true;
  std::vector<std::string> words;
  for (size_t j = 0; j < args.size(); ++j) {
    const std::string& a = args[j];
    if (name_has_value && StartsWithDashDash(a)) {
      if (!text.empty()) text.push_back('\n');
      text.append(a, 2);
      text.push_back(' ');
      // "--port 6380" passed as one word already carries its value.
      const bool bare_name = SplitConfigArgs(a, &words) && words.size() == 1;
      name_has_value = !bare_name;
      if (bare_name && EqualsNoCase(a, "--save")) {
        const bool last = j + 1 == args.size();
        if (last || StartsWithDashDash(args[j + 1])) {
          text += "\"\"";
          name_has_value = !last;
        }
      }
    } else {
      text += QuoteConfigArg(a);
      text.push_back(' ');
      name_has_value = true;
    }
  }
  return text;
}

}  // namespace vireo
