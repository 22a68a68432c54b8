#include "dhcpd/responder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bitset>

namespace pb::dhcp {
namespace {

std::span<const std::uint8_t> put_u32(Outcome& out, std::uint32_t v) {
  auto* p = out.scratch.data() + out.scratch_used;
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
  out.scratch_used += 4;
  return {p, 4};
}

std::span<const std::uint8_t> as_span(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

void Outcome::clear() noexcept {
  reply.reset();
  drop.reset();
  fresh_address = false;
  reserved_address_held.reset();
  reserved_address_note.clear();
  journal.clear();
  event.clear();
  scratch_used = 0;
}

void Responder::handle(const Packet& p, const Context& c, Outcome& out) noexcept {
  out.clear();
  try {
    switch (p.type) {
      case MessageType::discover: discover(p, c, out); break;
      case MessageType::request: request(p, c, out); break;
      case MessageType::decline: decline(p, c, out); break;
      case MessageType::release: release(p, c, out); break;
      case MessageType::inform: inform(p, c, out); break;
      default: out.drop = DropReason::bad_message_type; break;
    }
  } catch (...) {
    out.reply.reset();
    out.journal.clear();
    out.drop = DropReason::store_failed;
  }
}

void Responder::start_reply(const Packet& p, MessageType type, Outcome& out) const {
  Reply& r = out.reply.emplace();
  r.type = type;
  r.htype = p.htype;
  r.hlen = p.hlen;
  r.xid = p.xid;
  r.flags = p.flags;
  r.giaddr = p.giaddr;
  r.chaddr = p.chaddr;
  if (auto mms = p.option(57); mms.size() == 2) r.max_size = std::max<std::size_t>(576, (mms[0] << 8) | mms[1]);
  r.max_size = std::min<std::size_t>(r.max_size, 1500);
  r.options.push_back({54, put_u32(out, settings_->server.value)});
  // RFC 2131 4.1: relay, then ciaddr, then broadcast when asked (or for a NAK), else unicast to yiaddr.
  if (p.giaddr.value != 0) {
    r.to = Reply::To::relay;
    if (type == MessageType::nak) r.flags |= kBroadcastFlag;
  } else if (type == MessageType::nak) {
    r.to = Reply::To::broadcast;
  } else if (p.ciaddr.value != 0) {
    r.to = Reply::To::client_address;
  } else if (p.flags & kBroadcastFlag) {
    r.to = Reply::To::broadcast;
  } else {
    r.to = Reply::To::unicast_to_yiaddr;
  }
}

void Responder::nak(const Packet& p, Outcome& out, const std::string& why) const {
  start_reply(p, MessageType::nak, out);
  if (p.giaddr.value != 0 && p.has(82)) out.reply->options.push_back({82, p.option(82), true});
  out.event = fmt::format("NAK to {} ({})", format_mac(p.hwaddr()), why);
}

void Responder::add_options(const Packet& p, const Context& c, int subnet, int cls, const CompiledReservation* res,
                            bool with_lease_times, std::int64_t lease_time, Outcome& out) const {
  Reply& r = *out.reply;
  if (with_lease_times) {
    const auto t = static_cast<std::uint32_t>(std::max<std::int64_t>(lease_time, 0));
    r.options.push_back({51, put_u32(out, t)});
    r.options.push_back({58, put_u32(out, t / 2)});
    r.options.push_back({59, put_u32(out, static_cast<std::uint32_t>(std::uint64_t{t} * 7 / 8))});
  }
  // Precedence: reservation > class > subnet > global. A class's `remove` drops lower levels' values.
  std::array<std::span<const std::uint8_t>, 256> chosen{};
  std::bitset<256> present;
  auto apply = [&](const OptionSet& set) {
    for (const auto& [code, bytes] : set.items) {
      chosen[code] = bytes;
      present.set(code);
    }
  };
  if (settings_->time_offset_dynamic) {
    chosen[2] = put_u32(out, static_cast<std::uint32_t>(c.utc_offset));
    present.set(2);
  }
  apply(settings_->global);
  if (subnet >= 0) apply(settings_->subnets[static_cast<std::size_t>(subnet)].options);
  if (cls >= 0) {
    const auto& k = settings_->classes[static_cast<std::size_t>(cls)];
    present &= ~k.remove;
    apply(k.options);
    if (k.echo_vendor_class && p.has(60) && !present.test(60)) {
      chosen[60] = p.option(60);
      present.set(60);
    }
  }
  // Option 12: the reservation's name, else the inventory's (keyed by MAC: the CSV knows no client ids).
  const std::string* hostname = nullptr;
  if (res && !res->hostname.empty())
    hostname = &res->hostname;
  else if (auto it = settings_->hostnames.find(mac_key(p.hwaddr(), p.htype)); it != settings_->hostnames.end())
    hostname = &it->second;
  if (hostname) {
    chosen[12] = as_span(*hostname);
    present.set(12);
  }
  if (res) apply(res->options);
  for (std::uint8_t code : {51, 53, 54, 58, 59}) present.reset(code);

  // The client's order first (option 55), then, unless the operator said otherwise, everything else.
  std::bitset<256> sent;
  for (std::uint8_t code : p.option(55))
    if (present.test(code) && !sent.test(code)) {
      r.options.push_back({code, chosen[code]});
      sent.set(code);
    }
  for (std::size_t code = 1; code < 255; ++code) {
    if (!present.test(code) || sent.test(code)) continue;
    if (!settings_->send_unrequested && code != 1 && code != 3) continue;
    r.options.push_back({static_cast<std::uint8_t>(code), chosen[code]});
  }
  // RFC 3046 2.2: echoed, as the last option; `keep` sets its room aside before the others are fitted in.
  if (p.giaddr.value != 0 && p.has(82)) r.options.push_back({82, p.option(82), true});
}

Lease* Responder::bind(const Packet& p, const Context& c, Ipv4Address address, int cls, bool reserved,
                       std::int64_t lease_time, Outcome& out) {
  Lease* held = leases_->claim(address, client_key(p), c.now);
  if (!held) return nullptr;
  Lease& l = *held;
  l.htype = p.htype;
  l.hlen = p.hlen;
  l.hw = p.chaddr;
  auto cid = p.option(61);
  l.client_id.assign(cid.begin(), cid.end());
  auto host = p.option(12);
  l.hostname.assign(host.begin(), host.end());
  leases_->set_class(l, class_name(cls));
  l.start = c.now;
  l.reserved = reserved;
  leases_->set_state(l, Lease::State::bound, c.now + lease_time);
  out.journal.push_back(l.record(lease_journal::Kind::bound));
  return &l;
}

bool Responder::reserved_address_held(const CompiledReservation& res, const std::string& key, const Context& c,
                                      const Packet& p, Outcome& out) const {
  if (!leases_->held_by_other(res.address.value, key, c.now)) return false;
  // Reserved after another client got it (a reload, an inventory row), or quarantined: the holder keeps it
  // until its lease ends (its renewals are not extended past that), and this client is served from the pool.
  out.reserved_address_held = res.address;
  const Lease* holder = leases_->find_address(res.address);
  out.reserved_address_note = fmt::format(
      "reservation: {} ({}) is held by {} for another {} s; {} is served from the pool meanwhile", res.address.str(),
      res.source, holder && !holder->key.empty() ? format_mac({holder->hw.data(), holder->hlen}) : "a quarantine",
      holder ? holder->expires - c.now : 0, format_mac(p.hwaddr()));
  return true;
}

const std::string& Responder::class_name(int cls) const noexcept {
  static const std::string none;
  return cls >= 0 ? settings_->classes[static_cast<std::size_t>(cls)].name : none;
}

bool Responder::at_class_cap(int cls, const std::string& key, const Lease* mine) const noexcept {
  if (cls < 0) return false;
  const auto& k = settings_->classes[static_cast<std::size_t>(cls)];
  if (k.max_leases <= 0) return false;
  // A client whose lease (bound, or an offer) already counts in the class keeps its place: a renewal, a
  // repeated DISCOVER or the REQUEST for its offer is not one more lease.
  if (mine && mine->key == key && mine->counted() && mine->client_class == k.name) return false;
  return leases_->class_count(k.name) >= k.max_leases;
}

void Responder::discover(const Packet& p, const Context& c, Outcome& out) {
  const int sn = settings_->select_subnet(p);
  if (sn < 0) {
    out.drop = DropReason::not_our_scope;
    return;
  }
  const auto& subnet = settings_->subnets[static_cast<std::size_t>(sn)];
  const int cls = settings_->match_class(p);
  const auto* res = settings_->reservation_for(p);
  if (res && !subnet.prefix.contains(res->address)) res = nullptr;  // reserved elsewhere: dynamic here
  const std::string key = client_key(p);
  // The cap is checked before any address is chosen, so no path (reservation, current address, option 50,
  // allocation) gets round it.
  const Lease* mine = leases_->find_client(key);
  if (at_class_cap(cls, key, mine)) {
    out.drop = DropReason::class_limit;
    return;
  }
  std::optional<Ipv4Address> address;
  if (res && !reserved_address_held(*res, key, c, p, out)) {
    address = res->address;
  } else {
    if (mine && mine->state != Lease::State::declined && subnet.prefix.contains(mine->address) &&
        LeaseTable::in_pool(subnet, mine->address.value, cls) &&
        leases_->available(mine->address.value, key, c.now, *settings_))
      address = mine->address;
    else if (auto want = p.option_address(50); want && LeaseTable::in_pool(subnet, want->value, cls) &&
                                               leases_->available(want->value, key, c.now, *settings_)) {
      address = want;
      out.fresh_address = true;
    } else {
      out.fresh_address = true;
      address = leases_->allocate(subnet, cls, key, c.now, *settings_);
    }
  }
  if (!address) {
    out.drop = DropReason::pool_exhausted;
    out.event = fmt::format("no free address in {} for {}", subnet.prefix.str(), format_mac(p.hwaddr()));
    return;
  }
  // Hold the address for this client while it decides; a bound lease of its own stays bound.
  const Lease* held = leases_->find_address(*address);
  if (!held || held->key != key || held->state != Lease::State::bound) {
    Lease* offered = leases_->claim(*address, key, c.now);
    if (!offered) {  // every path above checked the holder: not reached
      out.drop = DropReason::pool_exhausted;
      return;
    }
    Lease& l = *offered;
    l.htype = p.htype;
    l.hlen = p.hlen;
    l.hw = p.chaddr;
    leases_->set_class(l, class_name(cls));  // the offer counts against the class cap until it lapses
    leases_->set_state(l, Lease::State::offered, c.now + settings_->offer_hold);
  }
  start_reply(p, MessageType::offer, out);
  out.reply->yiaddr = *address;
  add_options(p, c, sn, cls, res, true, subnet.lease_time, out);
}

void Responder::request(const Packet& p, const Context& c, Outcome& out) {
  const auto server_id = p.option_address(54);
  const auto requested = p.option_address(50);
  const std::string key = client_key(p);
  Ipv4Address address;
  if (server_id) {  // SELECTING
    if (*server_id != settings_->server) {
      // The client took another server's offer: let ours go.
      if (Lease* l = leases_->find_client(key); l && l->state == Lease::State::offered)
        leases_->set_state(*l, Lease::State::released, 0);
      out.drop = DropReason::not_for_us;
      return;
    }
    if (!requested) {
      nak(p, out, "SELECTING without a requested address");
      return;
    }
    address = *requested;
  } else if (requested) {  // INIT-REBOOT
    address = *requested;
  } else if (p.ciaddr.value != 0) {  // RENEWING / REBINDING
    address = p.ciaddr;
  } else {
    out.drop = DropReason::not_our_scope;
    return;
  }
  const int sn = settings_->select_subnet(p);
  if (sn < 0) {
    out.drop = DropReason::not_our_scope;
    return;
  }
  const auto& subnet = settings_->subnets[static_cast<std::size_t>(sn)];
  if (!subnet.prefix.contains(address)) {
    if (settings_->authoritative)
      nak(p, out, address.str() + " is not on " + subnet.prefix.str());
    else
      out.drop = DropReason::not_our_scope;
    return;
  }
  const int cls = settings_->match_class(p);
  const auto* res = settings_->reservation_for(p);
  if (res && !subnet.prefix.contains(res->address)) res = nullptr;
  bool ok = false;
  std::string why;
  const Lease* current = leases_->find_address(address);
  const bool ours = current && current->key == key &&
                    (current->state == Lease::State::bound || current->state == Lease::State::offered);
  const bool reserved = res && !reserved_address_held(*res, key, c, p, out);
  std::int64_t lease_time = subnet.lease_time;
  if (reserved) {
    ok = res->address == address;
    why = "reserved " + res->address.str();
  } else if (ours) {
    ok = true;
    if (settings_->excluded.count(address.value) != 0) {
      // Reserved (or excluded) since this client got it: it keeps the address until its lease ends, but
      // not longer, so that the reserved client gets it then.
      const std::int64_t left = current->state == Lease::State::bound ? current->expires - c.now : 0;
      ok = left > 0;
      lease_time = std::min(lease_time, left);
      why = address.str() + " is reserved for another client";
    }
  } else if (leases_->available(address.value, key, c.now, *settings_) &&
             LeaseTable::in_pool(subnet, address.value, cls)) {
    ok = true;  // a client we lost track of (or whose lease lapsed) asking for a free address of its scope
  } else {
    why = address.str() + " is not available to this client";
  }
  if (ok && at_class_cap(cls, key, leases_->find_client(key))) {
    // RFC 2131 4.3.2: a server that cannot honour the REQUEST NAKs it (the client starts over with a
    // DISCOVER, which the cap then refuses until a lease of the class ends).
    const auto& k = settings_->classes[static_cast<std::size_t>(cls)];
    if (settings_->authoritative)
      nak(p, out, fmt::format("class {} is at its cap of {} leases", k.name, k.max_leases));
    else
      out.drop = DropReason::class_limit;
    return;
  }
  if (!ok) {
    if (settings_->authoritative)
      nak(p, out, why);
    else
      out.drop = DropReason::not_for_us;
    return;
  }
  const Lease* l = bind(p, c, address, cls, reserved, lease_time, out);
  if (!l) {  // the checks above leave no holder to take it from: not reached
    nak(p, out, address.str() + " is held by another client");
    return;
  }
  start_reply(p, MessageType::ack, out);
  out.reply->ciaddr = p.ciaddr;
  out.reply->yiaddr = address;
  add_options(p, c, sn, cls, res, true, lease_time, out);
  out.event = fmt::format("ACK {} to {}{}{} for {} s", address.str(), format_mac(p.hwaddr()),
                          l->client_class.empty() ? "" : " class ", l->client_class, lease_time);
}

void Responder::decline(const Packet& p, const Context& c, Outcome& out) {
  const auto server_id = p.option_address(54);
  if (server_id && *server_id != settings_->server) {
    out.drop = DropReason::not_for_us;
    return;
  }
  const auto address = p.option_address(50);
  Lease* l = address ? leases_->find_address(*address) : nullptr;
  if (!l || l->key != client_key(p)) {
    out.drop = DropReason::unknown_lease;
    return;
  }
  l->start = c.now;
  leases_->set_state(*l, Lease::State::declined, c.now + settings_->decline_probation);
  out.journal.push_back(l->record(lease_journal::Kind::declined));
  out.event = fmt::format("DECLINE {} by {}: quarantined for {} s", address->str(), format_mac(p.hwaddr()),
                          settings_->decline_probation);
}

void Responder::release(const Packet& p, const Context& c, Outcome& out) {
  const auto server_id = p.option_address(54);
  if (server_id && *server_id != settings_->server) {
    out.drop = DropReason::not_for_us;
    return;
  }
  Lease* l = leases_->find_address(p.ciaddr);
  if (!l || l->key != client_key(p) || l->state != Lease::State::bound) {
    out.drop = DropReason::unknown_lease;
    return;
  }
  leases_->set_state(*l, Lease::State::released, c.now);
  out.journal.push_back(l->record(lease_journal::Kind::released));
  out.event = fmt::format("RELEASE {} by {}", p.ciaddr.str(), format_mac(p.hwaddr()));
}

void Responder::inform(const Packet& p, const Context& c, Outcome& out) {
  // Answered whenever the client's address (or its relay) maps to a subnet: phones use INFORM to find
  // their boot server (Polycom, Yealink). No lease is made or changed.
  int sn = settings_->select_subnet(p);
  if (sn < 0) {
    out.drop = DropReason::not_our_scope;
    return;
  }
  const int cls = settings_->match_class(p);
  const auto* res = settings_->reservation_for(p);
  start_reply(p, MessageType::ack, out);
  out.reply->ciaddr = p.ciaddr;
  if (p.giaddr.value == 0 && p.ciaddr.value == 0) out.reply->to = Reply::To::broadcast;
  add_options(p, c, sn, cls, res, false, 0, out);
}

}  // namespace pb::dhcp
