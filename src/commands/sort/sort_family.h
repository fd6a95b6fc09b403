// Helpers of SORT (sort.cc): the external-key lookup of BY/GET patterns and
// the reads of sorted-set values (sort_zset.cc), kept apart so the SORT
// logic does not depend on how the zset family stores its values.
// Thread rule: main thread only (they touch the keyspace).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/core/command.h"
#include "engine/entry.h"

namespace vireo {
namespace sort_cmd {

// The value a BY/GET pattern names for one element: "#" is the element, the
// first '*' is replaced by it, and "key->field" reads a hash field. Missing
// keys, missing fields and keys of the wrong type give nullopt.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view subst);

// Converts the sorted set in e to the skiplist encoding, as Redis's SORT does.
void ZSetPrepareForSort(Entry* e);
// Members of the sorted set in e.
size_t ZSetSize(const Entry* e);
// Appends up to n members starting at rank `start`, in score order, or from
// the highest score down when reverse (rank counted from that end).
void ZSetRange(const Entry* e, size_t start, size_t n, bool reverse, std::vector<std::string>* out);

}  // namespace sort_cmd
}  // namespace vireo
