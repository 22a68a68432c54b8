// mac_in_name over arbitrary names (HTTP paths and TFTP file names come from the network): never reads
// outside the name, and a MAC it finds is spelled in the name's base as 12 hex digits, is a unicast address
// and has a vendor part that is not all zero.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "provisiond/mac_access.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  const auto mac = pb::prov::mac_in_name(name);
  if (!mac) return 0;
  if (((*mac)[0] & 1) != 0 || ((*mac)[0] == 0 && (*mac)[1] == 0 && (*mac)[2] == 0)) std::abort();
  std::string hex = pb::format_mac(*mac);
  hex.erase(std::remove(hex.begin(), hex.end(), ':'), hex.end());
  const std::size_t slash = name.find_last_of("/\\");
  std::string base(slash == std::string_view::npos ? name : name.substr(slash + 1));
  for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (base.find(hex) == std::string::npos) std::abort();
  return 0;
}
