#include "persistence/aof_manifest.h"

#include <cstdlib>
#include <cstring>
#include <strings.h>

#include "base/split_args.h"

namespace vireo {

namespace {

// Redis reads a manifest line with fgets into a 1024-byte buffer.
constexpr size_t kMaxLine = 1024;

bool NeedsRepr(std::string_view s) {
  // Quotes anywhere in a bare token start a quoted part when read back (sdssplitargs), so they need quoting too.
  for (unsigned char c : s) {
    if (c == '\\' || c == '"' || c == '\'' || c == '\n' || c == '\r' || c == '\t' || c == '\a' || c == '\b' || !isprint(c) ||
        isspace(c)) {
      return true;
    }
  }
  return false;
}

void AppendInfo(std::string* out, const AofFileInfo& f) {
  *out += "file ";
  *out += NeedsRepr(f.name) ? QuoteRepr(f.name) : f.name;
  *out += " seq ";
  *out += std::to_string(f.seq);
  *out += " type ";
  *out += f.type;
  *out += '\n';
}

}  // namespace

std::string QuoteRepr(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (isprint(c)) {
          out += char(c);
        } else {
          char hex[8];
          snprintf(hex, sizeof(hex), "\\x%02x", c);
          out += hex;
        }
    }
  }
  out += '"';
  return out;
}

std::string AofManifestName(std::string_view prefix) { return std::string(prefix) + ".manifest"; }

std::string AofBaseName(std::string_view prefix, long long seq, bool rdb) {
  return std::string(prefix) + "." + std::to_string(seq) + ".base." + (rdb ? "rdb" : "aof");
}

std::string AofIncrName(std::string_view prefix, long long seq) {
  return std::string(prefix) + "." + std::to_string(seq) + ".incr.aof";
}

std::string AofManifest::Format() const {
  std::string out;
  if (base) AppendInfo(&out, *base);
  for (const AofFileInfo& f : history) AppendInfo(&out, f);
  for (const AofFileInfo& f : incr) AppendInfo(&out, f);
  return out;
}

bool AofManifest::Parse(std::string_view text, AofManifest* out, std::string* error) {
  *out = AofManifest();
  long long maxseq = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    // Read as Redis does, with fgets into a 1024-byte buffer: a chunk ends
    // after a newline or at 1024 bytes. A comment chunk is skipped (the rest
    // of a long comment line is read as a chunk of its own); any other chunk
    // must hold its whole line.
    size_t nl = text.find('\n', pos);
    size_t len = nl == std::string_view::npos ? text.size() - pos : nl + 1 - pos;
    if (len > kMaxLine) len = kMaxLine;
    std::string_view raw = text.substr(pos, len);
    pos += len;
    if (raw[0] == '#') continue;
    if (raw.back() != '\n') {
      *error = "The AOF manifest file contains too long line";
      return false;
    }
    // sdstrim(" \t\r\n")
    size_t a = 0, b = raw.size();
    while (a < b && strchr(" \t\r\n", raw[a])) ++a;
    while (b > a && strchr(" \t\r\n", raw[b - 1])) --b;
    std::string_view line = raw.substr(a, b - a);
    if (line.empty()) {
      *error = "Invalid AOF manifest file format";
      return false;
    }
    std::string storage;
    std::vector<std::pair<size_t, size_t>> spans;
    if (!SplitArgs(line, &storage, &spans) || spans.size() < 6 || spans.size() % 2) {
      *error = "Invalid AOF manifest file format";
      return false;
    }
    AofFileInfo info;
    bool have_name = false;
    char type = 0;
    for (size_t i = 0; i < spans.size(); i += 2) {
      std::string key = storage.substr(spans[i].first, spans[i].second);
      std::string value = storage.substr(spans[i + 1].first, spans[i + 1].second);
      if (strcasecmp(key.c_str(), "file") == 0) {
        info.name = value;
        have_name = true;
        if (value.find('/') != std::string::npos) {
          *error = "File can't be a path, just a filename";
          return false;
        }
      } else if (strcasecmp(key.c_str(), "seq") == 0) {
        info.seq = atoll(value.c_str());
      } else if (strcasecmp(key.c_str(), "type") == 0) {
        type = value.empty() ? 0 : value[0];
      }
      // Other keys are ignored (forward compatibility, as Redis).
    }
    if (!have_name || info.name.empty() || !info.seq || !type) {
      *error = "Invalid AOF manifest file format";
      return false;
    }
    info.type = type;
    if (type == 'b') {
      if (out->base) {
        *error = "Found duplicate base file information";
        return false;
      }
      out->curr_base_seq = info.seq;
      out->base = std::move(info);
    } else if (type == 'h') {
      out->history.push_back(std::move(info));
    } else if (type == 'i') {
      if (info.seq <= maxseq) {
        *error = "Found a non-monotonic sequence number";
        return false;
      }
      maxseq = info.seq;
      out->curr_incr_seq = info.seq;
      out->incr.push_back(std::move(info));
    } else {
      *error = "Unknown AOF file type";
      return false;
    }
  }
  if (out->empty()) {
    *error = "Found an empty AOF manifest";
    return false;
  }
  return true;
}

}  // namespace vireo
