#include "engine/lazy_free.h"

#include "base/memory_accounting.h"
#include "engine/type_ops.h"
#include "types/hash_value.h"
#include "types/quicklist.h"
#include "types/set_value.h"
#include "types/stream.h"
#include "types/zset_value.h"

namespace vireo {

LazyFreer::~LazyFreer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t LazyFreer::FreeEffort(const Entry* e) {
  const void* obj = e->type() == ObjType::kString ? nullptr : e->object();
  switch (e->type()) {
    case ObjType::kList: return static_cast<const Quicklist*>(obj)->node_count();
    case ObjType::kSet:
      return e->encoding() == Encoding::kHashtable ? SetValue(const_cast<void*>(obj)).size() : 1;
    case ObjType::kZSet:
      return e->encoding() == Encoding::kSkiplist ? static_cast<const ZSetValue*>(obj)->size() : 1;
    case ObjType::kHash:
      return e->encoding() == Encoding::kHashtable ? static_cast<const HashValue*>(obj)->size() : 1;
    case ObjType::kStream: return static_cast<const Stream*>(obj)->node_count();
    default: return 1;  // strings: one allocation
  }
}

bool LazyFreer::FreeEntry(Entry* e) {
  if (e->type() == ObjType::kString || FreeEffort(e) <= kEffortThreshold) {
    Entry::Free(e);
    return false;
  }
  const ObjType type = e->type();
  Submit(type, Entry::FreeKeepingObject(e));
  return true;
}

void LazyFreer::Submit(ObjType type, void* obj) {
  // A list's open compressed nodes are main-thread state (types/quicklist.h).
  if (type == ObjType::kList) static_cast<Quicklist*>(obj)->ReleaseForOtherThread();
  pending_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({type, obj});
    if (!started_) {
      started_ = true;
      thread_ = std::thread([this] { Run(); });
    }
  }
  cv_.notify_one();
}

void LazyFreer::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return pending_.load(std::memory_order_relaxed) == 0; });
}

void LazyFreer::Run() {
  // Its frees count against used_memory (memory_accounting.h).
  RegisterMemoryThread();
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty() && stop_) break;
    Job job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    FreeObject(job.type, job.obj);  // malloc'd memory only: safe on this thread
    freed_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
    if (pending_.fetch_sub(1, std::memory_order_relaxed) == 1) idle_cv_.notify_all();
  }
  lock.unlock();
  UnregisterMemoryThread();
}

}  // namespace vireo
