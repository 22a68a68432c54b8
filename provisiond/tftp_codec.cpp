#include "provisiond/tftp_codec.hpp"

#include <charconv>

#include "common/ascii.hpp"
#include "common/wire.hpp"

namespace pb::prov::tftp {
namespace {

constexpr std::size_t kMaxPacket = 4 + kMaxBlksize;

// A NUL-terminated string at the reader's position; nullopt when no NUL is left.
std::optional<std::string_view> take_string(WireReader& r) noexcept {
  const auto rest = r.whole().subspan(r.pos());
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == 0) {
      std::string_view s(reinterpret_cast<const char*>(rest.data()), i);
      r.skip(i + 1);
      return s;
    }
  }
  return std::nullopt;
}

template <class T>
std::optional<T> decimal(std::string_view s) noexcept {
  T v{};
  if (s.empty() || s.size() > 20) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Option pairs up to the end of the packet. Unknown options are skipped (RFC 2347); the first of a
// repeated option wins.
Result<Options, ParseError> parse_options(WireReader& r) noexcept {
  Options o;
  while (!r.empty()) {
    auto name = take_string(r);
    if (!name) return Err{ParseError::Truncated};
    auto value = take_string(r);
    if (!value) return Err{ParseError::BadOption};
    if (ascii_iequals(*name, "blksize")) {
      auto v = decimal<std::uint32_t>(*value);
      if (!v || *v == 0) return Err{ParseError::BadOption};
      if (!o.blksize) o.blksize = v;
    } else if (ascii_iequals(*name, "tsize")) {
      auto v = decimal<std::uint64_t>(*value);
      if (!v) return Err{ParseError::BadOption};
      if (!o.tsize) o.tsize = v;
    } else if (ascii_iequals(*name, "timeout")) {
      auto v = decimal<std::uint32_t>(*value);
      if (!v) return Err{ParseError::BadOption};
      if (!o.timeout) o.timeout = v;
    } else if (ascii_iequals(*name, "windowsize")) {
      auto v = decimal<std::uint32_t>(*value);
      if (!v || *v == 0) return Err{ParseError::BadOption};
      if (!o.windowsize) o.windowsize = v;
    }
  }
  return o;
}

class Out {
 public:
  explicit Out(std::span<std::uint8_t> out) : w_(out) {}
  void u16(std::uint16_t v) noexcept { w_.u16(v); }
  void str(std::string_view s) noexcept {
    w_.bytes(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    w_.u8(0);
  }
  void option(std::string_view name, std::uint64_t value) noexcept {
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, value);
    str(name);
    str(std::string_view(buf, static_cast<std::size_t>(p - buf)));
  }
  std::size_t done() const noexcept { return w_.ok() ? w_.size() : 0; }

 private:
  WireWriter w_;
};

}  // namespace

const char* to_string(ParseError e) noexcept {
  switch (e) {
    case ParseError::Truncated: return "truncated";
    case ParseError::BadOpcode: return "bad-opcode";
    case ParseError::BadMode: return "bad-mode";
    case ParseError::EmptyFilename: return "empty-filename";
    case ParseError::BadOption: return "bad-option";
    case ParseError::TooLong: return "too-long";
  }
  return "unknown";
}

Result<Packet, ParseError> parse(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() > kMaxPacket) return Err{ParseError::TooLong};
  WireReader r(bytes);
  const std::uint16_t op = r.u16();
  if (!r.ok()) return Err{ParseError::Truncated};
  Packet p;
  switch (op) {
    case 1:
    case 2: {
      p.opcode = static_cast<Opcode>(op);
      p.request.write = op == 2;
      auto file = take_string(r);
      if (!file) return Err{ParseError::Truncated};
      if (file->empty()) return Err{ParseError::EmptyFilename};
      auto mode = take_string(r);
      if (!mode) return Err{ParseError::Truncated};
      if (ascii_iequals(*mode, "octet"))
        p.request.mode = Mode::Octet;
      else if (ascii_iequals(*mode, "netascii"))
        p.request.mode = Mode::Netascii;
      else
        return Err{ParseError::BadMode};
      auto options = parse_options(r);
      if (!options) return Err{options.error()};
      p.request.filename.assign(*file);
      p.request.options = options.value();
      return p;
    }
    case 3:
      p.opcode = Opcode::Data;
      p.block = r.u16();
      if (!r.ok()) return Err{ParseError::Truncated};
      p.data = bytes.subspan(4);
      return p;
    case 4:
      p.opcode = Opcode::Ack;
      p.block = r.u16();
      if (!r.ok()) return Err{ParseError::Truncated};
      return p;
    case 5: {
      p.opcode = Opcode::Error;
      p.error = static_cast<ErrorCode>(r.u16());
      if (!r.ok()) return Err{ParseError::Truncated};
      // Many clients omit the NUL; take what is there.
      auto msg = take_string(r);
      const auto rest = bytes.subspan(4);
      p.message = msg ? *msg : std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size());
      return p;
    }
    case 6: {
      p.opcode = Opcode::Oack;
      auto options = parse_options(r);
      if (!options) return Err{options.error()};
      p.oack = options.value();
      return p;
    }
    default: return Err{ParseError::BadOpcode};
  }
}

std::size_t build_request(std::span<std::uint8_t> out, const Request& r) noexcept {
  Out o(out);
  o.u16(r.write ? 2 : 1);
  o.str(r.filename);
  o.str(r.mode == Mode::Octet ? "octet" : "netascii");
  if (r.options.blksize) o.option("blksize", *r.options.blksize);
  if (r.options.tsize) o.option("tsize", *r.options.tsize);
  if (r.options.timeout) o.option("timeout", *r.options.timeout);
  if (r.options.windowsize) o.option("windowsize", *r.options.windowsize);
  return o.done();
}

std::size_t build_data_header(std::span<std::uint8_t> out, std::uint16_t block) noexcept {
  Out o(out);
  o.u16(3);
  o.u16(block);
  return o.done();
}

std::size_t build_ack(std::span<std::uint8_t> out, std::uint16_t block) noexcept {
  Out o(out);
  o.u16(4);
  o.u16(block);
  return o.done();
}

std::size_t build_error(std::span<std::uint8_t> out, ErrorCode code, std::string_view message) noexcept {
  // Bounded message: an error packet never carries more than we wrote (dnsmasq 2.77's stale-bytes leak).
  if (message.size() > 200) message = message.substr(0, 200);
  Out o(out);
  o.u16(5);
  o.u16(static_cast<std::uint16_t>(code));
  o.str(message);
  return o.done();
}

std::size_t build_oack(std::span<std::uint8_t> out, const Options& a) noexcept {
  Out o(out);
  o.u16(6);
  if (a.blksize) o.option("blksize", *a.blksize);
  if (a.tsize) o.option("tsize", *a.tsize);
  if (a.timeout) o.option("timeout", *a.timeout);
  if (a.windowsize) o.option("windowsize", *a.windowsize);
  return o.done();
}

}  // namespace pb::prov::tftp
