// The protocol error texts Redis 7.0.15 sends before closing a connection
// that broke the request framing, verbatim and without the "-ERR " prefix
// (RespParser::error() returns one of these). Clients and tests match on them.
// Threading: constants only.
#pragma once

#include <string_view>

namespace vireo::proto_err {

inline constexpr std::string_view kInvalidMultibulkLength = "Protocol error: invalid multibulk length";
inline constexpr std::string_view kInvalidBulkLength = "Protocol error: invalid bulk length";
// Followed by the offending byte and a closing quote: "...got 'X'".
inline constexpr std::string_view kExpectedDollarPrefix = "Protocol error: expected '$', got '";
inline constexpr std::string_view kTooBigMbulkCount = "Protocol error: too big mbulk count string";
inline constexpr std::string_view kTooBigBulkCount = "Protocol error: too big bulk count string";
inline constexpr std::string_view kTooBigInline = "Protocol error: too big inline request";
inline constexpr std::string_view kUnbalancedQuotes = "Protocol error: unbalanced quotes in request";

}  // namespace vireo::proto_err
