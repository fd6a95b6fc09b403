#include "net/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"

namespace vireo {

EventLoop::EventLoop() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  ring_ = RingIo::Create();
  epoll_ready_ = [this] { DispatchEpoll(0); };
}

EventLoop::~EventLoop() {
  if (epfd_ >= 0) close(epfd_);
}

bool EventLoop::Watch(int fd, IoHandler* h, bool readable, bool writable) {
  epoll_event ev{};
  ev.events = (readable ? uint32_t(EPOLLIN) : 0u) | (writable ? uint32_t(EPOLLOUT) : 0u);
  ev.data.ptr = h;
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0) return true;
  if (errno == ENOENT) return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
  return false;
}

void EventLoop::Unwatch(int fd) {
  epoll_event ev{};
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
}

void EventLoop::DispatchEpoll(int timeout_ms) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epfd_, events, kMaxEvents, timeout_ms);
  for (int i = 0; i < n; ++i) {
    static_cast<IoHandler*>(events[i].data.ptr)->OnIo(events[i].events);
  }
}

void EventLoop::WaitAndDispatch(int timeout_ms) {
  if (ring_) {
    ring_->Wait(timeout_ms, epfd_, epoll_ready_);
  } else {
    DispatchEpoll(timeout_ms);
  }
}

void EventLoop::Run() {
  next_timer_us_ = MonoUs() + int64_t(timer_period_ms_) * 1000;
  while (!stop_) {
    if (before_sleep_) before_sleep_();
    if (stop_) break;
    int64_t now = MonoUs();
    int timeout_ms = 0;
    if (!wake_soon_) {
      int64_t wait_us = next_timer_us_ - now;
      timeout_ms = wait_us <= 0 ? 0 : int((wait_us + 999) / 1000);
      if (wake_by_ms_) {
        int64_t until = wake_by_ms_ - NowMs();
        if (until < timeout_ms) timeout_ms = until <= 0 ? 0 : int(until);
      }
    }
    wake_by_ms_ = 0;
    wake_soon_ = false;
    WaitAndDispatch(timeout_ms);
    now = MonoUs();
    if (now >= next_timer_us_) {
      next_timer_us_ = now + int64_t(timer_period_ms_) * 1000;
      if (timer_) timer_();
    }
  }
}

void EventLoop::PollOnce(int timeout_ms) { WaitAndDispatch(timeout_ms); }

}  // namespace vireo
