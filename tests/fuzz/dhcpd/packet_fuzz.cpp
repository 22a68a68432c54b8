// Fuzz target: the DHCP packet parser. Parse, re-encode, re-parse: the second parse must succeed and agree.
#include <cstdint>
#include <cstdlib>

#include "dhcpd/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = pb::dhcp::parse({data, size});
  if (!r.ok()) return 0;
  const auto& p = r.value();
  auto again = pb::dhcp::parse(pb::dhcp::encode_request(p));
  if (!again.ok() || again.value().type != p.type || again.value().xid != p.xid) std::abort();
  for (std::uint8_t code : p.codes())
    if (again.value().option(code).size() != p.option(code).size()) std::abort();
  return 0;
}
