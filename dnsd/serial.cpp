#include "dnsd/serial.hpp"

namespace pb::dns {
namespace {

// Everything that decides the data served except the SOA serials: a change here is a change of the zones.
std::string fingerprint(const ZoneSet& zs) {
  std::string out;
  for (const auto& z : zs.zones) {
    out += z.apex;
    for (const auto& [name, node] : z.nodes) {
      out += name;
      for (const auto& s : node.sets) {
        out += std::to_string(s.type) + "/" + std::to_string(s.ttl);
        for (const auto& rd : s.rdata) {
          auto bytes = rd.bytes;
          if (s.type == type::SOA) set_soa_serial(bytes, 0);
          out += std::to_string(bytes.size()) + ":";
          out.append(bytes.begin(), bytes.end());
        }
      }
    }
  }
  return out;
}

RrSet* soa_of(Zone& z) {
  auto it = z.nodes.find(z.apex);
  if (it == z.nodes.end()) return nullptr;
  RrSet* soa = it->second.find(type::SOA);
  return soa != nullptr && !soa->rdata.empty() && soa->rdata[0].bytes.size() >= 22 ? soa : nullptr;
}

}  // namespace

std::uint32_t soa_serial(const std::vector<std::uint8_t>& rd) noexcept {
  if (rd.size() < 20) return 0;
  const std::size_t at = rd.size() - 20;
  return (std::uint32_t{rd[at]} << 24) | (std::uint32_t{rd[at + 1]} << 16) | (std::uint32_t{rd[at + 2]} << 8) |
         rd[at + 3];
}

void set_soa_serial(std::vector<std::uint8_t>& rd, std::uint32_t serial) noexcept {
  if (rd.size() < 20) return;
  const std::size_t at = rd.size() - 20;
  for (int i = 0; i < 4; ++i) rd[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(serial >> (24 - 8 * i));
}

std::vector<std::string> SerialKeeper::apply(ZoneSet& zones, std::uint32_t now) {
  std::string fp = fingerprint(zones);
  const bool changed = !first_ && fp != fingerprint_;
  std::vector<std::string> moved;
  for (auto& z : zones.zones) {
    RrSet* soa = soa_of(z);
    if (soa == nullptr) continue;
    auto& bytes = soa->rdata[0].bytes;
    std::uint32_t serial = soa_serial(bytes);  // as built
    const auto previous = served_.find(z.apex);
    if (previous != served_.end()) {
      if (changed) {
        serial = serial_max(serial, previous->second + 1);  // RFC 1982: 2^32 - 1 + 1 is 0, and greater
        if (z.generated) serial = serial_max(serial, now);
      } else {
        serial = serial_max(serial, previous->second);  // never back, whatever the file now says
      }
    }
    set_soa_serial(bytes, serial);
    if (!first_ && (changed || previous == served_.end() || previous->second != serial)) moved.push_back(z.apex);
    served_[z.apex] = serial;
  }
  first_ = false;
  fingerprint_ = std::move(fp);
  return moved;
}

}  // namespace pb::dns
