#pragma once
// TFTP packets (RFC 1350) with option extension (RFC 2347 OACK; 2348 blksize; 2349 timeout, tsize;
// 7440 windowsize): pure parse and build functions over spans, no I/O. parse() never reads past the end,
// never allocates from a length read off the wire, and returns a named error for every refusal.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pb::prov::tftp {

enum class Opcode : std::uint16_t { Rrq = 1, Wrq = 2, Data = 3, Ack = 4, Error = 5, Oack = 6 };

enum class ErrorCode : std::uint16_t {
  NotDefined = 0,
  FileNotFound = 1,
  AccessViolation = 2,
  DiskFull = 3,
  IllegalOperation = 4,
  UnknownTid = 5,
  FileExists = 6,
  NoSuchUser = 7,
  OptionRefused = 8,  // RFC 2347
};

enum class Mode { Octet, Netascii };

constexpr std::uint16_t kMinBlksize = 8, kMaxBlksize = 65464, kDefaultBlksize = 512;

// Options as the client asked for them (values validated for syntax only; negotiation is the server's).
struct Options {
  std::optional<std::uint32_t> blksize;     // RFC 2348; parse keeps it as sent, 1..2^32-1
  std::optional<std::uint64_t> tsize;       // RFC 2349
  std::optional<std::uint32_t> timeout;     // RFC 2349, seconds
  std::optional<std::uint32_t> windowsize;  // RFC 7440
  bool operator==(const Options&) const = default;
};

struct Request {
  bool write = false;  // WRQ
  std::string filename;
  Mode mode = Mode::Octet;
  Options options;
};

struct Packet {
  Opcode opcode = Opcode::Ack;
  std::uint16_t block = 0;             // DATA, ACK
  std::span<const std::uint8_t> data;  // DATA payload (views the input)
  ErrorCode error = ErrorCode::NotDefined;
  std::string_view message;  // ERROR text (views the input)
  Request request;           // RRQ, WRQ
  Options oack;              // OACK
};

enum class ParseError {
  Truncated,  // shorter than its opcode needs, or a string without its NUL
  BadOpcode,
  BadMode,  // not octet or netascii ("mail" is obsolete)
  EmptyFilename,
  BadOption,  // an option value that is not a decimal number, or an option without a value
  TooLong,    // more than a TFTP packet can be (65468 bytes)
};

const char* to_string(ParseError e) noexcept;

Result<Packet, ParseError> parse(std::span<const std::uint8_t> bytes) noexcept;

// Builders write into `out` and return the length, or 0 when it does not fit.
std::size_t build_request(std::span<std::uint8_t> out, const Request& r) noexcept;
std::size_t build_data_header(std::span<std::uint8_t> out, std::uint16_t block) noexcept;  // 4 bytes; payload follows
std::size_t build_ack(std::span<std::uint8_t> out, std::uint16_t block) noexcept;
std::size_t build_error(std::span<std::uint8_t> out, ErrorCode code, std::string_view message) noexcept;
std::size_t build_oack(std::span<std::uint8_t> out, const Options& accepted) noexcept;

}  // namespace pb::prov::tftp
