#pragma once
// SOA serials that move forward on every change of the data served, whatever set them (RFC 1982 arithmetic).
// The site's generated zones start at the serial the service chose (the time at start); a zone file merged
// into one brings its own SOA, and a file for another origin is its own zone: their serials count too, but
// a change anywhere (a dnsd.record, a DHCP client's name, the file) must still raise what secondaries see,
// or they never fetch (RFC 1996 3.11, RFC 1034 4.3.5: a secondary transfers only for a greater serial).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dnsd/zone.hpp"

namespace pb::dns {

// RFC 1982 3.2: true when `a` is greater than `b` (undefined pairs, 2^31 apart, count as not greater).
constexpr bool serial_greater(std::uint32_t a, std::uint32_t b) noexcept {
  return a != b && static_cast<std::uint32_t>(a - b) < 0x80000000u;
}
constexpr std::uint32_t serial_max(std::uint32_t a, std::uint32_t b) noexcept { return serial_greater(b, a) ? b : a; }

// The serial in an SOA's wire RDATA (its last 20 bytes are serial, refresh, retry, expire, minimum).
std::uint32_t soa_serial(const std::vector<std::uint8_t>& rdata) noexcept;
void set_soa_serial(std::vector<std::uint8_t>& rdata, std::uint32_t serial) noexcept;

// Remembers what was served; each new ZoneSet gets its SOA serials rewritten so that they never go back, and
// all move forward when the data changed. With a state file it remembers across restarts too: a zone file
// served at its serial + 3 before a restart must not go back to the file's serial after it, or secondaries
// would ignore every change until the served serial caught up.
class SerialKeeper {
 public:
  // No state file: memory only (tests, and a dnsd whose state folder is not writable).
  SerialKeeper() = default;
  // Reads what `state_file` remembers (a missing or damaged file is an empty memory) and rewrites it
  // (temporary file, then rename) whenever a served serial changes. A failed write is logged once.
  explicit SerialKeeper(std::string state_file);

  // Sets the serial of every zone in `zones` (the SOA as built: generated serial, or the zone file's) and
  // returns the apexes whose serial moved since the last call: every zone when any data changed, or the
  // zones whose own SOA was raised with nothing else changed. Nothing on the first call, unless the state
  // file remembered the zones: then the first call compares with what was served before the restart. With a data change
  // a generated zone gets at least `now` (a time-like serial keeps going up across restarts); a zone from a
  // file alone goes up by one.
  std::vector<std::string> apply(ZoneSet& zones, std::uint32_t now);

 private:
  void save() noexcept;

  std::string state_file_;
  bool first_ = true;
  bool save_failed_ = false;
  std::uint64_t fingerprint_ = 0;                // FNV-1a of everything served but the serials (stable across builds)
  std::map<std::string, std::uint32_t> served_;  // by apex; kept for zones that went away, should they return
};

}  // namespace pb::dns
