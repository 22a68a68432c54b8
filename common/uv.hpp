#pragma once
// Ownership of libuv handles. libuv's rule (handle.rst): memory of a handle may be freed only in its close
// callback, after uv_close(). uv::Handle<T> owns that rule: it heap-allocates the handle, and its destructor
// calls uv_close() with a callback that deletes it. The loop must run once more after the last Handle is
// destroyed (Loop::~Loop does) so the callbacks can fire.
#include <uv.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace pb::uv {

// Throws at start-up only (binding a port, creating a timer); never on the per-packet path.
inline void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string(what) + " (" + uv_strerror(rc) + ")");
}

template <class T>
class Handle {
 public:
  Handle() : handle_(new T{}) {}
  // Initializes with uv_<kind>_init(loop, handle, args...): Handle<uv_timer_t> t(loop, uv_timer_init);
  template <class Init, class... Args>
  Handle(uv_loop_t* loop, Init init, Args&&... args) : handle_(new T{}) {
    check(init(loop, handle_, std::forward<Args>(args)...), "uv init");
    initialized_ = true;
  }
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept
      : handle_(std::exchange(o.handle_, nullptr)), initialized_(std::exchange(o.initialized_, false)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      handle_ = std::exchange(o.handle_, nullptr);
      initialized_ = std::exchange(o.initialized_, false);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  T* get() const noexcept { return handle_; }
  T* operator->() const noexcept { return handle_; }
  uv_handle_t* base() const noexcept { return reinterpret_cast<uv_handle_t*>(handle_); }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  // For handles whose init takes unusual arguments: call init yourself, then mark it.
  void mark_initialized() noexcept { initialized_ = true; }

  // Closes now; the memory goes in the close callback.
  void reset() noexcept {
    if (handle_ == nullptr) return;
    if (initialized_) {
      if (!uv_is_closing(base())) uv_close(base(), [](uv_handle_t* h) { delete reinterpret_cast<T*>(h); });
    } else {
      delete handle_;
    }
    handle_ = nullptr;
    initialized_ = false;
  }

 private:
  T* handle_;
  bool initialized_ = false;
};

// A loop that, on destruction, lets pending close callbacks run and then closes.
class Loop {
 public:
  Loop() { check(uv_loop_init(&loop_), "uv_loop_init"); }
  ~Loop() {
    uv_run(&loop_, UV_RUN_NOWAIT);  // runs the close callbacks of handles destroyed before us
    // A handle nobody closed (a bug, or a stop cut short by its grace timer) must not block the exit
    // forever: close what is left. Its memory, if it had an owner, is lost with the process anyway.
    uv_walk(
        &loop_,
        [](uv_handle_t* h, void*) {
          if (!uv_is_closing(h)) uv_close(h, nullptr);
        },
        nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  uv_loop_t* get() noexcept { return &loop_; }

 private:
  uv_loop_t loop_{};
};

}  // namespace pb::uv
