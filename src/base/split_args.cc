#include "base/split_args.h"

#include "base/ascii.h"

namespace vireo {

bool SplitArgs(std::string_view line, std::string* storage, std::vector<std::pair<size_t, size_t>>* spans) {
  if (size_t nul = line.find('\0'); nul != std::string_view::npos) line = line.substr(0, nul);
  const size_t n = line.size();
  auto at = [&](size_t k) { return k < n ? line[k] : '\0'; };
  size_t i = 0;
  while (true) {
    while (i < n && IsCSpace(line[i])) ++i;
    if (i >= n) return true;
    size_t start = storage->size();
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      char c = at(i);
      if (in_double) {
        if (c == '\\' && at(i + 1) == 'x' && HexValue(at(i + 2)) >= 0 && HexValue(at(i + 3)) >= 0) {
          storage->push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 4;
        } else if (c == '\\' && at(i + 1) != '\0') {
          char e = at(i + 1);
          switch (e) {
            case 'n': e = '\n'; break;
            case 'r': e = '\r'; break;
            case 't': e = '\t'; break;
            case 'b': e = '\b'; break;
            case 'a': e = '\a'; break;
            default: break;  // \\ \" and any other escaped byte stand for themselves
          }
          storage->push_back(e);
          i += 2;
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsCSpace(at(i + 1))) return false;  // must end the argument
          done = true;
          ++i;
        } else if (c == '\0') {
          return false;  // unterminated quotes
        } else {
          storage->push_back(c);
          ++i;
        }
      } else if (in_single) {
        if (c == '\\' && at(i + 1) == '\'') {
          storage->push_back('\'');
          i += 2;
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsCSpace(at(i + 1))) return false;
          done = true;
          ++i;
        } else if (c == '\0') {
          return false;
        } else {
          storage->push_back(c);
          ++i;
        }
      } else {
        switch (c) {
          // Only these end a bare argument: "\v" and "\f" stay inside it.
          case ' ': case '\n': case '\r': case '\t': case '\0':
            done = true;
            if (c != '\0') ++i;
            break;
          case '"': in_double = true; ++i; break;
          case '\'': in_single = true; ++i; break;
          default: storage->push_back(c); ++i; break;
        }
      }
    }
    spans->emplace_back(start, storage->size() - start);
  }
}

}  // namespace vireo
