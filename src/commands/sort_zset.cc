// SORT's reads of sorted-set values (see sort_family.h). The zset family
// has not landed its value class yet; until it does no sorted-set key can
// exist, so these are never reached with a real value.
#include "commands/sort_family.h"

namespace vireo {
namespace sort_cmd {

size_t ZSetSize(const Entry*) { return 0; }

void ZSetRange(const Entry*, size_t, size_t, bool, std::vector<std::string>*) {}

}  // namespace sort_cmd
}  // namespace vireo
