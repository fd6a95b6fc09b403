// Redis's error replies are protocol: clients match on them. They are defined
// here once, verbatim as Redis 7.0 sends them (without the leading '-').
#pragma once

namespace vireo::err {

inline constexpr const char* kSyntax = "ERR syntax error";
inline constexpr const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr const char* kNotInteger = "ERR value is not an integer or out of range";
inline constexpr const char* kNotFloat = "ERR value is not a valid float";
inline constexpr const char* kOverflow = "ERR increment or decrement would overflow";
inline constexpr const char* kNoSuchKey = "ERR no such key";
inline constexpr const char* kOutOfRange = "ERR index out of range";
inline constexpr const char* kDbIndex = "ERR DB index is out of range";
inline constexpr const char* kInvalidExpire = "ERR invalid expire time in '%s' command";
inline constexpr const char* kSameObject = "ERR source and destination objects are the same";
inline constexpr const char* kStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr const char* kNanOrInf = "ERR increment would produce NaN or Infinity";
inline constexpr const char* kTimeoutNotFloat = "ERR timeout is not a float or out of range";
inline constexpr const char* kTimeoutNegative = "ERR timeout is negative";
inline constexpr const char* kNotPositive = "ERR value is out of range, must be positive";
inline constexpr const char* kCountRangeLong =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
inline constexpr const char* kNumkeysNotPositive = "ERR numkeys should be greater than 0";

// String family (string*.cc).
inline constexpr const char* kWrongArity = "ERR wrong number of arguments for '%s' command";
inline constexpr const char* kDecrementOverflow = "ERR decrement would overflow";
inline constexpr const char* kOffsetOutOfRange = "ERR offset is out of range";
inline constexpr const char* kLcsNotString = "ERR The specified keys must contain string values";
inline constexpr const char* kLcsIdxAndLen = "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr const char* kLcsTooLong = "ERR String too long for LCS";
inline constexpr const char* kLcsOverLimit =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
inline constexpr const char* kLcsNoMemory = "ERR Insufficient memory, failed allocating transient memory for LCS";

// Generic key commands (generic*.cc, expire.cc, scan.cc, object.cc).
inline constexpr const char* kIntRange = "ERR value is out of range, value must between -2147483648 and 2147483647";
inline constexpr const char* kUnsupportedOption = "ERR Unsupported option %s";
inline constexpr const char* kExpireNxConflict = "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr const char* kExpireGtLtConflict = "ERR GT and LT options at the same time are not compatible";
inline constexpr const char* kInvalidCursor = "ERR invalid cursor";
inline constexpr const char* kInvalidFirstDb = "ERR invalid first DB index";
inline constexpr const char* kInvalidSecondDb = "ERR invalid second DB index";
inline constexpr const char* kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr const char* kLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
    "policies at runtime LRU and LFU data will take some time to adjust.";

// Hash family (hash*.cc).
inline constexpr const char* kHashValueNotInteger = "ERR hash value is not an integer";
inline constexpr const char* kHashValueNotFloat = "ERR hash value is not a float";
inline constexpr const char* kHashIncrNanOrInf = "ERR value is NaN or Infinity";
inline constexpr const char* kHashRandCountRange = "ERR value is out of range";

// Set family (set*.cc) and SORT (sort.cc).
inline constexpr const char* kSetNumkeysTooMany = "ERR Number of keys can't be greater than number of args";
inline constexpr const char* kSetLimitNegative = "ERR LIMIT can't be negative";
inline constexpr const char* kSortScores = "ERR One or more scores can't be converted into double";

// List family (list*.cc).
inline constexpr const char* kListRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start "
    "from the end of the list";
inline constexpr const char* kListCountNegative = "ERR COUNT can't be negative";
inline constexpr const char* kListMaxlenNegative = "ERR MAXLEN can't be negative";
inline constexpr const char* kListMpopCount = "ERR count should be greater than 0";

}  // namespace vireo::err
