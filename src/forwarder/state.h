// The forwarder's routing table as the manager writes it (the control
// channel of vireo-forwarder): which endpoint ports to listen on and where
// each one's connections go. The manager rewrites the whole file and sends
// SIGHUP; the forwarder parses it here and keeps its old table when the text
// is refused. The text is outside input, so the parser is strict and bounded
// (fuzz/fuzz_forwarder_state.cc).
//
// Format, one directive a line, '#' starts a comment line:
//   vireo-forwarder-state 1          first line, the format version
//   generation <u64>                 echoed in the .applied acknowledgement
//   bind <IPv4 or IPv6 address>      an address to listen on besides
//                                    127.0.0.1 (at most 8)
//   endpoint <port> primary|reader [<target port> ...]
// Targets are ports on 127.0.0.1 (the nodes); an endpoint with no target
// holds new connections in its listen backlog (a failover in progress).
//
// Threading: pure functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vireo::forwarder {

enum class Kind : uint8_t { kPrimary, kReader };

struct EndpointSpec {
  uint16_t port = 0;
  Kind kind = Kind::kPrimary;
  std::vector<uint16_t> targets;
  bool operator==(const EndpointSpec&) const = default;
};

struct State {
  uint64_t generation = 0;
  std::vector<std::string> binds;
  std::vector<EndpointSpec> endpoints;   // ports distinct
  bool operator==(const State&) const = default;
};

inline constexpr size_t kMaxStateBytes = 1 << 20;
inline constexpr size_t kMaxEndpoints = 4096;
inline constexpr size_t kMaxTargets = 64;
inline constexpr size_t kMaxBinds = 8;

// Fills *out and returns true, or returns false with a one-line reason
// ("line N: ...") in *error.
bool ParseState(std::string_view text, State* out, std::string* error);

// The text ParseState reads back to the same State.
std::string FormatState(const State& state);

}  // namespace vireo::forwarder
