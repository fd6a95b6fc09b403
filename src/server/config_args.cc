#include "server/config_args.h"

#include <cstdio>

namespace vireo {
namespace {

// isspace() in the C locale, without its locale dependence.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
    if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
    if (x != y) return false;
  }
  return true;
}

bool StartsWithDashDash(std::string_view s) { return s.size() >= 2 && s[0] == '-' && s[1] == '-'; }

}  // namespace

bool SplitConfigArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  // A NUL ends the line, as it does for the C string Redis parses.
  if (size_t nul = line.find('\0'); nul != std::string_view::npos) {
    line = line.substr(0, nul);
  }
  const size_t n = line.size();
  size_t i = 0;
  auto at = [&](size_t k) { return k < n ? line[k] : '\0'; };
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string cur;
    enum { kPlain, kDouble, kSingle } mode = kPlain;
    bool done = false;
    while (!done) {
      const char c = at(i);
      if (mode == kDouble) {
        if (c == '\\' && at(i + 1) == 'x' && HexValue(at(i + 2)) >= 0 && HexValue(at(i + 3)) >= 0) {
          cur.push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          switch (line[i]) {
            case 'n':
              cur.push_back('\n');
              break;
            case 'r':
              cur.push_back('\r');
              break;
            case 't':
              cur.push_back('\t');
              break;
            case 'b':
              cur.push_back('\b');
              break;
            case 'a':
              cur.push_back('\a');
              break;
            default:
              cur.push_back(line[i]);
              break;
          }
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          cur.push_back(c);
        }
      } else if (mode == kSingle) {
        if (c == '\\' && at(i + 1) == '\'') {
          cur.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          cur.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            mode = kDouble;
            break;
          case '\'':
            mode = kSingle;
            break;
          default:
            cur.push_back(c);
            break;
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
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
