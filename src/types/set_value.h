// SetValue: the value of a set key, in one of Redis 7.0's two encodings:
//   intset    - all members are canonical 64-bit integers and there are at
//               most set-max-intset-entries of them (types/intset.h);
//   hashtable - anything else: a HashTable of SetMember, one allocation per
//               member holding its bytes.
// A set starts as an intset when its first member is an integer, and converts
// to a hashtable (never back) when a non-integer arrives or it outgrows the
// limit, exactly when Redis converts.
//
// The key's entry holds one pointer to the set object; its first byte tells
// the encoding (Intset::kTag or kHashTag), so the type-ops callbacks (free,
// copy, memory), which get only that pointer, know what it is. SetValue
// itself is a small handle over the pointer: writes may move an intset, so
// after writing, store object() (and encoding()) back into the entry.
// Thread rule: none (a value owned by one key; main thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/hash_table.h"
#include "types/intset.h"

namespace vireo {

// One member of a hashtable-encoded set: a length (1 byte, or 0xFF and 4
// bytes) followed by the bytes, in a single allocation.
class SetMember {
 public:
  static SetMember* New(std::string_view s);
  static void Free(SetMember* m);
  std::string_view view() const;
  size_t AllocatedBytes() const;

 private:
  SetMember() = delete;
};

struct SetMemberTraits {
  static std::string_view Key(const SetMember* m) { return m->view(); }
};
using SetMemberTable = HashTable<SetMember, SetMemberTraits>;

class SetValue {
 public:
  static constexpr uint8_t kHashTag = 0x5A;

  // A new empty set in the encoding Redis picks for a set whose first member
  // is `first`: intset if it is an integer, else hashtable.
  static void* CreateFor(std::string_view first);
  static void* CreateIntset();
  static void* CreateHashtable();
  // Type ops over the tagged pointer.
  static void Free(void* obj);
  static void* Copy(const void* obj);
  static size_t Memory(const void* obj);

  explicit SetValue(void* obj) : obj_(obj) {}
  void* object() const { return obj_; }
  bool is_intset() const { return *static_cast<const uint8_t*>(obj_) == Intset::kTag; }

  size_t size() const;
  bool Contains(std::string_view m) const;
  // Adds m, converting to a hashtable first if m is not an integer or the
  // intset would pass max_intset_entries. True if m was new.
  bool Add(std::string_view m, size_t max_intset_entries);
  // True if m was there.
  bool Remove(std::string_view m);
  void ConvertToHashtable();

  // Calls fn(std::string_view member) for every member: intsets in
  // ascending order, hashtables in table order. fn must not modify the set.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    if (is_intset()) {
      const Intset* s = intset();
      char buf[24];
      for (size_t i = 0; i < s->size(); ++i) fn(FormatMember(s->At(i), buf));
    } else {
      table().ForEach([&](SetMember* m) { fn(m->view()); });
    }
  }
  // One SSCAN step over a hashtable set: fn(member) for the members of the
  // buckets visited; returns the next cursor (0 = done). An intset is
  // visited whole and returns 0.
  template <class Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (is_intset()) {
      ForEach(fn);
      return 0;
    }
    return table().Scan(cursor, [&](SetMember* m) { fn(m->view()); });
  }

  // A uniformly random member (the set must not be empty), written to *out.
  void RandomMember(uint64_t random_bits, std::string* out);

  // Integer text of an intset member, in buf (24 bytes).
  static std::string_view FormatMember(int64_t v, char* buf);

 private:
  struct HashSet {
    uint8_t tag = kHashTag;
    SetMemberTable table;
  };
  Intset* intset() const { return static_cast<Intset*>(obj_); }
  HashSet* hash() const { return static_cast<HashSet*>(obj_); }
  SetMemberTable& table() const { return hash()->table; }

  void* obj_;
};

}  // namespace vireo
