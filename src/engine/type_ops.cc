#include "engine/type_ops.h"

#include <cstdlib>

namespace vireo {
namespace {

TypeOps g_ops[8];  // indexed by ObjType; filled before the first command runs

}  // namespace

void RegisterTypeOps(ObjType type, const TypeOps& ops) {
  g_ops[size_t(type)] = ops;
  SetObjectFreeFn(&FreeObject);
}

const TypeOps* GetTypeOps(ObjType type) {
  const TypeOps& o = g_ops[size_t(type)];
  return o.free ? &o : nullptr;
}

void FreeObject(ObjType type, void* obj) {
  const TypeOps* o = GetTypeOps(type);
  if (!o) abort();  // a value of a type nobody registered cannot exist
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
