#include "types/hash_value.h"

#include <cstdlib>
#include <cstring>

namespace vireo {

HashField* HashField::New(std::string_view field, std::string_view value) {
  size_t bytes = offsetof(HashField, data) + field.size() + value.size();
  auto* f = static_cast<HashField*>(std::malloc(bytes));
  if (!f) abort();
  f->field_len = uint32_t(field.size());
  f->value_len = uint32_t(value.size());
  if (!field.empty()) memcpy(f->data, field.data(), field.size());
  if (!value.empty()) memcpy(f->data + field.size(), value.data(), value.size());
  return f;
}

void HashField::Free(HashField* f) { std::free(f); }

HashValue::~HashValue() {
  if (table_) {
    table_->Clear([](HashField* f) { HashField::Free(f); });
    delete table_;
  }
}

HashValue::HashValue(const HashValue& o) : lp_(o.lp_) {
  if (o.table_) {
    table_ = new Table();
    o.table_->ForEach([&](HashField* f) { table_->Insert(HashField::New(f->field(), f->value())); });
  }
}

bool HashValue::Get(std::string_view field, std::string_view* value, char* scratch) {
  if (table_) {
    HashField* f = table_->Find(field);
    if (!f) return false;
    *value = f->value();
    return true;
  }
  Listpack::Pos p = lp_.Find(field, 0, 1);
  if (p == Listpack::kEnd) return false;
  *value = lp_.Get(lp_.Next(p), scratch);
  return true;
}

bool HashValue::Exists(std::string_view field) {
  if (table_) return table_->Find(field) != nullptr;
  return lp_.Find(field, 0, 1) != Listpack::kEnd;
}

bool HashValue::Set(std::string_view field, std::string_view value) {
  if (table_) {
    const uint64_t hash = Table::HashOf(field);
    HashField** slot = table_->FindSlotWithHash(field, hash);
    if (!slot) {
      table_->InsertWithHash(HashField::New(field, value), hash);
      return true;
    }
    HashField* old = *slot;
    if (old->value_len == value.size()) {
      // Same length (counters, fixed-size payloads): overwrite in place.
      if (!value.empty()) memcpy(old->data + old->field_len, value.data(), value.size());
    } else {
      *slot = HashField::New(field, value);
      HashField::Free(old);
    }
    return false;
  }
  Listpack::Pos p = lp_.Find(field, 0, 1);
  if (p != Listpack::kEnd) {
    lp_.Replace(lp_.Next(p), value);
    return false;
  }
  lp_.PushBack(field);
  lp_.PushBack(value);
  return true;
}

bool HashValue::Delete(std::string_view field) {
  if (table_) {
    HashField* f = table_->Remove(field);
    if (!f) return false;
    HashField::Free(f);
    return true;
  }
  Listpack::Pos p = lp_.Find(field, 0, 1);
  if (p == Listpack::kEnd) return false;
  lp_.Erase(lp_.Erase(p));  // the field, then its value (now at the same position)
  return true;
}

void HashValue::ConvertToTable() {
  if (table_) return;
  auto* t = new Table();
  char fs[kScratch], vs[kScratch];
  for (Listpack::Pos p = lp_.First(); p != Listpack::kEnd;) {
    Listpack::Pos v = lp_.Next(p);
    t->Insert(HashField::New(lp_.Get(p, fs), lp_.Get(v, vs)));
    p = lp_.Next(v);
  }
  lp_.Clear();
  lp_ = Listpack();  // release the buffer, not just empty it
  table_ = t;
}

void HashValue::RandomField(uint64_t random_bits, std::string_view* field, std::string_view* value,
                            char* field_scratch, char* value_scratch) {
  if (table_) {
    HashField* f = table_->Random(random_bits);
    *field = f->field();
    *value = f->value();
    return;
  }
  Listpack::Pos p = lp_.Seek(long(2 * (random_bits % size())));
  *field = lp_.Get(p, field_scratch);
  *value = lp_.Get(lp_.Next(p), value_scratch);
}

size_t HashValue::MemoryBytes() const {
  size_t n = sizeof(HashValue) + lp_.bytes();
  if (table_) {
    n += sizeof(Table) + table_->bucket_bytes();
    table_->ForEach([&](HashField* f) { n += f->AllocSize(); });
  }
  return n;
}

}  // namespace vireo
