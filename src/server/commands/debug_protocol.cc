#include "server/commands/debug_protocol.h"

#include <string>

#include "base/ascii.h"

namespace vireo {
namespace {

// A RESP3 big number; RESP2 has none, so it travels as a bulk string.
void BigNumber(ReplyBuilder& r, std::string_view digits) {
  if (r.proto() < 3) {
    r.Bulk(digits);
    return;
  }
  r.Raw("(");
  r.Raw(digits);
  r.Raw("\r\n");
}

}  // namespace

void DebugProtocolReply(std::string_view type, ReplyBuilder& r) {
  auto is = [&](std::string_view name) { return EqualsNoCase(type, name); };
  if (is("string")) {
    r.Bulk("Hello World");
  } else if (is("integer")) {
    r.Integer(12345);
  } else if (is("double")) {
    r.Double(3.141);
  } else if (is("bignum")) {
    BigNumber(r, "1234567999999999999999999999999999999");
  } else if (is("null")) {
    r.Null();
  } else if (is("array")) {
    r.ArrayHeader(3);
    for (int j = 0; j < 3; ++j) r.Integer(j);
  } else if (is("set")) {
    r.SetHeader(3);
    for (int j = 0; j < 3; ++j) r.Integer(j);
  } else if (is("map")) {
    // RESP2 flattens the map and turns the booleans into 1/0.
    r.MapHeader(3);
    for (int j = 0; j < 3; ++j) {
      r.Integer(j);
      r.Bool(j == 1);
    }
  } else if (is("attrib")) {
    // RESP2 has no attributes: only the reply that follows them is sent.
    if (r.proto() >= 3) {
      r.Raw("|1\r\n");
      r.Bulk("key-popularity");
      r.ArrayHeader(2);
      r.Bulk("key:123");
      r.Integer(90);
    }
    r.Bulk("Some real reply following the attribute");
  } else if (is("push")) {
    if (r.proto() < 3) {
      r.Error("ERR RESP2 is not supported by this command");
      return;
    }
    r.PushHeader(2);
    r.Bulk("server-cpu-usage");
    r.Integer(42);
    r.Bulk("Some real reply following the push reply");
  } else if (is("true")) {
    r.Bool(true);
  } else if (is("false")) {
    r.Bool(false);
  } else if (is("verbatim")) {
    r.Verbatim("This is a verbatim\nstring", "txt");
  } else {
    r.Error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

}  // namespace vireo
