#pragma once
// c-ares driven by a libuv loop, with no second loop and no polling timer (DESIGN.md "Known traps").
//
// How it joins the loop:
// - ARES_OPT_SOCK_STATE_CB tells us when c-ares opens, watches or closes a socket. Each socket gets one
//   uv_poll_t (two poll handles on one fd are undefined behaviour in libuv). When c-ares says it no longer
//   wants the socket (read = write = 0) the poll is stopped synchronously, inside the callback, before
//   c-ares closes the fd, and the handle is closed and freed in its close callback.
// - Timeouts and retries fire no socket event (c-ares #681), so one uv_timer_t is re-armed from
//   ares_timeout() after every query start and every processing round.
// - ares_fds()/select() are never used.
//
// Works with c-ares 1.18 (Debian 12): ares_process_fd() rather than ares_process_fds() (1.34+).
//
// Threading: everything runs on the loop's thread. Callbacks run from inside the loop (or, with status
// ARES_EDESTRUCTION, from ~Resolver): they must not destroy the Resolver that calls them.
#include <ares.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/net.hpp"
#include "common/uv.hpp"

namespace pb::ares {

struct Options {
  // DNS servers as "a.b.c.d" or "a.b.c.d:port"; empty: those of /etc/resolv.conf.
  std::vector<std::string> servers;
  // "b" (DNS only), "f" (/etc/hosts only) or "fb" (hosts first): c-ares's lookup order.
  std::string lookups = "fb";
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
};

// Result of resolve_ipv4: status is ARES_SUCCESS with at least one address, or a c-ares error code
// (ARES_ENOTFOUND, ARES_ETIMEOUT, ARES_ECANCELLED, ARES_EDESTRUCTION, ...); message() names it.
struct Ipv4Answer {
  int status = ARES_SUCCESS;
  std::vector<Ipv4Address> addresses;
  bool ok() const noexcept { return status == ARES_SUCCESS && !addresses.empty(); }
  std::string message() const { return ares_strerror(status); }
};

class Resolver {
 public:
  using Ipv4Callback = std::function<void(const Ipv4Answer&)>;

  // Throws std::runtime_error at start-up when the channel cannot be created or a server is invalid.
  Resolver(uv_loop_t* loop, const Options& options = {});
  // Pending callbacks run with ARES_EDESTRUCTION; every poll handle and the timer are closed.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves `name` to IPv4 addresses; `done` runs exactly once. For a dotted quad or an /etc/hosts name it
  // runs before resolve_ipv4 returns; otherwise later, from the loop.
  void resolve_ipv4(const std::string& name, Ipv4Callback done);
  // Cancels every pending query: their callbacks run now with ARES_ECANCELLED.
  void cancel();

  // For callers that issue their own c-ares queries (ares_send, ares_query): call rearm() right after, so
  // the timeout timer covers the new query.
  ares_channel channel() const noexcept { return channel_; }
  void rearm() noexcept;

  // Sockets currently watched (for tests: every socket c-ares opened is closed again when idle).
  std::size_t watched_sockets() const noexcept { return polls_.size(); }

 private:
  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  void on_poll(int fd, int status, int events) noexcept;
  void on_timer() noexcept;

  uv_loop_t* loop_;
  ares_channel channel_ = nullptr;
  std::map<ares_socket_t, uv::Handle<uv_poll_t>> polls_;
  uv::Handle<uv_timer_t> timer_;
};

}  // namespace pb::ares
