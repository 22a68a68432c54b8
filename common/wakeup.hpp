#pragma once
// Wakes a libuv loop from another thread: an eventfd watched by a uv_poll_t. notify() may be called from
// any thread, any number of times; the loop runs `on_wake` once per drain of the counter.
//
// Why not uv_async_t: libuv 1.44's uv_async_send marks the handle pending before it writes, and the loop
// thread busy-waits (then sched_yield()s) until the sender has finished. With the sender and the loop
// pinned to one core that spin cost dhcpd 12% of its CPU under load (perf, bench/dhcp.sh). An eventfd
// write is one syscall and the loop never waits for anybody.
#include <functional>

#include "common/uv.hpp"

namespace pb::uv {

class Wakeup {
 public:
  // Throws std::runtime_error when the eventfd or the poll handle cannot be made (start-up only).
  Wakeup(uv_loop_t* loop, std::function<void()> on_wake);
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  // Thread-safe and async-signal-safe.
  void notify() const noexcept;

 private:
  void drain() noexcept;

  int fd_ = -1;
  Handle<uv_poll_t> poll_;
  std::function<void()> on_wake_;
};

}  // namespace pb::uv
