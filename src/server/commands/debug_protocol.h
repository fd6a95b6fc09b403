// DEBUG PROTOCOL <type>: a fixed test value of each reply type, so client
// libraries can check their RESP2/RESP3 parsers against the server. The
// values and the RESP2 down-conversions are Redis 7.0's.
// Thread rule: main thread, one command at a time (writes to one reply).
#pragma once
#include <string_view>

#include "resp/reply_builder.h"

namespace vireo {

// Writes the test value for `type` (any case), or Redis's error naming the
// known types.
void DebugProtocolReply(std::string_view type, ReplyBuilder& r);

}  // namespace vireo
