#include "engine/entry.h"

#include <cstdlib>

#include "base/alloc_defrag.h"
#include "base/numbers.h"
#include "base/slab_allocator.h"
#include "base/varint.h"
#include "engine/type_ops.h"

#ifdef VIREO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace vireo {
namespace {

size_t UsableSize(void* p) {
#ifdef VIREO_JEMALLOC
  return malloc_usable_size(p);
#else
  (void)p;
  return 0;
#endif
}

// Entry blocks come from the slab allocator (8-byte size classes up to 128
// bytes, malloc above), except in sanitizer builds: there every entry is its
// own malloc block so ASan still reports a use after free of an entry even
// once its slot has been reused. Blocks carry no size header: every Free
// recomputes the size from the entry's own header (PayloadOffset() +
// PayloadSize()), which never changes while an entry lives -- anything that
// changes it (TTL added or removed, value re-encoded) allocates a new entry.
#if defined(VIREO_SANITIZE) || defined(__SANITIZE_ADDRESS__)
constexpr bool kEntrySlab = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kEntrySlab = false;
#else
constexpr bool kEntrySlab = true;
#endif
#else
constexpr bool kEntrySlab = true;
#endif

void* AllocateBlock(size_t size) {
  if constexpr (kEntrySlab) return EntrySlab().Allocate(size);
  void* p = malloc(size);
  if (!p) abort();
  return p;
}

void FreeBlock(void* p, size_t size) {
  if constexpr (kEntrySlab) {
    EntrySlab().Free(p, size);
  } else {
    free(p);
  }
}

// Bytes an entry block of this size really occupies; 0 when unknown.
size_t BlockBytes(void* p, size_t size) {
  if constexpr (kEntrySlab) {
    if (SlabAllocator::Handles(size)) return SlabAllocator::BlockSize(size);
  }
  return UsableSize(p);
}

bool IsStringPointer(uint8_t type_enc) { return type_enc == ((uint8_t(ObjType::kString) << 4) | uint8_t(Encoding::kRaw)); }

}  // namespace

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kRaw: return "raw";
    case Encoding::kInt: return "int";
    case Encoding::kHashtable: return "hashtable";
    case Encoding::kIntset: return "intset";
    case Encoding::kSkiplist: return "skiplist";
    case Encoding::kEmbstr: return "embstr";
    case Encoding::kQuicklist: return "quicklist";
    case Encoding::kStream: return "stream";
    case Encoding::kListpack: return "listpack";
  }
  return "unknown";
}

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString: return "string";
    case ObjType::kList: return "list";
    case ObjType::kSet: return "set";
    case ObjType::kZSet: return "zset";
    case ObjType::kHash: return "hash";
    case ObjType::kStream: return "stream";
  }
  return "none";
}

HeapString* HeapString::New(std::string_view s, size_t cap) {
  if (cap < s.size()) cap = s.size();
  auto* h = static_cast<HeapString*>(malloc(offsetof(HeapString, data) + cap + 1));
  if (!h) abort();
  h->len = s.size();
  h->cap = cap;
  if (!s.empty()) memcpy(h->data, s.data(), s.size());
  return h;
}

namespace {
thread_local bool saved_mark = false;
}  // namespace

bool Entry::SavedMark() { return saved_mark; }
void Entry::FlipSavedMark() { saved_mark = !saved_mark; }

Entry* Entry::Allocate(std::string_view key, uint8_t type_enc, bool has_expire, int64_t expire_ms,
                       size_t payload_size) {
  size_t klen_bytes = key.size() < 0xFF ? 1 : 5;
  size_t size = 5 + klen_bytes + key.size() + (has_expire ? 8 : 0) + payload_size;
  auto* b = static_cast<uint8_t*>(AllocateBlock(size));
  b[0] = type_enc;
  b[1] = uint8_t((has_expire ? kHasExpire : 0) | (saved_mark ? kSnapshotMark : 0));
  b[2] = b[3] = b[4] = 0;
  uint8_t* p = b + 5;
  if (klen_bytes == 1) {
    *p++ = uint8_t(key.size());
  } else {
    *p++ = 0xFF;
    uint32_t n = uint32_t(key.size());
    memcpy(p, &n, 4);
    p += 4;
  }
  if (!key.empty()) memcpy(p, key.data(), key.size());
  p += key.size();
  if (has_expire) memcpy(p, &expire_ms, 8);
  return reinterpret_cast<Entry*>(b);
}

Entry* Entry::NewString(std::string_view key, std::string_view value) {
  long long v;
  if (value.size() <= 20 && ParseInt64(value, &v)) return NewInt(key, v);
  if (value.size() <= kEmbstrMaxLen) return NewEmbstr(key, value);
  return NewRaw(key, value);
}

Entry* Entry::NewInt(std::string_view key, long long v) {
  Entry* e = Allocate(key, (uint8_t(ObjType::kString) << 4) | uint8_t(Encoding::kInt), false, 0, 8);
  e->SetIntValue(v);
  return e;
}

Entry* Entry::NewEmbstr(std::string_view key, std::string_view value) {
  Entry* e = Allocate(key, (uint8_t(ObjType::kString) << 4) | uint8_t(Encoding::kEmbstr), false, 0,
                      VarintSize(value.size()) + value.size());
  uint8_t* p = PutVarint(e->Payload(), value.size());
  if (!value.empty()) memcpy(p, value.data(), value.size());
  return e;
}

Entry* Entry::NewRaw(std::string_view key, std::string_view value, size_t cap) {
  Entry* e = Allocate(key, (uint8_t(ObjType::kString) << 4) | uint8_t(Encoding::kRaw), false, 0,
                      sizeof(HeapString*));
  e->set_heap(HeapString::New(value, cap));
  return e;
}

Entry* Entry::NewObject(std::string_view key, ObjType type, Encoding enc, void* obj) {
  Entry* e = Allocate(key, uint8_t((uint8_t(type) << 4) | uint8_t(enc)), false, 0, sizeof(void*));
  e->set_object(obj);
  return e;
}

size_t Entry::PayloadSize() const {
  if (type() != ObjType::kString) return sizeof(void*);
  switch (encoding()) {
    case Encoding::kInt: return 8;
    case Encoding::kEmbstr: {
      size_t n;
      const uint8_t* p = GetVarint(Payload(), &n);
      return size_t(p - Payload()) + n;
    }
    default: return sizeof(void*);
  }
}

Entry* Entry::WithExpire(Entry* e, bool has, int64_t when_ms) {
  if (e->has_expire() == has) {
    if (has) e->set_expire_ms(when_ms);
    return e;
  }
  size_t psize = e->PayloadSize();
  size_t old_size = e->PayloadOffset() + psize;
  Entry* n = Allocate(e->key(), e->bytes()[0], has, when_ms, psize);
  n->bytes()[1] |= e->bytes()[1] & kPrivateInt;
  n->set_lru(e->lru());
  memcpy(n->Payload(), e->Payload(), psize);
  FreeBlock(e, old_size);  // payload ownership moved to n
  return n;
}

Entry* Entry::WithKey(Entry* e, std::string_view key) {
  size_t psize = e->PayloadSize();
  size_t old_size = e->PayloadOffset() + psize;
  Entry* n = Allocate(key, e->bytes()[0], e->has_expire(), e->has_expire() ? e->expire_ms() : 0, psize);
  n->bytes()[1] |= e->bytes()[1] & kPrivateInt;
  n->set_lru(e->lru());
  memcpy(n->Payload(), e->Payload(), psize);
  FreeBlock(e, old_size);
  return n;
}

Entry* Entry::Clone(const Entry* e, std::string_view key, void* (*copy_object)(ObjType, const void*)) {
  size_t psize = e->PayloadSize();
  Entry* n = Allocate(key, e->bytes()[0], e->has_expire(), e->has_expire() ? e->expire_ms() : 0, psize);
  memcpy(n->Payload(), e->Payload(), psize);
  if (e->type() == ObjType::kString) {
    if (e->encoding() == Encoding::kInt) n->bytes()[1] |= kPrivateInt;  // Redis's COPY dups the object
    if (e->encoding() == Encoding::kRaw) {
      HeapString* h = e->heap();
      n->set_heap(HeapString::New(h->view(), h->len));
    }
  } else {
    n->set_object(copy_object(e->type(), e->object()));
  }
  return n;
}

void* Entry::FreeKeepingObject(Entry* e) {
  void* obj = e->object();
  // A collection's payload is one pointer: the block size is PayloadOffset() + 8.
  FreeBlock(e, e->PayloadOffset() + sizeof(void*));
  return obj;
}

void Entry::Free(Entry* e) {
  if (!e) return;
  // The size Allocate was given, which routes the block back to the slab or
  // to free(). Computed inline because it is on every DEL and overwrite: an
  // embstr under 128 bytes has a one-byte length, and every other payload is
  // 8 bytes (an integer or a pointer), as PayloadSize() says.
  static_assert(sizeof(void*) == 8);
  constexpr uint8_t kEmbstrTag = (uint8_t(ObjType::kString) << 4) | uint8_t(Encoding::kEmbstr);
  size_t off = e->PayloadOffset();
  uint8_t len0 = e->bytes()[off];
  size_t size = e->bytes()[0] != kEmbstrTag ? off + 8 : len0 < 0x80 ? off + 1 + len0 : off + e->PayloadSize();
  if (IsStringPointer(e->bytes()[0])) {
    free(e->heap());
  } else if (e->type() != ObjType::kString) {
    FreeObject(e->type(), e->object());
  }
  FreeBlock(e, size);
}

namespace {
void* MoveEntryBlock(void* p, size_t size) {
  if constexpr (kEntrySlab) {
    if (SlabAllocator::Handles(size)) return EntrySlab().MoveIfSparse(p, size);
  }
  return alloc_defrag::MoveIfWorth(p);
}
void* MoveHeapBlock(void* p) { return alloc_defrag::MoveIfWorth(p); }
constexpr Entry::DefragMovers kAllocatorMovers{MoveEntryBlock, MoveHeapBlock};
}  // namespace

const Entry::DefragMovers& Entry::AllocatorMovers() { return kAllocatorMovers; }

Entry* Entry::Defrag(Entry* e, const DefragMovers& m, uint64_t* hits, uint64_t* misses) {
  if (IsStringPointer(e->bytes()[0])) {
    if (void* h = m.heap(e->heap())) {
      e->set_heap(static_cast<HeapString*>(h));
      ++*hits;
    } else {
      ++*misses;
    }
  }
  if (void* n = m.block(e, e->PayloadOffset() + e->PayloadSize())) {
    ++*hits;
    return static_cast<Entry*>(n);
  }
  ++*misses;
  return e;
}

std::string_view Entry::StringValue(char* scratch) const {
  switch (encoding()) {
    case Encoding::kInt: return {scratch, FormatInt64(IntValue(), scratch)};
    case Encoding::kEmbstr: {
      size_t n;
      const uint8_t* p = GetVarint(Payload(), &n);
      return {reinterpret_cast<const char*>(p), n};
    }
    default: return heap()->view();
  }
}

size_t Entry::StringLength() const {
  char scratch[24];
  return StringValue(scratch).size();
}

size_t Entry::AllocatedBytes() const {
  size_t size = PayloadOffset() + PayloadSize();
  size_t n = BlockBytes(const_cast<Entry*>(this), size);
  if (n == 0) n = size;
  if (IsStringPointer(bytes()[0])) {
    size_t h = UsableSize(heap());
    n += h ? h : heap()->cap + sizeof(HeapString);
  }
  return n;
}

}  // namespace vireo
