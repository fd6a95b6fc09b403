// Expected values were taken from redis-server 7.0.15 (INCRBY, ZADD/ZSCORE,
// INCRBYFLOAT replies).
#include "base/numbers.h"

#include <cfloat>
#include <climits>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace vireo {
namespace {

TEST(ParseInt64Test, AcceptsWhatRedisAccepts) {
  long long v = 42;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("1", &v));
  EXPECT_EQ(v, 1);
  EXPECT_TRUE(ParseInt64("-17", &v));
  EXPECT_EQ(v, -17);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, LLONG_MAX);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, LLONG_MIN);
}

TEST(ParseInt64Test, RejectsWhatRedisRejects) {
  long long v = 0;
  for (const char* s : {"", "+1", "01", "00", "-0", "-", " 1", "1 ", "1a", "9223372036854775808",
                        "-9223372036854775809", "18446744073709551616", "1.0", "0x10",
                        "000000000000000000001"}) {
    EXPECT_FALSE(ParseInt64(s, &v)) << s;
  }
  EXPECT_FALSE(ParseInt64(std::string_view("1\0", 2), &v));
}

TEST(ParseUint64Test, Bounds) {
  unsigned long long v = 0;
  EXPECT_TRUE(ParseUint64("18446744073709551615", &v));
  EXPECT_EQ(v, ULLONG_MAX);
  EXPECT_TRUE(ParseUint64("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_FALSE(ParseUint64("18446744073709551616", &v));
  EXPECT_FALSE(ParseUint64("-1", &v));
  EXPECT_FALSE(ParseUint64("+1", &v));
  EXPECT_FALSE(ParseUint64("01", &v));
  EXPECT_FALSE(ParseUint64("", &v));
}

TEST(ParseDoubleTest, AcceptsWhatZaddAccepts) {
  double d = 0;
  EXPECT_TRUE(ParseDouble("1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(ParseDouble("inf", &d));
  EXPECT_TRUE(std::isinf(d) && d > 0);
  EXPECT_TRUE(ParseDouble("+inf", &d));
  EXPECT_TRUE(std::isinf(d) && d > 0);
  EXPECT_TRUE(ParseDouble("-inf", &d));
  EXPECT_TRUE(std::isinf(d) && d < 0);
  EXPECT_TRUE(ParseDouble("infinity", &d));
  EXPECT_TRUE(ParseDouble("0x1p3", &d));
  EXPECT_EQ(d, 8.0);
  EXPECT_TRUE(ParseDouble("+1", &d));
  EXPECT_EQ(d, 1.0);
  EXPECT_TRUE(ParseDouble("-0", &d));
  EXPECT_TRUE(std::signbit(d));
  EXPECT_TRUE(ParseDouble("1e-310", &d));  // denormal: accepted
  EXPECT_GT(d, 0);
  EXPECT_TRUE(ParseDouble(".5", &d));
  EXPECT_EQ(d, 0.5);
  std::string long_number = "1." + std::string(300, '0');
  EXPECT_TRUE(ParseDouble(long_number, &d));
  EXPECT_EQ(d, 1.0);
}

TEST(ParseDoubleTest, RejectsWhatZaddRejects) {
  double d = 0;
  for (const char* s : {"", "nan", "NaN", "-nan", " 1", "1 ", "1e400", "1e-400", "abc", "1e", "1.5x"}) {
    EXPECT_FALSE(ParseDouble(s, &d)) << s;
  }
  EXPECT_FALSE(ParseDouble(std::string_view("1\0", 2), &d));
}

TEST(ParseLongDoubleTest, IncrbyfloatRules) {
  long double v = 0;
  EXPECT_TRUE(ParseLongDouble("10.5", &v));
  EXPECT_TRUE(ParseLongDouble("3.0e3", &v));
  EXPECT_EQ(v, 3000.0L);
  EXPECT_TRUE(ParseLongDouble("0x10", &v));
  EXPECT_EQ(v, 16.0L);
  EXPECT_TRUE(ParseLongDouble("1e4000", &v));  // fine for a long double
  EXPECT_TRUE(ParseLongDouble("1e-4940", &v));  // denormal long double
  EXPECT_TRUE(ParseLongDouble("inf", &v));       // the command rejects it later
  for (const char* s : {"", "nan", " 1", "1 ", "1e5000", "1e-5000", "1e", "abc"}) {
    EXPECT_FALSE(ParseLongDouble(s, &v)) << s;
  }
  EXPECT_FALSE(ParseLongDouble(std::string(5120, '1'), &v));
  EXPECT_TRUE(ParseLongDouble("0." + std::string(5000, '1'), &v));
}

TEST(FormatInt64Test, AllDigitCounts) {
  char buf[kMaxInt64Chars];
  long long p = 1;
  for (int i = 0; i < 19; ++i) {
    for (long long v : {p - 1, p, p + 1, -p, -(p - 1)}) {
      EXPECT_EQ(std::string(buf, FormatInt64(v, buf)), std::to_string(v));
    }
    if (i < 18) p *= 10;  // 10^18 is the last power that fits
  }
  EXPECT_EQ(std::string(buf, FormatInt64(LLONG_MAX, buf)), "9223372036854775807");
  EXPECT_EQ(std::string(buf, FormatInt64(LLONG_MIN, buf)), "-9223372036854775808");
  EXPECT_EQ(std::string(buf, FormatUint64(ULLONG_MAX, buf)), "18446744073709551615");
  EXPECT_EQ(Int64ToString(-5), "-5");
}

TEST(FormatLongDoubleTest, MatchesIncrbyfloat) {
  long double a, b;
  ASSERT_TRUE(ParseLongDouble("10.5", &a));
  ASSERT_TRUE(ParseLongDouble("0.1", &b));
  EXPECT_EQ(FormatLongDouble(a + b), "10.6");
  EXPECT_EQ(FormatLongDouble(3000.0L), "3000");
  EXPECT_EQ(FormatLongDouble(5000.0L), "5000");
  EXPECT_EQ(FormatLongDouble(0.0L), "0");
  EXPECT_EQ(FormatLongDouble(-0.0L), "0");
  ASSERT_TRUE(ParseLongDouble("-1e-30", &b));
  EXPECT_EQ(FormatLongDouble(b), "0");
  ASSERT_TRUE(ParseLongDouble("1e-5", &b));
  EXPECT_EQ(FormatLongDouble(b), "0.00001");
  ASSERT_TRUE(ParseLongDouble("1.23456789012345678901", &b));
  EXPECT_EQ(FormatLongDouble(b), "1.23456789012345679");
  ASSERT_TRUE(ParseLongDouble("-.5e1", &b));
  EXPECT_EQ(FormatLongDouble(b), "-5");
  ASSERT_TRUE(ParseLongDouble("1e300", &b));
  std::string big = FormatLongDouble(b);
  EXPECT_EQ(big.size(), 301u);
  EXPECT_EQ(big.substr(0, 30), "100000000000000000000899732407");
  ASSERT_TRUE(ParseLongDouble("1e4000", &b));
  EXPECT_EQ(FormatLongDouble(b).size(), 4000u);
  EXPECT_EQ(FormatLongDouble(LDBL_MAX).size(), 4933u);
  EXPECT_EQ(FormatLongDouble(HUGE_VALL), "inf");
  EXPECT_EQ(FormatLongDouble(-HUGE_VALL), "-inf");
}

TEST(FormatDoubleTest, MatchesAddReplyDouble) {
  EXPECT_EQ(FormatDouble(1.5), "1.5");
  EXPECT_EQ(FormatDouble(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatDouble(1e300), "1.0000000000000001e+300");
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(-0.0), "-0");
  EXPECT_EQ(FormatDouble(1e17), "1e+17");
  EXPECT_EQ(FormatDouble(1e16), "10000000000000000");
  EXPECT_EQ(FormatDouble(2.5e-5), "2.5000000000000001e-05");
  EXPECT_EQ(FormatDouble(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FormatDouble(HUGE_VAL), "inf");
  EXPECT_EQ(FormatDouble(-HUGE_VAL), "-inf");
}

}  // namespace
}  // namespace vireo

namespace vireo {

// Redis's (long long) casts of doubles, as its x86-64 build computes them.
TEST(TruncToInt64Test, TruncatesInRangeAndGivesIndefiniteOutside) {
  EXPECT_EQ(TruncToInt64(-5.9L), -5);
  EXPECT_EQ(TruncToInt64(5.9L), 5);
  EXPECT_EQ(TruncToInt64(9223372036854775807.0L), INT64_MAX);
  EXPECT_EQ(TruncToInt64(-9223372036854775808.0L), INT64_MIN);
  EXPECT_EQ(TruncToInt64(18446744073709551616.0L), INT64_MIN);
  EXPECT_EQ(TruncToInt64(-HUGE_VALL), INT64_MIN);
  EXPECT_EQ(TruncToInt64(HUGE_VALL), INT64_MIN);
  EXPECT_EQ(TruncToInt64(NAN), INT64_MIN);
}

}  // namespace vireo
