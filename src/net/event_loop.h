// EventLoop: a single-threaded epoll (or io_uring, net/ring_io.h) loop with one periodic timer (the
// server's cron) and a hook that runs before every sleep (where replies are
// flushed, so a burst of pipelined commands leaves in few writes).
// Thread rule: every method is called from the loop's own thread.
#pragma once
#include <cstdint>
#include <algorithm>
#include <functional>
#include <memory>

#include "net/ring_io.h"

namespace vireo {

// Anything registered with the loop: a listener or a client connection.
class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // events: EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits.
  virtual void OnIo(uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return epfd_ >= 0; }
  // The io_uring that sleeps for the loop and reads plain client sockets
  // (net/ring_io.h); null where it cannot be used: then epoll does it all.
  RingIo* ring() { return ring_.get(); }
  // Registers or updates fd; readable/writable select EPOLLIN/EPOLLOUT.
  bool Watch(int fd, IoHandler* h, bool readable, bool writable);
  void Unwatch(int fd);

  void set_timer(int period_ms, std::function<void()> fn) {
    timer_period_ms_ = period_ms;
    timer_ = std::move(fn);
  }
  void set_timer_period(int period_ms) { timer_period_ms_ = period_ms; }
  void set_before_sleep(std::function<void()> fn) { before_sleep_ = std::move(fn); }

  // Runs until Stop().
  void Run();
  // Waits up to timeout_ms once and dispatches the ready events, without the
  // timer or the before-sleep hook (a slow script lets other clients in).
  void PollOnce(int timeout_ms);
  void Stop() { stop_ = true; }
  bool stopping() const { return stop_; }
  // Makes the next wait return at once (work queued outside an I/O event).
  void WakeSoon() { wake_soon_ = true; }
  // The next wait ends no later than this wall-clock time in ms (timeouts of blocked clients).
  void WakeBy(int64_t wall_ms) { wake_by_ms_ = wake_by_ms_ ? std::min(wake_by_ms_, wall_ms) : wall_ms; }

 private:
  // Waits up to timeout_ms and dispatches what is ready (ring and epoll set).
  void WaitAndDispatch(int timeout_ms);
  void DispatchEpoll(int timeout_ms);
  int epfd_ = -1;
  std::unique_ptr<RingIo> ring_;
  std::function<void()> epoll_ready_;  // DispatchEpoll(0), made once
  bool stop_ = false;
  bool wake_soon_ = false;
  int64_t wake_by_ms_ = 0;
  int timer_period_ms_ = 100;
  int64_t next_timer_us_ = 0;
  std::function<void()> timer_;
  std::function<void()> before_sleep_;
};

}  // namespace vireo
