// Fuzzes the option value decoders (common/config/option_decode.hpp): the first byte picks the type, the
// rest is the wire value. Whatever decodes must encode again, to the same bytes where the encoding is unique
// (compressed domain lists are not: those must decode to the same names again), and never read past the
// input (ASan in CI).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "common/config/dhcpd.hpp"
#include "common/config/option_decode.hpp"

using namespace pb::config;

namespace {

constexpr OptionType kTypes[] = {OptionType::ip,          OptionType::ip_list,     OptionType::string,
                                 OptionType::int32,       OptionType::uint8,       OptionType::uint16,
                                 OptionType::uint32,      OptionType::boolean,     OptionType::hex,
                                 OptionType::domain_list, OptionType::sub_options, OptionType::vivso};

void check_scalar(std::span<const std::uint8_t> bytes, OptionType type) {
  const auto value = decode_scalar(bytes, type);
  if (!value) return;
  OptionConfig o;
  o.code = 224;
  o.value = *value;
  const auto again = encode_option(o, type);
  if (!again.error.empty()) {
    if (bytes.size() > 1000) return;  // the encoder's own cap on one option's value
    std::abort();                     // decoded what the configuration cannot say
  }
  if (type == OptionType::domain_list) {
    if (decode_scalar(again.bytes, type) != value) std::abort();
  } else if (!std::equal(again.bytes.begin(), again.bytes.end(), bytes.begin(), bytes.end())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const OptionType type = kTypes[data[0] % std::size(kTypes)];
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  (void)option_text(bytes, type);
  if (type == OptionType::sub_options) {
    if (auto subs = decode_suboptions(bytes)) {
      std::size_t total = 0;
      for (const auto& s : *subs) total += 2 + s.bytes.size();
      if (total > bytes.size()) std::abort();
    }
  } else if (type == OptionType::vivso) {
    if (auto blocks = decode_vivso(bytes)) {
      std::vector<std::uint8_t> again;  // no pads inside 125: the blocks rebuild the input exactly
      for (const auto& b : *blocks) {
        for (int s = 24; s >= 0; s -= 8) again.push_back(static_cast<std::uint8_t>(b.enterprise >> s));
        std::vector<std::uint8_t> data_bytes;
        for (const auto& sub : b.suboptions) {
          data_bytes.push_back(sub.code);
          data_bytes.push_back(static_cast<std::uint8_t>(sub.bytes.size()));
          data_bytes.insert(data_bytes.end(), sub.bytes.begin(), sub.bytes.end());
        }
        again.push_back(static_cast<std::uint8_t>(data_bytes.size()));
        again.insert(again.end(), data_bytes.begin(), data_bytes.end());
      }
      if (!std::equal(again.begin(), again.end(), bytes.begin(), bytes.end())) std::abort();
    }
  } else {
    check_scalar(bytes, type);
  }
  return 0;
}
