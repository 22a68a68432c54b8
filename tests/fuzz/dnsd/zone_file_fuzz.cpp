// Fuzz target: the zone file loader (ldns at load time, then our conversion and merge rules). Any text in;
// an error message or records out, never a crash. ldns reads from a FILE*, so the input goes to a temp file.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "dnsd/zone.hpp"
#include "dnsd/zone_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/pbdns-fuzz-zone-" + std::to_string(::getpid());
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  pb::dns::ZoneSet zones;
  pb::dns::ZoneBuilder builder(zones);
  builder.add_zone(std::string("\x03lab\x04voip\0", 10), false);
  (void)pb::dns::load_zone_file(path, "fuzz.zone", "lab.voip", 300, [&](const pb::dns::ParsedRr& rr) {
    return builder.add(rr.owner, rr.type, rr.ttl, {rr.rdata}, "fuzz.zone");
  });
  builder.finish();
  std::remove(path.c_str());
  return 0;
}
