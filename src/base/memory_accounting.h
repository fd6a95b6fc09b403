// Used memory as the node reports it (INFO used_memory) and as maxmemory
// compares it, read cheaply enough to be checked before every command.
//
// jemalloc already keeps, for each thread, the bytes it ever allocated and
// ever freed (usable sizes; "thread.allocatedp"/"thread.deallocatedp" hand out
// pointers to those two counters, updated on every malloc/free fast path).
// Live bytes are the sum over threads of allocated - deallocated: a block
// allocated on the command thread and freed on the lazy-free thread counts
// +n on one and -n on the other. Reading it is a few loads: no system call,
// no epoch refresh (mallctl "epoch" + "stats.allocated" merges every arena's
// statistics and costs microseconds), no /proc read.
//
// The entry slab allocator (slab_allocator.h) takes 64 KiB pages from
// jemalloc; what a page holds in live blocks is what the keys use. The
// calling thread's slab is counted by its live blocks, not its pages, so a
// deleted key gives its bytes back to used_memory at once, as a jemalloc
// small allocation would (jemalloc's own slabs are counted the same way).
//
// Threads that allocate or free for the node register (RegisterThread) and
// unregister before exiting (their net count is folded into a total kept
// for exited threads). Unregistered threads are not seen; every thread the
// node starts registers.
//
// Without jemalloc (sanitizer builds, the libc allocator) the figure comes
// from the allocator's statistics call instead: exact, slower, test builds only.
//
// Thread rule: RegisterThread/UnregisterThread on the thread concerned;
// UsedMemory() from any registered thread (other threads' counters are read
// with relaxed atomic loads: the sum is a snapshot, each term exact).
#pragma once
#include <cstddef>

namespace vireo {

// Bytes in live allocations of every registered thread (slab blocks by
// their class size). The first call registers the calling thread.
size_t UsedMemory();

// Per-thread counters: call on a thread before it allocates for the node,
// and Unregister before it exits.
void RegisterMemoryThread();
void UnregisterMemoryThread();

// True when UsedMemory() reads per-thread counters (jemalloc builds).
bool UsedMemoryIsCheap();

}  // namespace vireo
