// Parser and printer of the forwarder's state file (state.h).
#include "forwarder/state.h"

#include <arpa/inet.h>

#include <charconv>
#include <set>

namespace vireo::forwarder {
namespace {

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename T>
bool Number(std::string_view s, T* out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool Port(std::string_view s, uint16_t* out) {
  uint32_t v = 0;
  if (!Number(s, &v) || v == 0 || v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

bool Address(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  std::string z(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, z.c_str(), buf) == 1 || inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

}  // namespace

bool ParseState(std::string_view text, State* out, std::string* error) {
  State st;
  if (text.size() > kMaxStateBytes) {
    *error = "state file larger than 1 MiB";
    return false;
  }
  std::set<uint16_t> ports;
  bool header = false;
  size_t lineno = 0;
  auto fail = [&](const std::string& why) {
    *error = "line " + std::to_string(lineno) + ": " + why;
    return false;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto w = Words(line);
    if (w.empty() || w[0][0] == '#') continue;
    if (!header) {
      if (w.size() != 2 || w[0] != "vireo-forwarder-state" || w[1] != "1")
        return fail("expected 'vireo-forwarder-state 1' first");
      header = true;
      continue;
    }
    if (w[0] == "generation") {
      if (w.size() != 2 || !Number(w[1], &st.generation)) return fail("generation takes one number");
    } else if (w[0] == "bind") {
      if (w.size() != 2 || !Address(w[1])) return fail("bind takes one IP address");
      if (st.binds.size() >= kMaxBinds) return fail("too many bind addresses");
      st.binds.emplace_back(w[1]);
    } else if (w[0] == "endpoint") {
      if (w.size() < 3) return fail("endpoint takes a port, a kind and target ports");
      EndpointSpec ep;
      if (!Port(w[1], &ep.port)) return fail("bad endpoint port");
      if (w[2] == "primary") {
        ep.kind = Kind::kPrimary;
      } else if (w[2] == "reader") {
        ep.kind = Kind::kReader;
      } else {
        return fail("endpoint kind is primary or reader");
      }
      if (w.size() - 3 > kMaxTargets) return fail("too many targets");
      for (size_t i = 3; i < w.size(); ++i) {
        uint16_t t;
        if (!Port(w[i], &t)) return fail("bad target port");
        ep.targets.push_back(t);
      }
      if (!ports.insert(ep.port).second) return fail("endpoint port listed twice");
      if (st.endpoints.size() >= kMaxEndpoints) return fail("too many endpoints");
      st.endpoints.push_back(std::move(ep));
    } else {
      return fail("unknown directive");
    }
  }
  if (!header) {
    lineno = 0;
    return fail("empty state file");
  }
  *out = std::move(st);
  return true;
}

std::string FormatState(const State& st) {
  std::string s = "vireo-forwarder-state 1\ngeneration " + std::to_string(st.generation) + "\n";
  for (const auto& b : st.binds) s += "bind " + b + "\n";
  for (const auto& ep : st.endpoints) {
    s += "endpoint " + std::to_string(ep.port) + (ep.kind == Kind::kPrimary ? " primary" : " reader");
    for (uint16_t t : ep.targets) s += " " + std::to_string(t);
    s += "\n";
  }
  return s;
}

}  // namespace vireo::forwarder
