#pragma once
// Domain names in wire form (RFC 1035 3.1): a std::string of length-prefixed labels ending with the root's
// zero byte. Zone data is kept in lower case; the question's case is kept only in the copy of the question.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pb::dns {

inline constexpr std::size_t kMaxName = 255;
inline constexpr std::size_t kMaxLabel = 63;

// Why a name read off the wire was refused (each is a named drop reason upstream).
enum class NameError { none, truncated, label_too_long, name_too_long, compression };

// "vm40ic1.lab.voip" or "vm40ic1.lab.voip." -> wire form; "." and "" are the root. Accepts \DDD and \X escapes.
// nullopt for an empty label, a label over 63 bytes or a name over 255.
std::optional<std::string> name_from_text(std::string_view text);
// Wire form -> "vm40ic1.lab.voip." (the root is "."); bytes outside letters, digits, '-', '_', '*' are escaped.
std::string name_to_text(std::string_view wire);
std::string lowercase(std::string_view wire);
inline std::uint8_t lower_byte(std::uint8_t c) noexcept {
  return static_cast<std::uint8_t>(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

// Reads an uncompressed name at `pos` of a query (a question never needs compression: nothing precedes it
// but the header). Writes its lower-case wire form into `lower` (kMaxName bytes) and its length into `len`,
// and moves `pos` past it. Never reads outside `msg`.
NameError read_query_name(std::span<const std::uint8_t> msg, std::size_t& pos, std::uint8_t* lower,
                          std::size_t& len) noexcept;

// Reads a possibly compressed name (answers, NOTIFY replies, fuzz re-parsing). Pointers must point strictly
// backwards, which rules out loops. `pos` moves past the name as written at its first position.
NameError read_name(std::span<const std::uint8_t> msg, std::size_t& pos, std::string& out);

// The name without its first label; the root stays the root.
std::string_view parent(std::string_view wire) noexcept;
std::size_t label_count(std::string_view wire) noexcept;
// True when `name` equals `zone` or lies below it (both lower case wire form).
bool is_within(std::string_view name, std::string_view zone) noexcept;

// Writes names into a message being built at load time, compressing against every name (and suffix) written
// before through it (RFC 1035 4.1.4). Compressed pointers can only address the first 16 KiB.
class Compressor {
 public:
  // `base`: the message offset of out[0], so that pointers are absolute within the final message.
  explicit Compressor(std::size_t base = 0) : base_(base) {}
  void write(std::vector<std::uint8_t>& out, std::string_view wire, bool compress = true);
  // Registers a name already present in the message at absolute `offset` (the question at 12).
  void remember(std::string_view wire, std::size_t offset);

 private:
  std::size_t base_;
  std::map<std::string, std::uint16_t> offsets_;  // lower-case suffix -> absolute offset
};

}  // namespace pb::dns
