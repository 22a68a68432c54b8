#include "dnsd/rrl.hpp"

namespace pb::dns {

namespace {
constexpr std::size_t kSlots = 4096;  // a power of two; a collision just restarts that network's count
}

Rrl::Rrl(const config::DnsRrl& c, const Ipv4Prefix& site)
    : rate_(c.rate), slip_(c.slip), mask_(c.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - c.prefix)), exempt_(c.exempt) {
  if (c.exempt_site) exempt_.push_back(Ipv4Prefix{site.network(), site.length});
  if (rate_ != 0) slots_.resize(kSlots);
}

Rrl::Verdict Rrl::check(std::uint32_t source, std::uint64_t now_s) noexcept {
  if (rate_ == 0) return Verdict::send;
  for (const auto& p : exempt_)
    if (p.contains({source})) return Verdict::send;
  const std::uint32_t net = source & mask_;
  Slot& s = slots_[(net * 2654435761u >> 20) & (kSlots - 1)];
  if (s.network != net || s.second != now_s) {
    if (s.network != net) s.slipped = 0;
    s.network = net;
    s.second = now_s;
    s.count = 0;
  }
  if (++s.count <= rate_) return Verdict::send;
  if (slip_ != 0 && ++s.slipped % slip_ == 0) return Verdict::slip;
  return Verdict::drop;
}

}  // namespace pb::dns
