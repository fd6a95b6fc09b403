// SORT's reads of sorted-set values (see sort_family.h), through the zset
// family's ZSetValue.
#include "commands/sort/sort_family.h"
#include "types/zset_value.h"

namespace vireo {
namespace sort_cmd {
namespace {

ZSetValue* ZSetOfEntry(const Entry* e) { return static_cast<ZSetValue*>(e->object()); }

}  // namespace

void ZSetPrepareForSort(Entry* e) {
  // Redis 7.0 converts a listpack-encoded sorted set to a skiplist before
  // sorting it (for good), and OBJECT ENCODING shows it afterwards.
  ZSetValue* z = ZSetOfEntry(e);
  z->ConvertToSkiplist();
  e->set_encoding(Encoding::kSkiplist);
}

size_t ZSetSize(const Entry* e) { return ZSetOfEntry(e)->size(); }

void ZSetRange(const Entry* e, size_t start, size_t n, bool reverse, std::vector<std::string>* out) {
  const ZSetValue* z = ZSetOfEntry(e);
  const size_t size = z->size();
  if (start >= size) return;
  ZSetValue::Cursor c = z->AtRank(reverse ? size - 1 - start : start);
  for (size_t i = 0; i < n && c.valid(); ++i) {
    out->emplace_back(c.member());
    if (reverse) {
      c.Prev();
    } else {
      c.Next();
    }
  }
}

}  // namespace sort_cmd
}  // namespace vireo
