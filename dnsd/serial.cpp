#include "dnsd/serial.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.hpp"

namespace pb::dns {
namespace {

constexpr const char* kHeader = "phoneboot-dnsd serials 1";

std::uint64_t fnv1a(const std::string& bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325u;
  for (const char c : bytes) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3u;
  }
  return h;
}

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kDigits[static_cast<std::uint8_t>(c) >> 4];
    out += kDigits[static_cast<std::uint8_t>(c) & 15];
  }
  return out;
}

bool from_hex(const std::string& hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(hex.c_str() + i, "%2x", &v) != 1) return false;
    out += static_cast<char>(v);
  }
  return true;
}

// Everything that decides the data served except the SOA serials: a change here is a change of the zones.
std::uint64_t fingerprint(const ZoneSet& zs) {
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
  return fnv1a(out);
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

// The state file: a header line, "fingerprint <hex>", "<serial> <apex in hex>" per zone (an apex is a wire
// name), then "end". Anything else, or a file cut short, is ignored as a whole: better to start as after a
// first load than from half a memory.
SerialKeeper::SerialKeeper(std::string state_file) : state_file_(std::move(state_file)) {
  std::ifstream in(state_file_);
  std::string line, word;
  if (!std::getline(in, line) || line != kHeader) return;
  std::uint64_t fp = 0;
  if (!std::getline(in, line) || std::sscanf(line.c_str(), "fingerprint %lx", &fp) != 1) return;
  std::map<std::string, std::uint32_t> served;
  bool complete = false;
  while (std::getline(in, line)) {
    if (line == "end") {
      complete = true;
      break;
    }
    std::istringstream fields(line);
    std::string hex, apex;
    std::uint64_t serial = 0;
    if (!(fields >> serial >> hex) || serial > 0xFFFFFFFFu || !from_hex(hex, apex)) return;
    served[apex] = static_cast<std::uint32_t>(serial);
  }
  if (!complete) return;
  served_ = std::move(served);
  fingerprint_ = fp;
  first_ = false;
}

void SerialKeeper::save() noexcept {
  if (state_file_.empty()) return;
  try {
    const std::string tmp = state_file_ + ".new";
    std::filesystem::create_directories(std::filesystem::path(state_file_).parent_path());
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << kHeader << "\n";
      char fp[40];
      std::snprintf(fp, sizeof fp, "fingerprint %lx\n", static_cast<unsigned long>(fingerprint_));
      out << fp;
      for (const auto& [apex, serial] : served_) out << serial << " " << to_hex(apex) << "\n";
      out << "end\n";
      out.flush();
      if (!out) throw std::runtime_error("write failed");
    }
    if (std::rename(tmp.c_str(), state_file_.c_str()) != 0) throw std::runtime_error("rename failed");
    save_failed_ = false;
  } catch (const std::exception& e) {
    if (!save_failed_)
      log::warning("dnsd", "cannot keep the SOA serials in '{}' ({}): a restart may serve lower ones", state_file_,
                   e.what());
    save_failed_ = true;
  }
}

std::vector<std::string> SerialKeeper::apply(ZoneSet& zones, std::uint32_t now) {
  const std::uint64_t fp = fingerprint(zones);
  const bool changed = !first_ && fp != fingerprint_;
  std::vector<std::string> moved;
  bool any_moved = false;
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
    const bool zone_moved = previous == served_.end() || previous->second != serial;
    any_moved = any_moved || zone_moved;
    if (!first_ && (changed || zone_moved)) moved.push_back(z.apex);
    served_[z.apex] = serial;
  }
  first_ = false;
  const bool save_needed = any_moved || fp != fingerprint_;
  fingerprint_ = fp;
  if (save_needed) save();
  return moved;
}

}  // namespace pb::dns
