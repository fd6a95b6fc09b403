// HashValue: the value of a Redis hash (field -> value, both binary strings).
// Small hashes are a listpack of alternating field, value elements in
// insertion order (OBJECT ENCODING "listpack"); ConvertToTable() moves them
// into a HashTable of HashField records, one allocation per field holding
// both strings ("hashtable"). The object does not know the conversion
// thresholds: the command layer reads them from the config and calls
// ConvertToTable() when Redis would. There is no way back, as in Redis.
// Thread rule: none (a value owned by one key; main thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/hash_table.h"
#include "types/listpack.h"

namespace vireo {

// One field of a hashtable-encoded hash: [field_len][value_len][field][value].
struct HashField {
  uint32_t field_len;
  uint32_t value_len;
  char data[1];  // flexible: field bytes then value bytes

  static HashField* New(std::string_view field, std::string_view value);
  static void Free(HashField* f);
  std::string_view field() const { return {data, field_len}; }
  std::string_view value() const { return {data + field_len, value_len}; }
  size_t AllocSize() const { return offsetof(HashField, data) + field_len + value_len; }
};

struct HashFieldTraits {
  static std::string_view Key(const HashField* f) { return f->field(); }
};

class HashValue {
 public:
  using Table = HashTable<HashField, HashFieldTraits>;
  static constexpr size_t kScratch = Listpack::kScratch;

  HashValue() = default;  // an empty listpack-encoded hash
  ~HashValue();
  HashValue(const HashValue& o);  // deep copy, same encoding
  HashValue& operator=(const HashValue&) = delete;

  bool is_listpack() const { return table_ == nullptr; }
  size_t size() const { return table_ ? table_->size() : lp_.size() / 2; }
  bool empty() const { return size() == 0; }

  // The value of field, if present. Listpack integers are formatted into
  // scratch (kScratch bytes); the view is valid until the next mutation.
  bool Get(std::string_view field, std::string_view* value, char* scratch);
  bool Exists(std::string_view field);
  // Adds or overwrites a field; true when the field is new.
  bool Set(std::string_view field, std::string_view value);
  // Removes a field; true when it was present.
  bool Delete(std::string_view field);
  // Moves a listpack-encoded hash into the hashtable encoding (no-op otherwise).
  void ConvertToTable();

  // Calls fn(field, value) for every field: insertion order for a listpack,
  // table order otherwise. fn must not modify the hash.
  template <class Fn>
  void ForEach(Fn&& fn) const;

  // One HSCAN step over the hashtable encoding: calls fn(field, value) for the
  // fields of a few buckets and returns the next cursor (0 = done), with
  // Redis's COUNT rule (stop after `count` fields or 10*count buckets).
  template <class Fn>
  uint64_t ScanTable(uint64_t cursor, long long count, Fn&& fn);

  // A field chosen uniformly (random_bits seeds the choice); the hash must not
  // be empty. Listpack integers are formatted into the scratch buffers.
  void RandomField(uint64_t random_bits, std::string_view* field, std::string_view* value,
                   char* field_scratch, char* value_scratch);

  // Bytes held by the value (object, listpack or table buckets and fields).
  size_t MemoryBytes() const;

  const Listpack& listpack() const { return lp_; }
  Table* table() { return table_; }

 private:
  Listpack lp_;             // the listpack encoding (empty once converted)
  Table* table_ = nullptr;  // the hashtable encoding, owned
};

template <class Fn>
void HashValue::ForEach(Fn&& fn) const {
  if (table_) {
    table_->ForEach([&](HashField* f) { fn(f->field(), f->value()); });
    return;
  }
  char fs[kScratch], vs[kScratch];
  for (Listpack::Pos p = lp_.First(); p != Listpack::kEnd;) {
    Listpack::Pos v = lp_.Next(p);
    fn(lp_.Get(p, fs), lp_.Get(v, vs));
    p = lp_.Next(v);
  }
}

template <class Fn>
uint64_t HashValue::ScanTable(uint64_t cursor, long long count, Fn&& fn) {
  long long max_steps = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
  long long seen = 0;
  do {
    cursor = table_->Scan(cursor, [&](HashField* f) {
      fn(f->field(), f->value());
      ++seen;
    });
  } while (cursor != 0 && max_steps-- > 0 && seen < count);
  return cursor;
}

}  // namespace vireo
