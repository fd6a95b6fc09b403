#include "engine/type_ops.h"

#include <cstdlib>

#include "types/hash_value.h"
#include "types/quicklist.h"
#include "types/set_value.h"
#include "types/stream.h"
#include "types/zset_value.h"

namespace vireo {
namespace {

void FreeList(void* obj) { delete static_cast<Quicklist*>(obj); }
void* CopyList(const void* obj) { return new Quicklist(*static_cast<const Quicklist*>(obj)); }
size_t ListMemory(const void* obj) { return static_cast<const Quicklist*>(obj)->MemoryBytes(); }

void FreeHash(void* obj) { delete static_cast<HashValue*>(obj); }
void* CopyHash(const void* obj) { return new HashValue(*static_cast<const HashValue*>(obj)); }
size_t HashMemory(const void* obj) { return static_cast<const HashValue*>(obj)->MemoryBytes(); }

// Indexed by ObjType: constant data, nothing is registered at run time.
constexpr TypeOps kListOps{FreeList, CopyList, ListMemory};
constexpr TypeOps kSetOps{&SetValue::Free, &SetValue::Copy, &SetValue::Memory};
constexpr TypeOps kZSetOps{&ZSetValue::Free, &ZSetValue::Copy, &ZSetValue::Memory};
constexpr TypeOps kHashOps{FreeHash, CopyHash, HashMemory};
constexpr TypeOps kStreamOps{&Stream::Free, &Stream::Copy, &Stream::Memory};

}  // namespace

const TypeOps* GetTypeOps(ObjType type) {
  switch (type) {
    case ObjType::kList: return &kListOps;
    case ObjType::kSet: return &kSetOps;
    case ObjType::kZSet: return &kZSetOps;
    case ObjType::kHash: return &kHashOps;
    case ObjType::kStream: return &kStreamOps;
    default: return nullptr;  // strings live in the entry itself
  }
}

void FreeObject(ObjType type, void* obj) {
  const TypeOps* o = GetTypeOps(type);
  if (!o) abort();  // a value of a type without ops cannot exist
  o->free(obj);
}

void* CopyObject(ObjType type, const void* obj) {
  const TypeOps* o = GetTypeOps(type);
  if (!o || !o->copy) abort();
  return o->copy(obj);
}

size_t ObjectMemory(ObjType type, const void* obj) {
  const TypeOps* o = GetTypeOps(type);
  return o && o->memory ? o->memory(obj) : 0;
}

}  // namespace vireo
