#pragma once
// dnsd's metrics, created once at start-up so the per-packet path only bumps atomics (no registry lookups).
#include <array>
#include <cstdint>

#include "common/metrics.hpp"
#include "dnsd/query.hpp"

namespace pb::dns {

class Stats {
 public:
  explicit Stats(metrics::Registry& r);

  void query(std::uint16_t qtype, std::uint8_t rcode) noexcept {
    queries_[type_index(qtype)]->inc();
    responses_[rcode_index(rcode)]->inc();
  }
  void drop(Drop d) noexcept { drops_[static_cast<std::size_t>(d)]->inc(); }
  // Handed to the upstream resolvers; the answer is counted by query() when it comes back.
  void forwarded() noexcept { forwarded_->inc(); }
  void truncated() noexcept { truncated_->inc(); }
  metrics::Histogram& latency() noexcept { return *latency_; }
  metrics::Gauge& tcp_connections() noexcept { return *tcp_connections_; }
  metrics::Counter& transfers() noexcept { return *transfers_; }
  metrics::Counter& transfers_refused() noexcept { return *transfers_refused_; }
  metrics::Registry& registry() noexcept { return registry_; }

 private:
  static constexpr std::size_t kTypes = 14, kRcodes = 8;
  static std::size_t type_index(std::uint16_t t) noexcept;
  static std::size_t rcode_index(std::uint8_t rc) noexcept { return rc < 6 ? rc : rc == 16 ? 6 : 7; }

  metrics::Registry& registry_;
  std::array<metrics::Counter*, kTypes> queries_{};
  std::array<metrics::Counter*, kRcodes> responses_{};
  std::array<metrics::Counter*, static_cast<std::size_t>(Drop::count_)> drops_{};
  metrics::Counter* truncated_ = nullptr;
  metrics::Counter* forwarded_ = nullptr;
  metrics::Histogram* latency_ = nullptr;
  metrics::Gauge* tcp_connections_ = nullptr;
  metrics::Counter* transfers_ = nullptr;
  metrics::Counter* transfers_refused_ = nullptr;
};

}  // namespace pb::dns
