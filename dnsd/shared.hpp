#pragma once
// What the UDP workers, the TCP server and the service share: the current tables (swapped atomically on
// reload and on health changes; readers take one reference per batch, never pause) and the counters.
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "common/net.hpp"
#include "dnsd/engine.hpp"
#include "dnsd/stats.hpp"
#include "dnsd/tables.hpp"

namespace pb::dns {

struct Shared {
  explicit Shared(metrics::Registry& r) : stats(r) {}

  std::shared_ptr<const Tables> load() const noexcept {
    return std::atomic_load_explicit(&tables, std::memory_order_acquire);
  }
  void store(std::shared_ptr<const Tables> t) noexcept {
    std::atomic_store_explicit(&tables, std::move(t), std::memory_order_release);
  }

  Stats stats;
  std::shared_ptr<const Tables> tables;  // only through load()/store()
  // Forwarding: clients allowed (empty: forwarding off). Read-only after start.
  std::vector<Ipv4Prefix> forward_clients;
  bool may_forward(std::uint32_t source) const noexcept {
    for (const auto& p : forward_clients)
      if (p.contains({source})) return true;
    return false;
  }
};

}  // namespace pb::dns
