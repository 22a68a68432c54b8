#include "dhcpd/leases.hpp"

#include <algorithm>

namespace pb::dhcp {

lease_journal::Record Lease::record(lease_journal::Kind kind) const {
  lease_journal::Record r;
  r.kind = kind;
  r.reserved = reserved;
  r.address = address;
  r.start = start;
  r.expires = expires;
  r.htype = htype;
  r.hwaddr.assign(hw.begin(), hw.begin() + std::min<std::size_t>(hlen, 16));
  r.client_id = client_id;
  r.hostname = hostname;
  r.client_class = client_class;
  return r;
}

Lease* LeaseTable::find_address(Ipv4Address a) noexcept {
  auto it = by_address_.find(a.value);
  return it == by_address_.end() ? nullptr : &it->second;
}

Lease* LeaseTable::find_client(const std::string& key) noexcept {
  auto it = by_client_.find(key);
  if (it == by_client_.end()) return nullptr;
  return find_address(Ipv4Address{it->second});
}

Lease* LeaseTable::claim(Ipv4Address address, const std::string& key, std::int64_t now) {
  if (held_by_other(address.value, key, now)) return nullptr;
  return &take(address, key);
}

Lease& LeaseTable::take(Ipv4Address address, const std::string& key) {
  if (auto it = by_client_.find(key); it != by_client_.end() && it->second != address.value) {
    if (auto old = by_address_.find(it->second); old != by_address_.end() && old->second.key == key) {
      uncount(old->second);
      old->second.key.clear();
      old->second.state = Lease::State::released;
      old->second.expires = 0;
    }
  }
  Lease& lease = by_address_[address.value];
  if (!lease.key.empty() && lease.key != key) {
    by_client_.erase(lease.key);
    uncount(lease);
    lease = Lease{};
  }
  lease.address = address;
  lease.key = key;
  by_client_[key] = address.value;
  return lease;
}

void LeaseTable::uncount(const Lease& lease) noexcept {
  if (!lease.counted()) return;
  if (auto it = class_counts_.find(lease.client_class); it != class_counts_.end() && --it->second <= 0)
    class_counts_.erase(it);
}

void LeaseTable::count(const Lease& lease) {
  if (lease.counted()) ++class_counts_[lease.client_class];
}

void LeaseTable::set_state(Lease& lease, Lease::State state, std::int64_t expires) {
  uncount(lease);
  lease.state = state;
  lease.expires = expires;
  count(lease);
  if (state == Lease::State::declined) {
    // The address is quarantined; the client that declined it must get another one.
    if (auto it = by_client_.find(lease.key); it != by_client_.end() && it->second == lease.address.value)
      by_client_.erase(it);
    lease.key.clear();
  }
}

void LeaseTable::set_class(Lease& lease, const std::string& client_class) {
  if (lease.client_class == client_class) return;
  uncount(lease);
  lease.client_class = client_class;
  count(lease);
}

void LeaseTable::quarantine(Ipv4Address a, std::int64_t until) {
  Lease& l = by_address_[a.value];
  l.address = a;
  if (l.state == Lease::State::bound && l.expires > until) return;  // bound to someone: not ours to take
  set_state(l, Lease::State::declined, until);
}

bool LeaseTable::held_by_other(std::uint32_t a, const std::string& key, std::int64_t now) const noexcept {
  auto it = by_address_.find(a);
  if (it == by_address_.end()) return false;
  const Lease& l = it->second;
  return l.active(now) && (l.key.empty() || l.key != key);
}

bool LeaseTable::available(std::uint32_t a, const std::string& key, std::int64_t now,
                           const Settings& settings) const noexcept {
  return settings.excluded.count(a) == 0 && !held_by_other(a, key, now);
}

bool LeaseTable::in_pool(const CompiledSubnet& subnet, std::uint32_t a, int cls) noexcept {
  for (const auto& p : subnet.pools)
    if (a >= p.start && a <= p.end && (p.client_class < 0 || p.client_class == cls)) return true;
  return false;
}

std::optional<Ipv4Address> LeaseTable::allocate(const CompiledSubnet& subnet, int cls, const std::string& key,
                                                std::int64_t now, const Settings& settings) {
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& p : subnet.pools) {
      // First pass: pools reserved for this class; second: pools open to everyone.
      if (pass == 0 ? (cls < 0 || p.client_class != cls) : p.client_class >= 0) continue;
      const std::uint64_t id = (std::uint64_t{p.start} << 32) | p.end;
      std::uint32_t& cursor = cursors_[id];
      if (cursor < p.start || cursor > p.end) cursor = p.start;
      const std::uint64_t size = std::uint64_t{p.end} - p.start + 1;
      for (std::uint64_t i = 0; i < size; ++i) {
        const std::uint32_t a = cursor;
        cursor = cursor == p.end ? p.start : cursor + 1;
        if (!available(a, key, now, settings)) continue;
        // Prefer addresses never leased or whose previous client is not likely to return: a released or
        // expired lease of another client is still fine to reuse (RFC 2131 4.3.1 allows it).
        return Ipv4Address{a};
      }
    }
  }
  return std::nullopt;
}

void LeaseTable::apply(const lease_journal::Record& r) {
  std::string key;
  if (!r.client_id.empty())
    key = "i" + std::string(r.client_id.begin(), r.client_id.end());
  else
    key = mac_key(r.hwaddr, r.htype);
  switch (r.kind) {
    case lease_journal::Kind::bound: {
      Lease& l = take(r.address, key);
      l.htype = r.htype;
      l.hlen = static_cast<std::uint8_t>(std::min<std::size_t>(r.hwaddr.size(), 16));
      std::copy_n(r.hwaddr.begin(), l.hlen, l.hw.begin());
      l.client_id = r.client_id;
      l.hostname = r.hostname;
      set_class(l, r.client_class);
      l.start = r.start;
      l.reserved = r.reserved;
      set_state(l, Lease::State::bound, r.expires);
      break;
    }
    case lease_journal::Kind::declined: {
      Lease& l = by_address_[r.address.value];
      l.address = r.address;
      set_state(l, Lease::State::declined, r.expires);
      l.start = r.start;
      break;
    }
    case lease_journal::Kind::released:
    case lease_journal::Kind::expired: {
      auto it = by_address_.find(r.address.value);
      if (it == by_address_.end()) break;
      set_state(it->second, r.kind == lease_journal::Kind::released ? Lease::State::released : Lease::State::expired,
                r.expires);
      break;
    }
  }
}

std::vector<lease_journal::Record> LeaseTable::snapshot(std::int64_t now) const {
  std::vector<lease_journal::Record> out;
  out.reserve(by_address_.size());
  for (const auto& [a, l] : by_address_) {
    if (l.expires <= now) continue;
    if (l.state == Lease::State::bound)
      out.push_back(l.record(lease_journal::Kind::bound));
    else if (l.state == Lease::State::declined)
      out.push_back(l.record(lease_journal::Kind::declined));
  }
  return out;
}

std::size_t LeaseTable::reclaim(std::int64_t now, const std::function<void(const Lease&)>& on_expired) {
  std::size_t n = 0;
  for (auto& [a, l] : by_address_) {
    if (l.state == Lease::State::bound && l.expires <= now) {
      set_state(l, Lease::State::expired, l.expires);
      on_expired(l);
      ++n;
    } else if ((l.state == Lease::State::offered || l.state == Lease::State::declined) && l.expires <= now) {
      set_state(l, Lease::State::expired, l.expires);  // an offer stops counting against its class here
    }
  }
  return n;
}

std::size_t LeaseTable::bound(std::int64_t now) const noexcept {
  std::size_t n = 0;
  for (const auto& [a, l] : by_address_) n += l.state == Lease::State::bound && l.expires > now;
  return n;
}

std::int64_t LeaseTable::class_count(const std::string& cls) const noexcept {
  auto it = class_counts_.find(cls);
  return it == class_counts_.end() ? 0 : it->second;
}

}  // namespace pb::dhcp
