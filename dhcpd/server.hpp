#pragma once
// The libuv server around the Responder: it only moves bytes. One UDP socket on port 67 (IP_PKTINFO for
// the receiving interface), read with recvmmsg; each loop turn parses and answers the whole batch. Replies
// that bind nothing leave at once with one sendmmsg; the turn's lease records go to the store's committer
// thread as one batch, and the ACKs of that batch wait in `waiting_` until the committer reports it
// durable (group commit: one write + fdatasync for everything submitted while the previous one ran).
//
// Unicast to a client that has no address yet (RFC 2131 4.1, broadcast bit clear, no giaddr, no ciaddr):
// we add an ARP entry for yiaddr -> chaddr on the receiving interface (SIOCSARP, needs CAP_NET_ADMIN, which
// dhcpd keeps) and send to yiaddr. When that is refused we broadcast instead, which every client accepts.
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "common/daemon.hpp"
#include "common/udp.hpp"
#include "common/wakeup.hpp"
#include "dhcpd/leases.hpp"
#include "dhcpd/ping.hpp"
#include "dhcpd/responder.hpp"
#include "dhcpd/settings.hpp"
#include "dhcpd/store.hpp"

namespace pb::dhcp {

class Server : public Service {
 public:
  explicit Server(DaemonContext& context);
  ~Server() override;
  void reload(std::shared_ptr<const config::Model> model) override;
  void stop() override;
  // Where the lease journal lives: <state_dir>/dhcpd (common/lease_journal.hpp).
  static std::string state_directory(const config::Model& model);

 private:
  void on_readable() noexcept;
  // Parses, counts and rate-limits a datagram, then answer()s it.
  void process(const udp::Datagram& d) noexcept;
  void answer(const Packet& p, const udp::Datagram& d, std::int64_t now) noexcept;
  void send_reply(const udp::Datagram& d) noexcept;
  // Where a reply goes (RFC 2131 4.1); adds the ARP entry for a unicast to yiaddr.
  sockaddr_in destination(const Reply& r, const udp::Datagram& d) noexcept;
  // ping_check: park the OFFER in outcome_ and ping its address; false when it cannot be parked.
  bool park_offer(const udp::Datagram& d) noexcept;
  void on_ping_replies() noexcept;
  void on_ping_timer() noexcept;
  void flush() noexcept;
  // Sends the ACKs whose batch is now durable (runs on the loop when the committer signals).
  void release_waiting() noexcept;
  void on_tick() noexcept;
  void update_pool_gauges(std::int64_t now);
  bool rate_limited(const Packet& p, std::int64_t now) noexcept;
  std::int32_t utc_offset(std::int64_t now) const noexcept;

  uv_loop_t* loop_;
  metrics::Registry& metrics_;
  std::shared_ptr<const config::Model> model_;
  std::shared_ptr<const Settings> settings_;
  LeaseTable leases_;
  std::unique_ptr<uv::Wakeup> durable_wakeup_;  // the committer thread wakes the loop through it
  std::unique_ptr<LeaseStore> store_;
  // ACKs waiting for their batch to be on stable storage, in batch order.
  struct Waiting {
    std::uint64_t sequence = 0;
    std::vector<std::uint8_t> bytes;
    sockaddr_in to{};
    int ifindex = 0;
    MessageType type = MessageType::ack;
  };
  std::deque<Waiting> waiting_;
  Responder responder_;
  udp::Socket socket_;
  udp::ReceiveBatch receive_{64, 1536};
  udp::SendBatch send_{64, 1536};
  std::unique_ptr<udp::Watcher> watcher_;
  uv::Handle<uv_timer_t> tick_;
  Outcome outcome_;
  struct RateState {
    std::int64_t second = 0;
    std::int64_t count = 0;
  };
  std::unordered_map<std::string, RateState> rates_;
  std::int64_t noisy_second_ = 0, noisy_count_ = 0, noisy_suppressed_ = 0;  // log budget for NAKs and drops

  // ping_check: OFFERs waiting for their address's echo timeout, oldest first.
  struct Parked {
    std::vector<std::uint8_t> request;  // the DISCOVER, to answer again after a conflict
    int ifindex = 0;
    sockaddr_in peer{};
    std::vector<std::uint8_t> reply;  // the encoded OFFER
    sockaddr_in to{};
    std::uint32_t address = 0;
    std::uint64_t deadline_ms = 0;
  };
  std::unique_ptr<Pinger> pinger_;
  std::unique_ptr<udp::Watcher> ping_watcher_;
  uv::Handle<uv_timer_t> ping_timer_;
  std::deque<Parked> parked_;
  std::unordered_map<std::uint32_t, std::int64_t> checked_;  // address -> unix time its check is valid until
  metrics::Counter* conflicts_ = nullptr;

  // Reserved addresses held by another client: counted each time, logged at most once an hour per address.
  metrics::Counter* reservation_conflicts_ = nullptr;
  std::unordered_map<std::uint32_t, std::int64_t> reservation_logged_;  // address -> unix time of the last line

  // Metrics, created once.
  metrics::Counter* received_[9] = {};
  metrics::Counter* sent_[9] = {};
  metrics::Counter* drops_[static_cast<std::size_t>(DropReason::count_)] = {};
  metrics::Gauge* leases_bound_ = nullptr;
  metrics::Gauge* leases_total_ = nullptr;
  metrics::Counter* arp_fallbacks_ = nullptr;
  std::set<std::string> pool_labels_;  // every pool ever exported, so one removed by a reload reads 0
};

}  // namespace pb::dhcp
