#include "common/ares_uv.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace pb::ares {
namespace {

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS)
      throw std::runtime_error(std::string("ares_library_init (") + ares_strerror(rc) + ")");
  });
}

struct Pending {
  Resolver* resolver;
  Resolver::Ipv4Callback done;
};

}  // namespace

Resolver::Resolver(uv_loop_t* loop, const Options& options) : loop_(loop), timer_(loop, uv_timer_init) {
  library_init();
  timer_->data = this;
  ares_options o{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
  o.sock_state_cb = &Resolver::on_socket_state;
  o.sock_state_cb_data = this;
  o.timeout = static_cast<int>(options.timeout.count());
  o.tries = options.tries;
  std::string lookups = options.lookups;
  o.lookups = lookups.data();
  if (int rc = ares_init_options(&channel_, &o, mask); rc != ARES_SUCCESS)
    throw std::runtime_error(std::string("ares_init_options (") + ares_strerror(rc) + ")");
  if (!options.servers.empty()) {
    std::string csv;
    for (const auto& s : options.servers) csv += (csv.empty() ? "" : ",") + s;
    if (int rc = ares_set_servers_ports_csv(channel_, csv.c_str()); rc != ARES_SUCCESS) {
      ares_destroy(channel_);
      throw std::runtime_error("invalid DNS servers '" + csv + "' (" + ares_strerror(rc) + ")");
    }
  }
}

Resolver::~Resolver() {
  // ares_destroy runs pending callbacks (ARES_EDESTRUCTION) and reports every socket closed through
  // on_socket_state, which stops and closes its poll before c-ares closes the fd.
  ares_destroy(channel_);
  polls_.clear();
}

void Resolver::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<Resolver*>(data);
  auto it = self->polls_.find(fd);
  if (readable == 0 && writable == 0) {
    if (it != self->polls_.end()) {
      // Synchronously, now: c-ares closes the fd as soon as we return.
      uv_poll_stop(it->second.get());
      self->polls_.erase(it);  // uv_close; memory freed in the close callback
    }
    return;
  }
  if (it == self->polls_.end()) {
    uv::Handle<uv_poll_t> poll;
    if (uv_poll_init_socket(self->loop_, poll.get(), fd) != 0) return;  // c-ares will time the query out
    poll.mark_initialized();
    poll->data = self;
    it = self->polls_.emplace(fd, std::move(poll)).first;
  }
  const int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
  uv_poll_start(it->second.get(), events, [](uv_poll_t* h, int status, int ev) {
    uv_os_fd_t socket = -1;
    uv_fileno(reinterpret_cast<uv_handle_t*>(h), &socket);
    static_cast<Resolver*>(h->data)->on_poll(socket, status, ev);
  });
}

void Resolver::on_poll(int fd, int status, int events) noexcept {
  // On a poll error let c-ares read and write: it then sees the socket's error and fails over.
  const bool all = status < 0;
  ares_process_fd(channel_, (all || (events & UV_READABLE)) ? fd : ARES_SOCKET_BAD,
                  (all || (events & UV_WRITABLE)) ? fd : ARES_SOCKET_BAD);
  rearm();
}

void Resolver::on_timer() noexcept {
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  rearm();
}

void Resolver::rearm() noexcept {
  timeval tv{};
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
    uv_timer_stop(timer_.get());
    return;
  }
  // Round up, so the timer never fires before c-ares considers the query late (a busy 0 ms loop).
  const std::uint64_t ms =
      static_cast<std::uint64_t>(tv.tv_sec) * 1000 + (static_cast<std::uint64_t>(tv.tv_usec) + 999) / 1000;
  uv_timer_start(
      timer_.get(), [](uv_timer_t* t) { static_cast<Resolver*>(t->data)->on_timer(); }, ms, 0);
}

void Resolver::resolve_ipv4(const std::string& name, Ipv4Callback done) {
  auto* pending = new Pending{this, std::move(done)};
  ares_gethostbyname(
      channel_, name.c_str(), AF_INET,
      [](void* arg, int status, int, hostent* host) {
        std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
        Ipv4Answer answer;
        answer.status = status;
        if (status == ARES_SUCCESS && host != nullptr && host->h_addrtype == AF_INET && host->h_length == 4) {
          for (char** a = host->h_addr_list; *a != nullptr; ++a) {
            std::uint32_t net = 0;
            std::memcpy(&net, *a, 4);
            answer.addresses.push_back(Ipv4Address{ntohl(net)});
          }
        }
        if (answer.status == ARES_SUCCESS && answer.addresses.empty()) answer.status = ARES_ENODATA;
        p->done(answer);
      },
      pending);
  rearm();
}

void Resolver::cancel() {
  ares_cancel(channel_);
  rearm();
}

}  // namespace pb::ares
