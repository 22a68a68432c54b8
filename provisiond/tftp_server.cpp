#include "provisiond/tftp_server.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "common/log.hpp"
#include "provisiond/mac_access.hpp"
#include "provisiond/path.hpp"
#include "provisiond/phone_fetches.hpp"
#include "provisiond/proxy_cache.hpp"

namespace pb::prov {
namespace {

constexpr std::uint64_t kTickMs = 20;
constexpr std::uint64_t kMaxNetasciiBytes = 16ull << 20;  // converted in memory; larger files go octet only
constexpr std::size_t kMaxBatch = 64;

std::uint64_t key_of(const sockaddr_in& a) noexcept {
  return (std::uint64_t{ntohl(a.sin_addr.s_addr)} << 16) | ntohs(a.sin_port);
}

std::string peer_text(const sockaddr_in& a) {
  const std::uint32_t ip = ntohl(a.sin_addr.s_addr);
  return fmt::format("{}.{}.{}.{}:{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, ntohs(a.sin_port));
}

const char* error_name(tftp::ErrorCode c) noexcept {
  switch (c) {
    case tftp::ErrorCode::NotDefined: return "error";
    case tftp::ErrorCode::FileNotFound: return "file-not-found";
    case tftp::ErrorCode::AccessViolation: return "access-violation";
    case tftp::ErrorCode::DiskFull: return "disk-full";
    case tftp::ErrorCode::IllegalOperation: return "illegal-operation";
    case tftp::ErrorCode::UnknownTid: return "unknown-tid";
    case tftp::ErrorCode::FileExists: return "file-exists";
    case tftp::ErrorCode::NoSuchUser: return "no-such-user";
    case tftp::ErrorCode::OptionRefused: return "option-refused";
  }
  return "error";
}

tftp::ErrorCode code_for(StoreError e) noexcept {
  switch (e) {
    case StoreError::NotFound: return tftp::ErrorCode::FileNotFound;
    case StoreError::Forbidden:
    case StoreError::BadName:
    case StoreError::Disabled: return tftp::ErrorCode::AccessViolation;
    case StoreError::TooLarge: return tftp::ErrorCode::DiskFull;
    case StoreError::Io: return tftp::ErrorCode::NotDefined;
  }
  return tftp::ErrorCode::NotDefined;
}

const char* message_for(StoreError e) noexcept {
  switch (e) {
    case StoreError::NotFound: return "file not found";
    case StoreError::TooLarge: return "file too large";
    case StoreError::Io: return "i/o error";
    default: return "access violation";
  }
}

class FileSource final : public tftp::Source {
 public:
  FileSource(UniqueFd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
  std::uint64_t size() const noexcept override { return size_; }
  std::optional<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) noexcept override {
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::pread(fd_.get(), out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::nullopt;
      if (n == 0) break;  // the file shrank: send what there is
      got += static_cast<std::size_t>(n);
    }
    return got;
  }

 private:
  UniqueFd fd_;
  std::uint64_t size_;
};

class MemorySource final : public tftp::Source {
 public:
  MemorySource(std::shared_ptr<const CachedFile> cached, std::string owned)
      : cached_(std::move(cached)), owned_(std::move(owned)) {}
  const std::string& bytes() const noexcept { return cached_ ? cached_->content : owned_; }
  std::uint64_t size() const noexcept override { return bytes().size(); }
  std::optional<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) noexcept override {
    std::memcpy(out.data(), bytes().data() + offset, out.size());
    return out.size();
  }

 private:
  std::shared_ptr<const CachedFile> cached_;
  std::string owned_;
};

class UploadTarget final : public tftp::Target {
 public:
  explicit UploadTarget(Upload upload) : upload_(std::move(upload)) {}
  bool write(std::span<const std::uint8_t> bytes) noexcept override { return upload_.write(bytes).ok(); }
  bool finish() noexcept override { return upload_.commit().ok(); }

 private:
  Upload upload_;
};

// RFC 1350 netascii: LF -> CR LF, CR -> CR NUL.
std::string to_netascii(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 16);
  for (char c : in) {
    if (c == '\n')
      out += "\r\n";
    else if (c == '\r')
      out.append("\r\0", 2);
    else
      out.push_back(c);
  }
  return out;
}

}  // namespace

// Packets of one loop turn for one transfer, sent with one sendmmsg on its connected socket.
class TftpServer::BatchSink final : public tftp::Sink {
 public:
  BatchSink(std::size_t count, std::size_t slot) : storage_(count * slot), iov_(count), msgs_(count), slot_(slot) {}
  void use(int fd) noexcept {
    fd_ = fd;
    used_ = 0;
  }
  void send(std::span<const std::uint8_t> packet) noexcept override {
    if (used_ == msgs_.size()) flush();
    if (packet.size() > slot_) return;
    std::uint8_t* p = storage_.data() + used_ * slot_;
    std::memcpy(p, packet.data(), packet.size());
    iov_[used_] = {p, packet.size()};
    msgs_[used_] = {};
    msgs_[used_].msg_hdr.msg_iov = &iov_[used_];
    msgs_[used_].msg_hdr.msg_iovlen = 1;
    ++used_;
    ++packets;
  }
  void flush() noexcept {
    std::size_t done = 0;
    while (done < used_) {
      const int n = ::sendmmsg(fd_, msgs_.data() + done, static_cast<unsigned>(used_ - done), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;  // UDP: what the kernel refuses (a full buffer) is lost and retransmitted by the timer
      }
      done += static_cast<std::size_t>(n);
    }
    used_ = 0;
  }
  std::uint64_t packets = 0;

 private:
  std::vector<std::uint8_t> storage_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> msgs_;
  std::size_t slot_;
  int fd_ = -1;
  std::size_t used_ = 0;
};

struct TftpServer::Transfer {
  TftpServer* server = nullptr;
  std::uint64_t key = 0;
  sockaddr_in peer{};
  UniqueFd fd;  // declared before poll: the handle closes first
  uv::Handle<uv_poll_t> poll;
  std::unique_ptr<tftp::Source> source;
  std::unique_ptr<tftp::Target> target;
  std::unique_ptr<tftp::ReadTransfer> read;
  std::unique_ptr<tftp::WriteTransfer> write;
  std::string name;
  std::uint64_t started_ms = 0;
  tftp::Negotiated negotiated;

  // The client's port is closed (ICMP port unreachable reached us as POLLERR): a phone that rebooted
  // mid-transfer frees its slot now, not after give_up_s.
  bool gone = false;

  bool finished() const noexcept { return gone || (read ? read->finished() : write->finished()); }
  std::uint64_t deadline() const noexcept { return read ? read->deadline() : write->deadline(); }

  void on_readable() noexcept {
    auto& buf = server->recv_buf_;
    auto& sink = *server->sink_;
    sink.use(fd.get());
    const std::uint64_t now = uv_now(server->loop_);
    // One datagram per readiness event: a lock-step transfer has one ACK waiting, and a second recv() would
    // only say EAGAIN (a fifth of the syscalls per block). The poll is level-triggered: more waiting, more events.
    for (int i = 0; i < 1 && !finished(); ++i) {
      const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) break;  // EAGAIN, or ECONNREFUSED when the client went away: the timer handles both
      auto packet = tftp::parse(std::span(buf.data(), static_cast<std::size_t>(n)));
      if (!packet) {
        server->stats_.drop(tftp::to_string(packet.error()));
        continue;
      }
      if (read)
        read->on_packet(packet.value(), sink, now);
      else
        write->on_packet(packet.value(), sink, now);
    }
    sink.flush();
  }

  void on_timer(std::uint64_t now) noexcept {
    auto& sink = *server->sink_;
    sink.use(fd.get());
    if (read)
      read->on_timer(sink, now);
    else
      write->on_timer(sink, now);
    sink.flush();
  }
};

TftpServer::TftpServer(uv_loop_t* loop, FileStore& store, Stats& stats, TftpServerOptions options)
    : loop_(loop), store_(store), stats_(stats), options_(std::move(options)) {
  compile_rules();
  udp::Options o;
  o.address = options_.listen.str();
  o.port = options_.port;
  o.packet_info = true;
  socket_ = std::make_unique<udp::Socket>(o);
  port_ = socket_->local_port();
  udp::Options e;
  e.address = options_.listen.str();
  error_socket_ = std::make_unique<udp::Socket>(e);
  recv_buf_.resize(4 + tftp::kMaxBlksize + 64);
  sink_ = std::make_unique<BatchSink>(kMaxBatch, 4 + std::size_t{options_.limits.max_blksize});
  watcher_ = std::make_unique<udp::Watcher>(loop_, socket_->fd(), [this] { on_requests(); });
  tick_ = uv::Handle<uv_timer_t>(loop_, uv_timer_init);
  tick_->data = this;
  uv_timer_start(
      tick_.get(), [](uv_timer_t* t) { static_cast<TftpServer*>(t->data)->on_tick(); }, kTickMs, kTickMs);
}

TftpServer::~TftpServer() { stop(); }

void TftpServer::stop() noexcept {
  if (watcher_) watcher_->stop();
  tick_.reset();
  transfers_.clear();
  stats_.active.set(0);
}

void TftpServer::compile_rules() {
  rules_.clear();
  for (const auto& r : options_.rename) {
    RE2::Options o;
    o.set_log_errors(false);
    auto re = std::make_unique<RE2>(r.pattern, o);
    if (!re->ok()) throw std::runtime_error("bad rename pattern '" + r.pattern + "'");
    rules_.emplace_back(std::move(re), r.replacement);
  }
}

void TftpServer::update(const TftpServerOptions& options) {
  const auto listen = options_.listen;
  const auto port = options_.port;
  const auto max_blksize = options_.limits.max_blksize;  // the batch buffers are sized for it
  options_ = options;
  options_.listen = listen;
  options_.port = port;
  options_.limits.max_blksize = std::min(options_.limits.max_blksize, max_blksize);
  compile_rules();
}

std::string TftpServer::rename(std::string name) const {
  for (const auto& [re, replacement] : rules_) RE2::Replace(&name, *re, replacement);
  return name;
}

void TftpServer::send_error(const sockaddr_in& to, tftp::ErrorCode code, std::string_view message) noexcept {
  std::uint8_t buf[256];
  const std::size_t n = tftp::build_error(buf, code, message);
  // From a port of its own, like any answer to a request (RFC 1350 section 4): never from port 69.
  (void)!::sendto(error_socket_->fd(), buf, n, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  stats_.requests(std::string(error_name(code))).inc();
}

void TftpServer::on_requests() noexcept {
  for (int round = 0; round < 4; ++round) {
    const std::size_t n = batch_.receive(socket_->fd());
    for (std::size_t i = 0; i < n; ++i) on_request(batch_.at(i));
    if (n < batch_.capacity()) break;
  }
}

void TftpServer::on_request(const udp::Datagram& d) noexcept {
  auto packet = tftp::parse(d.data);
  if (!packet) {
    stats_.drop(tftp::to_string(packet.error()));
    const auto e = packet.error();
    if (e == tftp::ParseError::BadOption)
      send_error(d.peer, tftp::ErrorCode::OptionRefused, "bad option value");
    else if (e == tftp::ParseError::BadMode)
      send_error(d.peer, tftp::ErrorCode::IllegalOperation, "unknown mode");
    else if (e != tftp::ParseError::Truncated)
      send_error(d.peer, tftp::ErrorCode::IllegalOperation, "malformed request");
    return;
  }
  const tftp::Packet& p = packet.value();
  if (p.opcode != tftp::Opcode::Rrq && p.opcode != tftp::Opcode::Wrq) {
    stats_.drop("not-a-request");
    if (p.opcode != tftp::Opcode::Error) send_error(d.peer, tftp::ErrorCode::UnknownTid, "no such transfer");
    return;
  }
  const std::uint64_t key = key_of(d.peer);
  if (transfers_.count(key) != 0 || waiting_.count(key) != 0) {
    stats_.drop("duplicate-request");  // the client repeated its request before our first answer came
    return;
  }
  const std::string peer = peer_text(d.peer);
  const tftp::Request& req = p.request;
  const char* kind = req.write ? "WRQ" : "RRQ";
  auto refuse = [&](tftp::ErrorCode code, std::string_view message, const char* why) {
    stats_.drop(why);
    send_error(d.peer, code, message);
    // A read the phone itself asked for, answered with an error (a refusal by MacAccess is someone else's).
    if (options_.fetches != nullptr && !req.write && std::string_view(why) != "mac-not-leased")
      options_.fetches->record(req.filename, Ipv4Address{ntohl(d.peer.sin_addr.s_addr)}, "tftp", error_name(code));
    log::info("provisiond", "tftp {} {} {} {} 0 0ms", peer, kind, req.filename, error_name(code));
  };
  if (transfers_.size() >= options_.max_transfers)
    return refuse(tftp::ErrorCode::NotDefined, "server busy, try again", "max-transfers");

  auto t = std::make_unique<Transfer>();
  t->server = this;
  t->key = key;
  t->peer = d.peer;
  t->name = req.filename;
  t->started_ms = uv_now(loop_);
  std::optional<std::uint64_t> size;

  if (req.write) {
    if (!options_.write) return refuse(tftp::ErrorCode::AccessViolation, "writes are disabled", "write-disabled");
    auto up = store_.begin_upload(req.filename, req.options.tsize.value_or(0));
    if (!up) return refuse(code_for(up.error()), message_for(up.error()), "upload-refused");
    t->target = std::make_unique<UploadTarget>(std::move(up.value()));
  } else {
    const std::string name = rename(req.filename);
    if (name != req.filename) log::debug("provisiond", "tftp: '{}' renamed to '{}'", req.filename, name);
    t->name = name;
    // A file named after a MAC goes only to the address holding its lease; others hear it is missing.
    if (options_.mac_access != nullptr &&
        !options_.mac_access->may_read(name, Ipv4Address{ntohl(d.peer.sin_addr.s_addr)}, std::time(nullptr)))
      return refuse(tftp::ErrorCode::FileNotFound, "file not found", "mac-not-leased");
    auto opened = store_.open(name, true, uv_now(loop_));
    if (!opened && opened.error() == StoreError::NotFound && options_.proxy != nullptr) {
      if (!after_fetch_ && wait_for_proxy(d, key, name)) return;
      opened = options_.proxy->store().open(name, true, uv_now(loop_));
    }
    if (!opened)
      return refuse(code_for(opened.error()),
                    opened.error() == StoreError::NotFound ? "file not found" : "access violation",
                    to_string(opened.error()));
    OpenedFile& f = opened.value();
    if (req.mode == tftp::Mode::Netascii) {
      if (f.info().size > kMaxNetasciiBytes)
        return refuse(tftp::ErrorCode::IllegalOperation, "file too large for netascii, use octet",
                      "netascii-too-large");
      std::string text;
      if (f.cached) {
        text = to_netascii(f.cached->content);
      } else {
        std::string raw(f.info().size, '\0');
        FileSource src(std::move(f.fd), f.info().size);
        auto got = src.read(0, std::span(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size()));
        if (!got) return refuse(tftp::ErrorCode::NotDefined, "read error", "io");
        raw.resize(*got);
        text = to_netascii(raw);
      }
      t->source = std::make_unique<MemorySource>(nullptr, std::move(text));
      // tsize is the file's size on the wire; without conversion up front we would not know it.
      size = t->source->size();
    } else {
      size = f.info().size;
      if (f.cached)
        t->source = std::make_unique<MemorySource>(std::move(f.cached), std::string());
      else
        t->source = std::make_unique<FileSource>(std::move(f.fd), f.info().size);
    }
  }
  auto negotiated = tftp::negotiate(req, size, options_.limits);
  if (!negotiated) return refuse(negotiated.error(), "option negotiation refused", "option-refused");
  t->negotiated = negotiated.value();

  // The transfer's own socket, from the address the request came to, connected to the client.
  t->fd = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr = d.local.s_addr != 0 ? d.local : in_addr{htonl(options_.listen.value)};
  if (!t->fd || ::bind(t->fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(t->fd.get(), reinterpret_cast<const sockaddr*>(&d.peer), sizeof d.peer) != 0)
    return refuse(tftp::ErrorCode::NotDefined, "no socket", "socket");
  const int buffer = 1 << 20;  // room for a whole window of large blocks
  ::setsockopt(t->fd.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  try {
    t->poll = uv::Handle<uv_poll_t>(loop_, uv_poll_init, t->fd.get());
  } catch (const std::exception&) {
    return refuse(tftp::ErrorCode::NotDefined, "no socket", "socket");
  }
  t->poll->data = t.get();
  const std::uint32_t give_up = options_.limits.give_up_ms;
  sink_->use(t->fd.get());
  if (t->target) {
    t->write =
        std::make_unique<tftp::WriteTransfer>(*t->target, t->negotiated, req.mode, options_.limits.rollover, give_up);
    t->write->start(*sink_, t->started_ms);
  } else {
    t->read = std::make_unique<tftp::ReadTransfer>(*t->source, t->negotiated, options_.limits.rollover, give_up);
    t->read->start(*sink_, t->started_ms);
  }
  sink_->flush();
  uv_poll_start(t->poll.get(), UV_READABLE, [](uv_poll_t* h, int status, int) {
    auto* tr = static_cast<Transfer*>(h->data);
    if (status == 0)
      tr->on_readable();
    else
      tr->gone = true;  // libuv stops the poll on POLLERR
    if (tr->finished()) tr->server->finish(tr);
  });
  stats_.active.add(1);
  Transfer* raw = t.get();
  transfers_.emplace(key, std::move(t));
  if (raw->finished()) finish(raw);
}

// A read of a name the root lacks, when the caching proxy must fetch it first: the request is kept and
// answered again once the fetch ended (from the kept copies). True when it waits.
bool TftpServer::wait_for_proxy(const udp::Datagram& d, std::uint64_t key, const std::string& name) noexcept {
  auto relative = normalize(name, true);
  if (!relative || options_.proxy->lookup(relative.value()) == ProxyCache::Lookup::serve) return false;
  waiting_.insert(key);
  std::vector<std::uint8_t> bytes(d.data.begin(), d.data.end());
  std::weak_ptr<int> alive = token_;
  options_.proxy->fetch(relative.value(), [this, alive, key, peer = d.peer, bytes = std::move(bytes)]() mutable {
    if (alive.expired()) return;
    waiting_.erase(key);
    udp::Datagram replay;
    replay.data = std::span(bytes);
    replay.peer = peer;
    after_fetch_ = true;
    on_request(replay);
    after_fetch_ = false;
  });
  return true;
}

void TftpServer::on_tick() noexcept {
  const std::uint64_t now = uv_now(loop_);
  std::vector<Transfer*> done;
  for (auto& [key, t] : transfers_) {
    if (now >= t->deadline()) t->on_timer(now);
    if (t->finished()) done.push_back(t.get());
  }
  for (Transfer* t : done) finish(t);
}

void TftpServer::finish(Transfer* t) noexcept {
  const std::uint64_t ms = uv_now(loop_) - t->started_ms;
  const bool ok = t->read ? t->read->state() == tftp::State::Done : t->write->state() == tftp::State::Done;
  // (a finished upload that lingers for a repeated final ACK stays ok when the client has already left)
  const char* reason = t->gone ? "client-gone" : t->read ? t->read->reason() : t->write->reason();
  const std::uint64_t bytes = t->read ? t->read->bytes_sent() : t->write->bytes_received();
  if (options_.fetches != nullptr && t->read)
    options_.fetches->record(t->name, Ipv4Address{ntohl(t->peer.sin_addr.s_addr)}, "tftp", ok ? "ok" : reason);
  if (ok)
    stats_.requests(std::string("ok")).inc();
  else
    stats_.drop(reason);
  if (t->read)
    stats_.sent.inc(t->read->bytes_sent());
  else
    stats_.received.inc(t->write->bytes_received());
  stats_.latency.observe(static_cast<double>(ms) / 1000.0);
  stats_.active.add(-1);
  if (log::level() <= log::Level::info)
    log::info("provisiond", "tftp {} {} {} {} {} {}ms blksize={} windowsize={} retransmits={}", peer_text(t->peer),
              t->read ? "RRQ" : "WRQ", t->name, ok ? "ok" : reason, bytes, ms, t->negotiated.blksize,
              t->negotiated.windowsize, t->read ? t->read->retransmissions() : 0);
  transfers_.erase(t->key);
}

}  // namespace pb::prov
