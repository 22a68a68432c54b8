#pragma once
// Response rate limiting per source network (after NSD/BIND RRL, simplified to what a voice VLAN needs):
// each network gets `rate` answers per second; beyond that every `slip`-th answer goes out truncated (so a
// real client retries over TCP) and the rest are dropped. One table per worker: no locks, no sharing.
#include <cstdint>
#include <vector>

#include "common/config/dnsd.hpp"
#include "common/net.hpp"

namespace pb::dns {

class Rrl {
 public:
  enum class Verdict : std::uint8_t { send, slip, drop };

  Rrl(const config::DnsRrl& c, const Ipv4Prefix& site);
  // `source` in host order; `now_s` any monotonic seconds.
  Verdict check(std::uint32_t source, std::uint64_t now_s) noexcept;

 private:
  struct Slot {
    std::uint32_t network = 0;
    std::uint64_t second = ~std::uint64_t{0};
    std::uint32_t count = 0;
    std::uint32_t slipped = 0;
  };
  std::uint32_t rate_, slip_, mask_;
  std::vector<Ipv4Prefix> exempt_;
  std::vector<Slot> slots_;
};

}  // namespace pb::dns
