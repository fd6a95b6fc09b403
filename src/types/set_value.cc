#include "types/set_value.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "base/numbers.h"

namespace vireo {

// --- SetMember ---------------------------------------------------------------

SetMember* SetMember::New(std::string_view s) {
  const size_t prefix = s.size() < 0xFF ? 1 : 5;
  auto* p = static_cast<uint8_t*>(std::malloc(prefix + s.size()));
  if (p == nullptr) throw std::bad_alloc();
  if (prefix == 1) {
    p[0] = uint8_t(s.size());
  } else {
    p[0] = 0xFF;
    uint32_t n = uint32_t(s.size());
    std::memcpy(p + 1, &n, 4);
  }
  if (!s.empty()) std::memcpy(p + prefix, s.data(), s.size());
  return reinterpret_cast<SetMember*>(p);
}

void SetMember::Free(SetMember* m) { std::free(m); }

std::string_view SetMember::view() const {
  const auto* p = reinterpret_cast<const uint8_t*>(this);
  if (p[0] != 0xFF) return {reinterpret_cast<const char*>(p + 1), p[0]};
  uint32_t n;
  std::memcpy(&n, p + 1, 4);
  return {reinterpret_cast<const char*>(p + 5), n};
}

size_t SetMember::AllocatedBytes() const {
  size_t n = view().size();
  return n + (n < 0xFF ? 1 : 5);
}

// --- SetValue ------------------------------------------------------------------

std::string_view SetValue::FormatMember(int64_t v, char* buf) { return {buf, FormatInt64(v, buf)}; }

void* SetValue::CreateIntset() { return Intset::Create(); }

void* SetValue::CreateHashtable() { return new HashSet(); }

void* SetValue::CreateFor(std::string_view first) {
  long long v;
  return ParseInt64(first, &v) ? CreateIntset() : CreateHashtable();
}

void SetValue::Free(void* obj) {
  SetValue s(obj);
  if (s.is_intset()) {
    Intset::Destroy(s.intset());
  } else {
    s.table().Clear([](SetMember* m) { SetMember::Free(m); });
    delete s.hash();
  }
}

void* SetValue::Copy(const void* obj) {
  SetValue s(const_cast<void*>(obj));
  if (s.is_intset()) return s.intset()->Clone();
  auto* copy = new HashSet();
  s.table().ForEach([&](SetMember* m) { copy->table.Insert(SetMember::New(m->view())); });
  return copy;
}

size_t SetValue::Memory(const void* obj) {
  SetValue s(const_cast<void*>(obj));
  if (s.is_intset()) return s.intset()->bytes();
  size_t n = sizeof(HashSet) + s.table().bucket_bytes();
  s.table().ForEach([&](SetMember* m) { n += m->AllocatedBytes(); });
  return n;
}

size_t SetValue::size() const { return is_intset() ? intset()->size() : table().size(); }

bool SetValue::Contains(std::string_view m) const {
  if (is_intset()) {
    long long v;
    return ParseInt64(m, &v) && intset()->Contains(v);
  }
  return table().Find(m) != nullptr;
}

void SetValue::ConvertToHashtable() {
  if (!is_intset()) return;
  auto* h = new HashSet();
  char buf[24];
  Intset* s = intset();
  for (size_t i = 0; i < s->size(); ++i) h->table.Insert(SetMember::New(FormatMember(s->At(i), buf)));
  Intset::Destroy(s);
  obj_ = h;
}

bool SetValue::Add(std::string_view m, size_t max_intset_entries) {
  if (is_intset()) {
    long long v;
    if (ParseInt64(m, &v)) {
      bool added;
      obj_ = intset()->Add(v, &added);
      // Redis converts after the add that takes the set past the limit.
      if (added && intset()->size() > max_intset_entries) ConvertToHashtable();
      return added;
    }
    ConvertToHashtable();
  }
  SetMemberTable& t = table();
  const uint64_t h = SetMemberTable::HashOf(m);
  if (t.FindWithHash(m, h) != nullptr) return false;
  t.InsertWithHash(SetMember::New(m), h);
  return true;
}

bool SetValue::Remove(std::string_view m) {
  if (is_intset()) {
    long long v;
    if (!ParseInt64(m, &v)) return false;
    bool removed;
    obj_ = intset()->Remove(v, &removed);
    return removed;
  }
  SetMember* found = table().Remove(m);
  if (found == nullptr) return false;
  SetMember::Free(found);
  return true;
}

void SetValue::RandomMember(uint64_t random_bits, std::string* out) {
  if (is_intset()) {
    char buf[24];
    const Intset* s = intset();
    out->assign(FormatMember(s->At(random_bits % s->size()), buf));
  } else {
    out->assign(table().Random(random_bits)->view());
  }
}

}  // namespace vireo
