#include "types/intset.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace vireo {

Intset* Intset::Create() {
  void* p = std::malloc(kHeaderBytes);
  if (p == nullptr) throw std::bad_alloc();
  return new (p) Intset();
}

void Intset::Destroy(Intset* s) { std::free(s); }

Intset* Intset::Clone() const {
  void* p = std::malloc(bytes());
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, this, bytes());
  return static_cast<Intset*>(p);
}

uint8_t Intset::WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

int64_t Intset::At(size_t i) const {
  const uint8_t* p = data() + i * width_;
  switch (width_) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

void Intset::Set(size_t i, int64_t v) {
  uint8_t* p = data() + i * width_;
  switch (width_) {
    case 2: {
      int16_t x = int16_t(v);
      std::memcpy(p, &x, 2);
      break;
    }
    case 4: {
      int32_t x = int32_t(v);
      std::memcpy(p, &x, 4);
      break;
    }
    default:
      std::memcpy(p, &v, 8);
  }
}

bool Intset::Search(int64_t v, size_t* pos) const {
  size_t lo = 0, hi = count_;
  // Values outside the ends are common when members arrive in order.
  if (count_ > 0 && v > At(count_ - 1)) {
    *pos = count_;
    return false;
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t m = At(mid);
    if (m == v) {
      *pos = mid;
      return true;
    }
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

bool Intset::Contains(int64_t v) const {
  if (WidthFor(v) > width_) return false;
  size_t pos;
  return Search(v, &pos);
}

Intset* Intset::Resize(size_t count) {
  size_t need = kHeaderBytes + count * width_;
  void* p = std::realloc(this, need);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<Intset*>(p);
}

Intset* Intset::Add(int64_t v, bool* added) {
  const uint8_t w = WidthFor(v);
  if (w > width_) {
    // A value wider than every member is below or above all of them: widen
    // in place from the back (each element moves to a higher offset), then
    // put v at the matching end.
    const size_t n = count_;
    const uint8_t old_width = width_;
    // Read the old values before the header changes width_.
    Intset* s = this;
    {
      size_t need = kHeaderBytes + (n + 1) * size_t(w);
      void* p = std::realloc(s, need);
      if (p == nullptr) throw std::bad_alloc();
      s = static_cast<Intset*>(p);
    }
    const bool prepend = v < 0;
    for (size_t i = n; i-- > 0;) {
      s->width_ = old_width;
      int64_t x = s->At(i);
      s->width_ = w;
      s->Set(i + (prepend ? 1 : 0), x);
    }
    s->width_ = w;
    s->Set(prepend ? 0 : n, v);
    s->count_ = uint32_t(n + 1);
    *added = true;
    return s;
  }
  size_t pos;
  if (Search(v, &pos)) {
    *added = false;
    return this;
  }
  Intset* s = Resize(count_ + 1);
  uint8_t* d = s->data();
  std::memmove(d + (pos + 1) * s->width_, d + pos * s->width_, (s->count_ - pos) * s->width_);
  s->Set(pos, v);
  s->count_++;
  *added = true;
  return s;
}

Intset* Intset::RemoveAt(size_t i) {
  uint8_t* d = data();
  std::memmove(d + i * width_, d + (i + 1) * width_, (count_ - i - 1) * width_);
  count_--;
  return Resize(count_);
}

Intset* Intset::Remove(int64_t v, bool* removed) {
  size_t pos;
  if (WidthFor(v) > width_ || !Search(v, &pos)) {
    *removed = false;
    return this;
  }
  *removed = true;
  return RemoveAt(pos);
}

}  // namespace vireo
