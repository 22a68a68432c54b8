#include "dhcpd/server.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

#include "common/log.hpp"

namespace pb::dhcp {
namespace {

constexpr std::uint16_t kClientPort = 68;
constexpr std::uint16_t kServerPort = 67;

udp::Options socket_options(const config::Model& model) {
  udp::Options o;
  o.port = model.dhcpd.port;
  o.broadcast = true;
  o.packet_info = true;
  o.receive_buffer = 4 << 20;
  o.send_buffer = 4 << 20;
  // Listen on the voice VLAN's interface when it exists (a lab or test may run without it).
  if (::if_nametoindex(model.site.interface.c_str()) != 0) o.device = model.site.interface;
  return o;
}

std::int64_t wall_now() noexcept { return static_cast<std::int64_t>(::time(nullptr)); }

}  // namespace

Server::Server(DaemonContext& context)
    : loop_(context.loop),
      metrics_(context.metrics),
      model_(context.model),
      settings_(Settings::build(*context.model)),
      responder_(*settings_, leases_),
      socket_(socket_options(*context.model)) {
  // Option 2 (and the DST rule in 100) come from the site's zone; the process runs in that zone.
  ::setenv("TZ", (":" + model_->site.timezone).c_str(), 1);
  ::tzset();
  for (const auto& w : settings_->warnings) log::warning("dhcpd", "inventory: {}", w);
  const std::string dir = state_directory(*model_);
  durable_wakeup_ = std::make_unique<uv::Wakeup>(loop_, [this] { release_waiting(); });
  uv::Wakeup* wakeup = durable_wakeup_.get();
  store_ = std::make_unique<LeaseStore>(dir, leases_, model_->dhcpd.compact_after, &metrics_,
                                        [wakeup] { wakeup->notify(); });
  log::info("dhcpd", "lease store '{}': {} records replayed, {} leases bound", dir, store_->replayed_records(),
            leases_.bound(wall_now()));

  for (int t = 1; t <= 8; ++t) {
    const std::string name(message_name(static_cast<MessageType>(t)));
    received_[t] = &metrics_.counter("dhcpd_received_total", "requests received by message type", {{"type", name}});
    sent_[t] = &metrics_.counter("dhcpd_sent_total", "replies sent by message type", {{"type", name}});
  }
  for (std::size_t r = 0; r < static_cast<std::size_t>(DropReason::count_); ++r)
    drops_[r] = &metrics_.counter("dhcpd_drops_total", "datagrams dropped, by reason",
                                  {{"reason", std::string(drop_name(static_cast<DropReason>(r)))}});
  leases_bound_ = &metrics_.gauge("dhcpd_leases_bound", "leases bound and not expired");
  leases_total_ = &metrics_.gauge("dhcpd_leases_known", "addresses with a lease record in memory");
  arp_fallbacks_ =
      &metrics_.counter("dhcpd_arp_fallbacks_total", "unicast replies broadcast because no ARP entry could be set");

  conflicts_ = &metrics_.counter("dhcpd_ping_conflicts_total", "addresses that answered the ping check (quarantined)");
  reservation_conflicts_ = &metrics_.counter("dhcpd_reservation_conflicts_total",
                                             "requests of reserved clients whose address another client holds");
  if (settings_->ping_check) {
    pinger_ = std::make_unique<Pinger>();
    ping_watcher_ = std::make_unique<udp::Watcher>(loop_, pinger_->fd(), [this] { on_ping_replies(); });
    ping_timer_ = uv::Handle<uv_timer_t>(loop_, uv_timer_init);
    ping_timer_->data = this;
  }
  watcher_ = std::make_unique<udp::Watcher>(loop_, socket_.fd(), [this] { on_readable(); });
  tick_ = uv::Handle<uv_timer_t>(loop_, uv_timer_init);
  tick_->data = this;
  uv_timer_start(
      tick_.get(), [](uv_timer_t* t) { static_cast<Server*>(t->data)->on_tick(); }, 1000, 5000);
  log::info("dhcpd", "serving on port {} ({} subnet(s), {} class(es), {} reservation(s))", model_->dhcpd.port,
            settings_->subnets.size(), settings_->classes.size(), settings_->reservations.size());
}

Server::~Server() { stop(); }

std::string Server::state_directory(const config::Model& model) { return config::dhcpd_state_dir(model); }

void Server::stop() {
  if (watcher_) watcher_->stop();
  watcher_.reset();
  tick_.reset();
  if (ping_watcher_) ping_watcher_->stop();
  ping_watcher_.reset();
  ping_timer_.reset();
  if (store_) {
    store_->commit();
    release_waiting();
    store_.reset();  // joins the committer before the wake-up it signals goes away
  }
  durable_wakeup_.reset();
}

void Server::reload(std::shared_ptr<const config::Model> model) {
  try {
    auto settings = Settings::build(*model);
    if (model->dhcpd.port != model_->dhcpd.port || model->site.state_dir != model_->site.state_dir ||
        model->site.timezone != model_->site.timezone || model->dhcpd.ping_check != model_->dhcpd.ping_check)
      log::warning("dhcpd", "changes of port, state_dir, timezone and ping_check take effect at the next restart");
    settings_ = std::move(settings);
    responder_.set_settings(*settings_);
    model_ = std::move(model);
    for (const auto& w : settings_->warnings) log::warning("dhcpd", "inventory: {}", w);
  } catch (const std::exception& e) {
    log::error("dhcpd", "reload refused, keeping the running configuration ({})", e.what());
  }
}

// Per pool: the leases bound in it, and the addresses free (size - held by a lease, an offer or a
// quarantine - never given: ours and the reservations). One pass over the leases, not over the pools, so a
// /8 pool costs nothing. Gauges are found by the pool's label at every tick, so a reload that changes the
// pools labels them right; a pool that went away reads 0 rather than its last value.
void Server::update_pool_gauges(std::int64_t now) {
  struct Use {
    const CompiledPool* pool;
    std::uint64_t bound = 0, held = 0, never_given = 0;  // held: bound, offered or quarantined
  };
  std::vector<Use> uses;
  for (const auto& sn : settings_->subnets)
    for (const auto& p : sn.pools) uses.push_back({&p});
  auto find = [&](std::uint32_t a) -> Use* {
    for (auto& u : uses)
      if (a >= u.pool->start && a <= u.pool->end) return &u;
    return nullptr;
  };
  leases_.for_each([&](const Lease& l) {
    if (!l.active(now) || settings_->excluded.count(l.address.value) != 0) return;
    if (Use* u = find(l.address.value)) {
      ++u->held;
      if (l.state == Lease::State::bound) ++u->bound;
    }
  });
  for (std::uint32_t a : settings_->excluded)
    if (Use* u = find(a)) ++u->never_given;
  const auto set_pool = [&](const std::string& label, std::uint64_t bound, std::uint64_t free) {
    metrics_.gauge("dhcpd_pool_active", "leases bound per pool", {{"pool", label}}).set(static_cast<double>(bound));
    metrics_.gauge("dhcpd_pool_free", "free addresses per pool", {{"pool", label}}).set(static_cast<double>(free));
  };
  std::set<std::string> labels;
  for (const auto& u : uses) {
    const std::string label = Ipv4Address{u.pool->start}.str() + "-" + Ipv4Address{u.pool->end}.str();
    const std::uint64_t size = std::uint64_t{u.pool->end} - u.pool->start + 1;
    set_pool(label, u.bound, size - std::min(size, u.held + u.never_given));
    labels.insert(label);
  }
  for (const auto& gone : pool_labels_)
    if (labels.count(gone) == 0) set_pool(gone, 0, 0);
  pool_labels_.insert(labels.begin(), labels.end());
}

std::int32_t Server::utc_offset(std::int64_t now) const noexcept {
  const time_t t = static_cast<time_t>(now);
  struct tm local {};
  if (::localtime_r(&t, &local) == nullptr) return 0;
  return static_cast<std::int32_t>(local.tm_gmtoff);
}

bool Server::rate_limited(const Packet& p, std::int64_t now) noexcept {
  // One window per second per key; the map is cleared when a flood of forged MACs makes it large.
  auto over = [&](const std::string& key, std::int64_t limit) {
    auto& s = rates_[key];
    if (s.second != now) {
      s.second = now;
      s.count = 0;
    }
    return ++s.count > limit;
  };
  try {
    if (rates_.size() > 100000) rates_.clear();
    if (settings_->relay_rate_limit > 0 && p.giaddr.value != 0 &&
        over("r" + std::to_string(p.giaddr.value), settings_->relay_rate_limit))
      return true;
    return settings_->rate_limit > 0 && over(mac_key(p.hwaddr(), p.htype), settings_->rate_limit);
  } catch (...) {
    return true;
  }
}

void Server::on_readable() noexcept {
  // Bounded per callback so the timer and signals still get their turn under a flood.
  for (int round = 0; round < 16; ++round) {
    const std::size_t n = receive_.receive(socket_.fd());
    if (n == 0) break;
    for (std::size_t i = 0; i < n; ++i) process(receive_.at(i));
    flush();
    if (n < receive_.capacity()) break;
  }
}

void Server::flush() noexcept {
  // Replies that need no durability (OFFER, NAK, INFORM's ACK) leave now; the batch's lease records go to
  // the committer, and their ACKs leave from release_waiting() once the batch is on disk.
  try {
    if (store_->has_pending()) store_->submit();
  } catch (...) {
    log::error("dhcpd", "cannot hand a batch to the journal");
  }
  send_.flush(socket_.fd());
}

void Server::release_waiting() noexcept {
  if (!store_) return;
  const std::uint64_t durable = store_->durable();
  const std::uint64_t failed = store_->failed();
  in_addr source{};
  source.s_addr = htonl(settings_->server.value);
  while (!waiting_.empty()) {
    Waiting& w = waiting_.front();
    if (w.sequence <= failed && w.sequence > durable) {
      drops_[static_cast<std::size_t>(DropReason::store_failed)]->inc();
      log::error("dhcpd", "lease journal write failed; an ACK is withheld");
    } else if (w.sequence <= durable) {
      if (send_.full()) send_.flush(socket_.fd());
      auto buf = send_.next();
      std::memcpy(buf.data(), w.bytes.data(), std::min(buf.size(), w.bytes.size()));
      const bool relayed = w.to.sin_port == htons(kServerPort);
      send_.commit(w.bytes.size(), w.to, source, relayed ? 0 : w.ifindex);
      sent_[static_cast<int>(w.type)]->inc();
    } else {
      break;  // this batch is still on its way to the disk
    }
    waiting_.pop_front();
  }
  send_.flush(socket_.fd());
}

void Server::process(const udp::Datagram& d) noexcept {
  auto parsed = parse(d.data);
  if (!parsed) {
    drops_[static_cast<std::size_t>(parsed.error())]->inc();
    log::debug("dhcpd", "dropped datagram from {} ({})", ::inet_ntoa(d.peer.sin_addr), drop_name(parsed.error()));
    return;
  }
  const Packet& p = parsed.value();
  received_[static_cast<int>(p.type)]->inc();
  const std::int64_t now = wall_now();
  if (rate_limited(p, now)) {
    drops_[static_cast<std::size_t>(DropReason::rate_limited)]->inc();
    return;
  }
  answer(p, d, now);
}

void Server::answer(const Packet& p, const udp::Datagram& d, std::int64_t now) noexcept {
  responder_.handle(p, Context{now, utc_offset(now)}, outcome_);
  if (outcome_.drop) drops_[static_cast<std::size_t>(*outcome_.drop)]->inc();
  if (!outcome_.event.empty()) {
    // Lease events always; NAKs and drops (a client or an attacker can cause them at will) at most 10 a second.
    const bool noisy = outcome_.drop.has_value() || (outcome_.reply && outcome_.reply->type == MessageType::nak);
    if (noisy && noisy_second_ != now) {
      if (noisy_suppressed_ > 0) log::info("dhcpd", "{} similar lines suppressed", noisy_suppressed_);
      noisy_second_ = now;
      noisy_count_ = 0;
      noisy_suppressed_ = 0;
    }
    if (!noisy || ++noisy_count_ <= 10)
      log::info("dhcpd", "{}", outcome_.event);
    else
      ++noisy_suppressed_;
  }
  if (outcome_.reserved_address_held) {
    reservation_conflicts_->inc();
    try {
      auto& last = reservation_logged_[outcome_.reserved_address_held->value];
      if (last == 0 || now - last >= 3600) {
        last = now;
        log::warning("dhcpd", "{}", outcome_.reserved_address_note);
      }
    } catch (...) {
    }
  }
  for (const auto& r : outcome_.journal) store_->append(r);
  if (!outcome_.reply) return;
  if (pinger_ && outcome_.fresh_address && outcome_.reply->type == MessageType::offer && park_offer(d)) return;
  send_reply(d);
}

bool Server::park_offer(const udp::Datagram& d) noexcept {
  const std::uint32_t a = outcome_.reply->yiaddr.value;
  const std::int64_t now = wall_now();
  try {
    if (auto it = checked_.find(a); it != checked_.end() && it->second > now) return false;  // checked lately
    if (parked_.size() >= 1024) return false;  // a storm: answer now rather than queue without bound
    Parked p;
    p.request.assign(d.data.begin(), d.data.end());
    p.ifindex = d.ifindex;
    p.peer = d.peer;
    p.reply.resize(1500);
    p.reply.resize(encode(*outcome_.reply, p.reply));
    if (p.reply.empty()) return false;
    p.to = destination(*outcome_.reply, d);
    p.address = a;
    p.deadline_ms = uv_now(loop_) + static_cast<std::uint64_t>(settings_->ping_timeout_ms);
    parked_.push_back(std::move(p));
  } catch (...) {
    return false;
  }
  pinger_->send(a);
  if (!uv_is_active(ping_timer_.base()))
    uv_timer_start(
        ping_timer_.get(), [](uv_timer_t* t) { static_cast<Server*>(t->data)->on_ping_timer(); }, 5, 5);
  return true;
}

void Server::on_ping_timer() noexcept {
  const std::uint64_t now_ms = uv_now(loop_);
  const std::int64_t now = wall_now();
  in_addr source{};
  source.s_addr = htonl(settings_->server.value);
  while (!parked_.empty() && parked_.front().deadline_ms <= now_ms && !send_.full()) {
    Parked& p = parked_.front();
    auto buf = send_.next();
    std::memcpy(buf.data(), p.reply.data(), std::min(buf.size(), p.reply.size()));
    const bool relayed = p.to.sin_port == htons(kServerPort);
    send_.commit(p.reply.size(), p.to, source, relayed ? 0 : p.ifindex);
    sent_[static_cast<int>(MessageType::offer)]->inc();
    try {
      checked_[p.address] = now + 60;  // Kea's ping-cltt-secs idea: do not ping the same address again soon
    } catch (...) {
    }
    parked_.pop_front();
  }
  send_.flush(socket_.fd());
  if (parked_.empty()) uv_timer_stop(ping_timer_.get());
}

void Server::on_ping_replies() noexcept {
  const std::int64_t now = wall_now();
  for (std::uint32_t a : pinger_->replies()) {
    for (auto it = parked_.begin(); it != parked_.end();) {
      if (it->address != a) {
        ++it;
        continue;
      }
      Parked p = std::move(*it);
      it = parked_.erase(it);
      conflicts_->inc();
      log::warning("dhcpd", "conflict: {} answers ping; quarantined for {} s", Ipv4Address{a}.str(),
                   settings_->decline_probation);
      try {
        leases_.quarantine(Ipv4Address{a}, now + settings_->decline_probation);
      } catch (...) {
      }
      // Answer the DISCOVER again: it gets (and pings) another address. It was counted and rate limited
      // when it came in, so it goes straight to the responder.
      udp::Datagram d;
      d.data = p.request;
      d.ifindex = p.ifindex;
      d.peer = p.peer;
      if (auto parsed = parse(d.data)) answer(parsed.value(), d, now);
      it = parked_.begin();  // answer() may have parked a new entry; restart the scan
    }
  }
  flush();
}

sockaddr_in Server::destination(const Reply& r, const udp::Datagram& d) noexcept {
  switch (r.to) {
    case Reply::To::relay: return udp::make_address(r.giaddr.value, kServerPort);
    case Reply::To::client_address: return udp::make_address(r.ciaddr.value, kClientPort);
    case Reply::To::broadcast: break;
    case Reply::To::unicast_to_yiaddr: {
      char ifname[IF_NAMESIZE] = {};
      if (r.hlen == 6 && d.ifindex != 0 && ::if_indextoname(static_cast<unsigned>(d.ifindex), ifname) != nullptr) {
        arpreq req{};
        auto* pa = reinterpret_cast<sockaddr_in*>(&req.arp_pa);
        pa->sin_family = AF_INET;
        pa->sin_addr.s_addr = htonl(r.yiaddr.value);
        req.arp_ha.sa_family = ARPHRD_ETHER;
        std::memcpy(req.arp_ha.sa_data, r.chaddr.data(), 6);
        req.arp_flags = ATF_COM;
        std::memcpy(req.arp_dev, ifname, std::min(sizeof req.arp_dev - 1, std::strlen(ifname)));
        if (::ioctl(socket_.fd(), SIOCSARP, &req) == 0) return udp::make_address(r.yiaddr.value, kClientPort);
      }
      arp_fallbacks_->inc();
      break;
    }
  }
  return udp::make_address(0xFFFFFFFFu, kClientPort);
}

void Server::send_reply(const udp::Datagram& d) noexcept {
  const Reply& r = *outcome_.reply;
  if (!outcome_.journal.empty()) {
    // An ACK that binds a lease: it waits for its batch's fsync (group commit).
    try {
      Waiting w;
      w.sequence = store_->next_sequence();
      w.bytes.resize(1500);
      w.bytes.resize(encode(r, w.bytes));
      if (w.bytes.empty()) return;
      w.to = destination(r, d);
      w.ifindex = d.ifindex;
      w.type = r.type;
      waiting_.push_back(std::move(w));
    } catch (...) {
      drops_[static_cast<std::size_t>(DropReason::store_failed)]->inc();
    }
    return;
  }
  if (send_.full()) send_.flush(socket_.fd());
  auto buf = send_.next();
  const std::size_t len = encode(r, buf);
  if (len == 0) return;
  in_addr source{};
  source.s_addr = htonl(settings_->server.value);
  // A relay is reached by routing; replies on the wire leave by the interface the request came in on.
  send_.commit(len, destination(r, d), source, r.to == Reply::To::relay ? 0 : d.ifindex);
  sent_[static_cast<int>(r.type)]->inc();
}

void Server::on_tick() noexcept {
  const std::int64_t now = wall_now();
  try {
    leases_.reclaim(now, [&](const Lease& l) {
      store_->append(l.record(lease_journal::Kind::expired));
      log::info("dhcpd", "EXPIRED {} of {}", l.address.str(), format_mac({l.hw.data(), l.hlen}));
    });
    // Queued, not waited for: an expired record lost in a crash changes nothing (the lease it ends had
    // expired by its own time anyway), so the loop never stalls on this tick's fsync.
    store_->submit();
    store_->maintain(now);
    leases_bound_->set(static_cast<double>(leases_.bound(now)));
    leases_total_->set(static_cast<double>(leases_.size()));
    update_pool_gauges(now);
    if (rates_.size() > 10000) rates_.clear();
    if (checked_.size() > 100000) checked_.clear();
    if (reservation_logged_.size() > 100000) reservation_logged_.clear();
  } catch (const std::exception& e) {
    log::error("dhcpd", "maintenance failed ({})", e.what());
  }
}

}  // namespace pb::dhcp
