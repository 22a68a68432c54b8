// The provisioning record's reader (common/phone_fetches.hpp): never crashes on any file, and what it reads,
// written back, reads back the same once normalised (the writer turns spaces and control bytes into '?').
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/phone_fetches.hpp"

using namespace pb::phone_fetches;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto first = decode(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto normalised = decode(encode(first));
  if (normalised.size() != first.size()) std::abort();
  if (decode(encode(normalised)) != normalised) std::abort();
  return 0;
}
