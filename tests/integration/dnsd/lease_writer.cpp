// Test helper: appends one record to a lease journal as dhcpd would (common/lease_journal.hpp), so dnsd's
// dynamic-names test needs no running dhcpd. Usage: pbdns_lease_writer DIR bound|released HOST IPV4 SECONDS
#include <cstdio>
#include <ctime>
#include <string>

#include "common/lease_journal.hpp"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s DIR bound|released HOST IPV4 SECONDS\n", argv[0]);
    return 64;
  }
  pb::lease_journal::Record r;
  r.kind = std::string(argv[2]) == "bound" ? pb::lease_journal::Kind::bound : pb::lease_journal::Kind::released;
  r.hostname = argv[3];
  auto a = pb::Ipv4Address::parse(argv[4]);
  if (!a) return 64;
  r.address = *a;
  r.start = std::time(nullptr);
  r.expires = r.start + std::stoll(argv[5]);
  r.hwaddr = {0x00, 0x04, 0xf2, 0x00, 0x00, static_cast<std::uint8_t>(a->value)};
  pb::lease_journal::Writer w(argv[1], 1);
  w.append(r);
  return w.sync() ? 0 : 1;
}
