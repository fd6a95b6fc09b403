#include "persistence/chunk_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/memory_accounting.h"
#include "persistence/rdb_file.h"

namespace vireo {

ChunkFileWriter::~ChunkFileWriter() { Cancel(); }

bool ChunkFileWriter::Open(const std::string& temp_path, const std::string& final_path, Kind kind,
                           std::string* error) {
  temp_path_ = temp_path;
  final_path_ = final_path;
  kind_ = kind;
  fd_ = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int err = errno;
    if (kind == Kind::kAofBase) {
      *error = std::string("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ") + strerror(err);
      return false;
    }
    char cwd[4096];
    const char* dir = getcwd(cwd, sizeof(cwd)) ? cwd : "unknown";
    *error = "Failed opening the temp RDB file " + temp_path + " (in server root dir " + dir +
             ") for saving: " + strerror(err);
    return false;
  }
  thread_ = std::thread([this] { Run(); });
  return true;
}

void ChunkFileWriter::Push(std::string& chunk) {
  std::vector<RawSpan> none;
  Push(chunk, none, false);
}

void ChunkFileWriter::Push(std::string& chunk, std::vector<RawSpan>& spans, bool last) {
  Item item;
  item.bytes = std::move(chunk);
  item.spans = std::move(spans);
  item.last = last;
  chunk.clear();
  spans.clear();
  std::lock_guard<std::mutex> lock(mu_);
  pending_ += item.bytes.size();
  queue_.push_back(std::move(item));
  cv_.notify_one();
}

uint64_t ChunkFileWriter::pending_bytes() {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_;
}

void ChunkFileWriter::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  finishing_ = true;
  cv_.notify_one();
}

ChunkFileWriter::State ChunkFileWriter::Poll() {
  State s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = state_;
    if (s == State::kFailed) error_ = thread_error_;
  }
  if (s != State::kRunning && thread_.joinable()) thread_.join();
  return s;
}

void ChunkFileWriter::Cancel() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_ = true;
    cv_.notify_one();
  }
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == State::kRunning) state_ = State::kFailed;
}

ChunkFileWriter::State ChunkFileWriter::Wait() {
  if (thread_.joinable()) thread_.join();
  return Poll();
}

void ChunkFileWriter::Run() {
  // It frees the chunks the main thread allocated: count that against
  // used_memory (base/memory_accounting.h), or the figure would grow by
  // every image written.
  RegisterMemoryThread();
  const char* const write_error =
      kind_ == Kind::kAofBase ? "Write error writing append only file on disk: " : "Write error saving DB on disk: ";
  std::string failure;
  std::string encoded;
  for (;;) {
    Item item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return cancel_ || finishing_ || !queue_.empty(); });
      if (cancel_) break;
      if (queue_.empty()) break;  // finishing, all written
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const std::string* out = &item.bytes;
    if (encoder_) {
      encoded.clear();
      encoder_->Encode(item.bytes, item.spans, item.last, &encoded);
      out = &encoded;
    }
    const char* p = out->data();
    size_t left = out->size();
    while (left > 0) {
      ssize_t n = write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        failure = std::string(write_error) + strerror(errno);
        break;
      }
      p += n;
      left -= size_t(n);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_ -= item.bytes.size();
    }
    if (!failure.empty()) break;
  }
  bool cancelled;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled = cancel_;
  }
  if (failure.empty() && !cancelled) {
    if (fsync(fd_) != 0) failure = std::string(write_error) + strerror(errno);
  }
  if (close(fd_) != 0 && failure.empty() && !cancelled) {
    failure = std::string(write_error) + strerror(errno);
  }
  fd_ = -1;
  if (failure.empty() && !cancelled) {
    if (rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      failure = kind_ == Kind::kAofBase ? "Error trying to rename the temporary AOF base file " + temp_path_ +
                                              " into " + final_path_ + ": " + strerror(errno)
                                        : "Error moving temp DB file " + temp_path_ + " on the final destination " +
                                              final_path_ + ": " + strerror(errno);
    } else {
      FsyncDirectoryOf(final_path_);
    }
  }
  if (!failure.empty() || cancelled) unlink(temp_path_.c_str());
  std::unique_lock<std::mutex> lock(mu_);
  if (cancelled) {
    state_ = State::kFailed;
    thread_error_ = "cancelled";
  } else if (failure.empty()) {
    state_ = State::kDone;
  } else {
    state_ = State::kFailed;
    thread_error_ = failure;
  }
  lock.unlock();
  std::string().swap(failure);  // freed before the thread stops counting
  std::string().swap(encoded);
  encoder_.reset();
  UnregisterMemoryThread();
}

}  // namespace vireo
