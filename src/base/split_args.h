// SplitArgs: splits a line into arguments with Redis's quoting rules (its
// sdssplitargs), shared by the inline protocol and redis.conf lines.
// Double quotes understand \n \r \t \b \a \xHH and escape any other byte;
// single quotes understand \'; a closing quote must be followed by white
// space or the end of the line; a NUL byte ends the line, as it ends the C
// string Redis splits.
// Thread rule: pure function, safe from any thread.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vireo {

// Appends each argument's bytes to *storage and its (offset, length) in
// *storage to *spans. Returns false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::string* storage, std::vector<std::pair<size_t, size_t>>* spans);

}  // namespace vireo
