// The forwarder's state file parser (forwarder/state.h): what it accepts,
// what it refuses with which line, and that FormatState reads back.
#include "forwarder/state.h"

#include <gtest/gtest.h>

namespace vireo::forwarder {
namespace {

TEST(ForwarderState, ParsesAFullTable) {
  State st;
  std::string err;
  ASSERT_TRUE(ParseState("vireo-forwarder-state 1\r\n# comment\n\ngeneration 42\nbind 10.0.0.7\n"
                         "endpoint 31010 primary 31012\nendpoint 31011 reader 31013  31014\nendpoint 31020 primary\n",
                         &st, &err))
      << err;
  EXPECT_EQ(st.generation, 42u);
  ASSERT_EQ(st.binds.size(), 1u);
  EXPECT_EQ(st.binds[0], "10.0.0.7");
  ASSERT_EQ(st.endpoints.size(), 3u);
  EXPECT_EQ(st.endpoints[0].port, 31010);
  EXPECT_EQ(st.endpoints[0].kind, Kind::kPrimary);
  EXPECT_EQ(st.endpoints[0].targets, std::vector<uint16_t>{31012});
  EXPECT_EQ(st.endpoints[1].kind, Kind::kReader);
  EXPECT_EQ(st.endpoints[1].targets, (std::vector<uint16_t>{31013, 31014}));
  EXPECT_TRUE(st.endpoints[2].targets.empty());   // held
  State again;
  ASSERT_TRUE(ParseState(FormatState(st), &again, &err)) << err;
  EXPECT_EQ(again, st);
}

TEST(ForwarderState, RefusesWithTheLine) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "line 0: empty state file"},
      {"generation 1\n", "line 1: expected 'vireo-forwarder-state 1' first"},
      {"vireo-forwarder-state 2\n", "line 1: expected 'vireo-forwarder-state 1' first"},
      {"vireo-forwarder-state 1\nendpoint 0 primary 1\n", "line 2: bad endpoint port"},
      {"vireo-forwarder-state 1\nendpoint 70000 primary 1\n", "line 2: bad endpoint port"},
      {"vireo-forwarder-state 1\nendpoint 5 primary -1\n", "line 2: bad target port"},
      {"vireo-forwarder-state 1\nendpoint 5 writer 1\n", "line 2: endpoint kind is primary or reader"},
      {"vireo-forwarder-state 1\nendpoint 5 primary 1\nendpoint 5 reader 2\n", "line 3: endpoint port listed twice"},
      {"vireo-forwarder-state 1\nbind example.com\n", "line 2: bind takes one IP address"},
      {"vireo-forwarder-state 1\ngeneration 99999999999999999999\n", "line 2: generation takes one number"},
      {"vireo-forwarder-state 1\nlisten 5\n", "line 2: unknown directive"},
  };
  for (const auto& c : cases) {
    State st;
    std::string err;
    EXPECT_FALSE(ParseState(c.text, &st, &err)) << c.text;
    EXPECT_EQ(err, c.error) << c.text;
  }
}

}  // namespace
}  // namespace vireo::forwarder
