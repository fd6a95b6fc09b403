// Allocation moves for active defragmentation (engine/active_defrag.h): asks
// the allocator whether a live allocation sits somewhere that keeps memory
// from being given back, and moves it.
//
// Redis ships a patched jemalloc with a "defrag hint" call. Debian's stock
// jemalloc 5.3 has none, but it has mallctl("experimental.utilization.query"),
// which tells, for a pointer, how many regions of its slab are free, how many
// regions are free in its whole bin (every slab of that size class in the
// arena), and where the bin currently allocates from. A small allocation is
// worth moving when its slab has free regions, is not the bin's current
// slab, and is used at or below the bin's average: moving it (a fresh
// allocation that skips the thread cache, so it lands in the bin's current,
// fuller slab; copy; free the old one, also skipping the cache so its slab
// empties) lets sparse slabs drain and be returned. Large allocations (their
// own extent) never move.
//
// Builds without jemalloc (sanitizer and fuzzing builds) have no hint:
// Supported() is false and ShouldMove() always false; Move() still works.
//
// Thread rule: thread-safe (jemalloc locks the bin); the caller must make sure
// no other thread reads the allocation while it moves.
#pragma once
#include <cstddef>

namespace vireo::alloc_defrag {

// True when this build's allocator can tell which allocations should move.
bool Supported();

// True when p (a live malloc'd block) sits in an under-used, non-current slab
// of its size class.
bool ShouldMove(const void* p);

// Moves p unconditionally: allocates a block of p's usable size bypassing the
// thread cache, copies the usable bytes, frees p (also bypassing it). Returns
// the new address; p is invalid afterwards.
void* Move(void* p);

// Move(p) when ShouldMove(p), else nullptr (p stays valid).
inline void* MoveIfWorth(void* p) { return ShouldMove(p) ? Move(p) : nullptr; }

}  // namespace vireo::alloc_defrag
