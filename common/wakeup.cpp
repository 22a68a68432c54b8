#include "common/wakeup.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace pb::uv {

Wakeup::Wakeup(uv_loop_t* loop, std::function<void()> on_wake) : on_wake_(std::move(on_wake)) {
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(std::string("eventfd (") + std::strerror(errno) + ")");
  try {
    poll_ = Handle<uv_poll_t>(loop, uv_poll_init, fd_);
  } catch (...) {
    ::close(fd_);
    throw;
  }
  poll_->data = this;
  check(uv_poll_start(poll_.get(), UV_READABLE,
                      [](uv_poll_t* h, int status, int) {
                        if (status >= 0) static_cast<Wakeup*>(h->data)->drain();
                      }),
        "uv_poll_start");
}

Wakeup::~Wakeup() {
  poll_.reset();  // stops watching before the descriptor goes
  ::close(fd_);
}

void Wakeup::notify() const noexcept {
  const std::uint64_t one = 1;
  // EAGAIN only when the counter is about to overflow: a wake-up is pending anyway.
  [[maybe_unused]] const ssize_t n = ::write(fd_, &one, sizeof one);
}

void Wakeup::drain() noexcept {
  std::uint64_t count = 0;
  if (::read(fd_, &count, sizeof count) != sizeof count) return;  // another drain took it
  on_wake_();
}

}  // namespace pb::uv
