// Expected bytes were captured from redis-server 7.0.15 (ZSCORE, HELLO 3,
// DEBUG PROTOCOL) in RESP2 and RESP3.
#include "resp/reply_builder.h"

#include <climits>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace vireo {
namespace {

std::string Take(ReplyBuilder& rb) {
  std::string out = rb.buffer();
  rb.buffer().clear();
  return out;
}

TEST(ReplyBuilderTest, ScalarsSameInBothProtocols) {
  for (int proto : {2, 3}) {
    ReplyBuilder rb;
    rb.set_proto(proto);
    EXPECT_EQ(rb.proto(), proto);
    rb.SimpleString("PONG");
    EXPECT_EQ(Take(rb), "+PONG\r\n");
    rb.Ok();
    EXPECT_EQ(Take(rb), "+OK\r\n");
    rb.Error("ERR syntax error");
    EXPECT_EQ(Take(rb), "-ERR syntax error\r\n");
    rb.Error("ERR bad\r\nthing\n");
    EXPECT_EQ(Take(rb), "-ERR bad  thing \r\n");
    rb.Integer(0);
    rb.Integer(-42);
    rb.Integer(LLONG_MIN);
    EXPECT_EQ(Take(rb), ":0\r\n:-42\r\n:-9223372036854775808\r\n");
    rb.Bulk("");
    rb.Bulk(std::string("a\0b", 3));
    EXPECT_EQ(Take(rb), std::string("$0\r\n\r\n$3\r\na\0b\r\n", 15));
    rb.BulkInteger(1234);
    rb.BulkInteger(-7);
    EXPECT_EQ(Take(rb), "$4\r\n1234\r\n$2\r\n-7\r\n");
    rb.ArrayHeader(3);
    EXPECT_EQ(Take(rb), "*3\r\n");
    rb.Raw("+X\r\n");
    EXPECT_EQ(Take(rb), "+X\r\n");
  }
}

TEST(ReplyBuilderTest, Resp2Shapes) {
  ReplyBuilder rb;
  rb.Null();
  rb.NullArray();
  rb.MapHeader(3);
  rb.SetHeader(3);
  rb.PushHeader(2);
  rb.Bool(true);
  rb.Bool(false);
  EXPECT_EQ(Take(rb), "$-1\r\n*-1\r\n*6\r\n*3\r\n*2\r\n:1\r\n:0\r\n");
  rb.Verbatim("This is a verbatim\nstring");
  EXPECT_EQ(Take(rb), "$25\r\nThis is a verbatim\nstring\r\n");
}

TEST(ReplyBuilderTest, Resp3Shapes) {
  ReplyBuilder rb;
  rb.set_proto(3);
  rb.Null();
  rb.NullArray();
  rb.MapHeader(3);
  rb.SetHeader(3);
  rb.PushHeader(2);
  rb.Bool(true);
  rb.Bool(false);
  EXPECT_EQ(Take(rb), "_\r\n_\r\n%3\r\n~3\r\n>2\r\n#t\r\n#f\r\n");
  rb.Verbatim("This is a verbatim\nstring");
  EXPECT_EQ(Take(rb), "=29\r\ntxt:This is a verbatim\nstring\r\n");
  rb.Verbatim("# Server", "mkd");
  EXPECT_EQ(Take(rb), "=12\r\nmkd:# Server\r\n");
}

TEST(ReplyBuilderTest, DoublesAsZscore) {
  struct Case {
    double value;
    const char* text;
  };
  const Case cases[] = {{1.5, "1.5"},
                        {0.1, "0.10000000000000001"},
                        {1e300, "1.0000000000000001e+300"},
                        {3, "3"},
                        {-0.0, "-0"},
                        {1e16, "10000000000000000"},
                        {1e17, "1e+17"},
                        {2.5e-5, "2.5000000000000001e-05"},
                        {HUGE_VAL, "inf"},
                        {-HUGE_VAL, "-inf"}};
  for (const Case& c : cases) {
    ReplyBuilder rb;
    rb.Double(c.value);
    std::string text = c.text;
    EXPECT_EQ(Take(rb), "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n");
    rb.set_proto(3);
    rb.Double(c.value);
    EXPECT_EQ(Take(rb), "," + text + "\r\n");
  }
}

TEST(ReplyBuilderTest, HumanLongDouble) {
  ReplyBuilder rb;
  rb.HumanLongDouble(3000.0L);
  EXPECT_EQ(Take(rb), "$4\r\n3000\r\n");
  rb.set_proto(3);
  rb.HumanLongDouble(1.25L);
  EXPECT_EQ(Take(rb), ",1.25\r\n");
}

TEST(ReplyBuilderTest, DeferredHeaders) {
  ReplyBuilder rb;
  rb.SimpleString("before");
  size_t mark = rb.BeginDeferred();
  rb.Bulk("a");
  rb.Bulk("b");
  rb.EndDeferredArray(mark, 2);
  EXPECT_EQ(Take(rb), "+before\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");

  mark = rb.BeginDeferred();
  rb.Bulk("k");
  rb.Integer(1);
  rb.EndDeferredMap(mark, 1);
  EXPECT_EQ(Take(rb), "*2\r\n$1\r\nk\r\n:1\r\n");

  // Nested: the outer mark sits before the inner one, so insert inner first.
  size_t outer = rb.BeginDeferred();
  size_t inner = rb.BeginDeferred();
  rb.Integer(7);
  rb.EndDeferredSet(inner, 1);
  rb.EndDeferredArray(outer, 1);
  EXPECT_EQ(Take(rb), "*1\r\n*1\r\n:7\r\n");

  rb.set_proto(3);
  mark = rb.BeginDeferred();
  rb.EndDeferredMap(mark, 0);
  mark = rb.BeginDeferred();
  rb.Integer(1);
  rb.EndDeferredSet(mark, 1);
  EXPECT_EQ(Take(rb), "%0\r\n~1\r\n:1\r\n");
}

}  // namespace
}  // namespace vireo
