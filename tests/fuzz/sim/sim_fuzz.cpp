// Fuzzes what phoneboot-sim reads from the network: a DHCP reply's options (overload, split options) and
// the server URL in option 160/66. The first byte picks which; neither may read past its input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/phoneboot-sim/dhcp_client.hpp"
#include "tools/phoneboot-sim/probes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    const std::vector<std::uint8_t> packet(data + 1, data + size);
    for (const auto& [code, value] : pb::sim::reply_options(packet))
      if (code == 0 || code == 255 || value.size() > packet.size()) std::abort();
  } else if (auto u = pb::sim::parse_server_url(std::string(reinterpret_cast<const char*>(data) + 1, size - 1))) {
    if (u->host.empty() || u->port == 0) std::abort();
  }
  return 0;
}
