// Fuzzes the configuration loader: any text either loads, or is refused with diagnostics that each carry a
// position. A model that loads must print to TOML that loads back to the same model.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/config/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto result = pb::config::load_text(text, "/nonexistent");
  if (!result.model) {
    if (result.diagnostics.all().empty()) std::abort();  // refused without saying why
    return 0;
  }
  auto again = pb::config::load_text(pb::config::print(*result.model), "/nonexistent");
  if (!again.model || !(*again.model == *result.model)) std::abort();
  return 0;
}
