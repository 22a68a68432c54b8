#include "dhcpd/packet.hpp"

#include <algorithm>
#include <cstring>

#include "common/wire.hpp"

namespace pb::dhcp {
namespace {

constexpr std::uint8_t kPad = 0, kEnd = 255, kOverload = 52, kMessageType = 53;

struct Fragment {
  std::uint8_t code;
  std::span<const std::uint8_t> data;
};

// Splits one options field into fragments. false when an option runs past the field.
bool scan(std::span<const std::uint8_t> field, std::vector<Fragment>& out) noexcept {
  WireReader r(field);
  while (!r.empty()) {
    const std::uint8_t code = r.u8();
    if (code == kPad) continue;
    if (code == kEnd) return true;
    const std::uint8_t len = r.u8();
    auto data = r.bytes(len);
    if (!r.ok()) return false;
    if (out.size() >= 1024) return false;  // more fragments than 1500 bytes can hold sensibly
    out.push_back({code, data});
  }
  return true;  // a missing END is tolerated: many clients pad instead
}

}  // namespace

std::string_view message_name(MessageType type) noexcept {
  switch (type) {
    case MessageType::discover: return "DISCOVER";
    case MessageType::offer: return "OFFER";
    case MessageType::request: return "REQUEST";
    case MessageType::decline: return "DECLINE";
    case MessageType::ack: return "ACK";
    case MessageType::nak: return "NAK";
    case MessageType::release: return "RELEASE";
    case MessageType::inform: return "INFORM";
  }
  return "UNKNOWN";
}

std::string_view drop_name(DropReason reason) noexcept {
  static constexpr std::string_view names[] = {
      "too_short",    "bad_magic",       "not_request",      "bad_hardware",  "option_truncated",
      "bad_overload", "no_message_type", "bad_message_type", "not_our_scope", "not_for_us",
      "rate_limited", "pool_exhausted",  "class_limit",      "unknown_lease", "store_failed",
  };
  const auto i = static_cast<std::size_t>(reason);
  return i < std::size(names) ? names[i] : "unknown";
}

std::optional<Ipv4Address> Packet::option_address(std::uint8_t code) const noexcept {
  auto v = option(code);
  if (v.size() != 4) return std::nullopt;
  WireReader r(v);
  return Ipv4Address{r.u32()};
}

void Packet::set_option(std::uint8_t code, std::span<const std::uint8_t> value) {
  if (!has(code)) order_.push_back(code);
  off_[code] = static_cast<std::uint32_t>(storage_.size());
  len_[code] = static_cast<std::uint32_t>(value.size());
  storage_.insert(storage_.end(), value.begin(), value.end());
}

Result<Packet, DropReason> parse(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < kFixedSize + 4) return Err{DropReason::too_short};
  WireReader r(bytes);
  Packet p;
  p.op = r.u8();
  p.htype = r.u8();
  p.hlen = r.u8();
  p.hops = r.u8();
  p.xid = r.u32();
  p.secs = r.u16();
  p.flags = r.u16();
  p.ciaddr.value = r.u32();
  p.yiaddr.value = r.u32();
  p.siaddr.value = r.u32();
  p.giaddr.value = r.u32();
  auto chaddr = r.bytes(16);
  auto sname = r.bytes(64);
  auto file = r.bytes(128);
  const std::uint32_t cookie = r.u32();
  if (!r.ok()) return Err{DropReason::too_short};
  if (p.op != 1) return Err{DropReason::not_request};
  if (p.hlen > 16) return Err{DropReason::bad_hardware};
  if (cookie != kMagicCookie) return Err{DropReason::bad_magic};
  std::memcpy(p.chaddr.data(), chaddr.data(), 16);

  std::vector<Fragment> fragments;
  try {
    fragments.reserve(32);
  } catch (...) {
    return Err{DropReason::option_truncated};
  }
  if (!scan(r.bytes(r.remaining()), fragments)) return Err{DropReason::option_truncated};
  // Option 52 (RFC 2132 9.3): 1 = file holds options, 2 = sname, 3 = both; file is read before sname.
  std::uint8_t overload = 0;
  for (const auto& f : fragments)
    if (f.code == kOverload) {
      if (f.data.size() != 1 || f.data[0] < 1 || f.data[0] > 3) return Err{DropReason::bad_overload};
      overload = f.data[0];
    }
  if ((overload & 1) && !scan(file, fragments)) return Err{DropReason::option_truncated};
  if ((overload & 2) && !scan(sname, fragments)) return Err{DropReason::option_truncated};

  // Concatenate instances of each code in order (RFC 3396). Total size is bounded by the datagram.
  try {
    std::size_t total = 0;
    for (const auto& f : fragments) total += f.data.size();
    p.storage_.reserve(total);
    std::array<bool, 256> done{};
    for (std::size_t i = 0; i < fragments.size(); ++i) {
      const std::uint8_t code = fragments[i].code;
      if (done[code]) continue;
      done[code] = true;
      p.order_.push_back(code);
      p.off_[code] = static_cast<std::uint32_t>(p.storage_.size());
      for (std::size_t j = i; j < fragments.size(); ++j)
        if (fragments[j].code == code)
          p.storage_.insert(p.storage_.end(), fragments[j].data.begin(), fragments[j].data.end());
      p.len_[code] = static_cast<std::uint32_t>(p.storage_.size() - p.off_[code]);
    }
  } catch (...) {
    return Err{DropReason::option_truncated};
  }

  // Option 52 found again inside file or sname concatenates to something that is not an overload value.
  if (p.has(kOverload) && p.option(kOverload).size() != 1) return Err{DropReason::bad_overload};
  auto mt = p.option(kMessageType);
  if (!p.has(kMessageType) || mt.size() != 1) return Err{DropReason::no_message_type};
  if (mt[0] < 1 || mt[0] > 8) return Err{DropReason::bad_message_type};
  p.type = static_cast<MessageType>(mt[0]);
  if (p.type == MessageType::offer || p.type == MessageType::ack || p.type == MessageType::nak)
    return Err{DropReason::bad_message_type};  // server messages arriving at a server
  return p;
}

std::vector<std::uint8_t> encode_request(const Packet& p) {
  std::size_t need = kFixedSize + 4 + 1;
  for (std::uint8_t code : p.codes()) need += p.option(code).size() + 2 * (p.option(code).size() / 255 + 1);
  std::vector<std::uint8_t> out(std::max<std::size_t>(need, 300));
  WireWriter w(out);
  w.u8(p.op);
  w.u8(p.htype);
  w.u8(p.hlen);
  w.u8(p.hops);
  w.u32(p.xid);
  w.u16(p.secs);
  w.u16(p.flags);
  w.u32(p.ciaddr.value);
  w.u32(p.yiaddr.value);
  w.u32(p.siaddr.value);
  w.u32(p.giaddr.value);
  w.bytes(p.chaddr);
  w.zeros(64 + 128);
  w.u32(kMagicCookie);
  for (std::uint8_t code : p.codes()) {
    auto v = p.option(code);
    do {
      const std::size_t n = std::min<std::size_t>(v.size(), 255);
      w.u8(code);
      w.u8(static_cast<std::uint8_t>(n));
      w.bytes(v.first(n));
      v = v.subspan(n);
    } while (!v.empty());
  }
  w.u8(kEnd);
  while (w.size() < 300) w.u8(kPad);
  out.resize(w.size());
  return out;
}

std::size_t encode(const Reply& reply, std::span<std::uint8_t> out, std::size_t* dropped_options) noexcept {
  const std::size_t limit = std::min(out.size(), std::max<std::size_t>(reply.max_size, 576) - 28);  // IP + UDP
  WireWriter w(out.first(limit));
  w.u8(2);  // BOOTREPLY
  w.u8(reply.htype);
  w.u8(reply.hlen);
  w.u8(reply.hops);
  w.u32(reply.xid);
  w.u16(0);  // secs
  w.u16(reply.flags);
  w.u32(reply.ciaddr.value);
  w.u32(reply.yiaddr.value);
  w.u32(reply.siaddr.value);
  w.u32(reply.giaddr.value);
  w.bytes(reply.chaddr);
  w.zeros(64 + 128);
  w.u32(kMagicCookie);
  w.u8(kMessageType);
  w.u8(1);
  w.u8(static_cast<std::uint8_t>(reply.type));
  std::size_t dropped = 0;
  auto wire_size = [](const OptionRef& o) {
    const std::size_t instances = o.data.empty() ? 1 : (o.data.size() + 254) / 255;
    return o.data.size() + 2 * instances;
  };
  // Room set aside for the options that must survive the cut (when they can fit at all).
  std::size_t kept = 0;
  for (const auto& o : reply.options)
    if (o.keep) kept += wire_size(o);
  if (kept + 1 > w.remaining()) kept = 0;
  for (const auto& o : reply.options) {
    // Room for every instance of this option, the kept options still to come and the END byte, or leave
    // the option out whole.
    const std::size_t size = wire_size(o);
    if (o.keep) kept -= std::min(kept, size);
    if (size + kept + 1 > w.remaining()) {
      ++dropped;
      continue;
    }
    auto v = o.data;
    do {
      const std::size_t n = std::min<std::size_t>(v.size(), 255);
      w.u8(o.code);
      w.u8(static_cast<std::uint8_t>(n));
      w.bytes(v.first(n));
      v = v.subspan(n);
    } while (!v.empty());
  }
  w.u8(kEnd);
  while (w.size() < 300 && w.ok()) w.u8(kPad);
  if (dropped_options) *dropped_options = dropped;
  return w.ok() ? w.size() : 0;
}

}  // namespace pb::dhcp
