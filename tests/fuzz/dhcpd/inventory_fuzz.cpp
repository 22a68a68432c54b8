// Fuzz target: the phone inventory CSV reader (common/inventory.hpp).
#include <cstdint>
#include <string_view>

#include "common/inventory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto inv = pb::inventory::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& p : inv.phones) (void)p.mac_hex();
  return 0;
}
