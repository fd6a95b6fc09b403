// TypeOps: what the engine must be able to do with a collection value
// without knowing its type — free it, deep-copy it (COPY), and size it
// (MEMORY USAGE). The table is constant data in type_ops.cc, one row per
// collection type (a new type adds its row there).
// Thread rule: read-only, safe from any thread.
#pragma once
#include <cstddef>

#include "engine/entry.h"

namespace vireo {

struct TypeOps {
  void (*free)(void* obj) = nullptr;
  void* (*copy)(const void* obj) = nullptr;
  size_t (*memory)(const void* obj) = nullptr;  // bytes held by the value
};

// nullptr for strings and for types with nothing registered.
const TypeOps* GetTypeOps(ObjType type);

// Frees/copies any non-string payload through the table.
void FreeObject(ObjType type, void* obj);
void* CopyObject(ObjType type, const void* obj);
size_t ObjectMemory(ObjType type, const void* obj);

}  // namespace vireo
