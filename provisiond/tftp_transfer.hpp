#pragma once
// One TFTP transfer as a state machine with no sockets and no clock of its own: the server feeds it packets
// and the time, and it sends through a Sink. Unit tests drive it with an injected clock through loss,
// duplicates and block-number rollover.
//
// Reads (RRQ) send windows of `windowsize` blocks (RFC 7440; 1 is RFC 1350 lock-step) and move on only
// when an ACK acknowledges a block it has not seen acknowledged: a duplicate ACK never triggers a resend
// (the Sorcerer's Apprentice bug, RFC 1123 4.2.3.1); only the retransmission timer resends, with
// exponential backoff, and the transfer is abandoned after `give_up_ms` without progress.
// Block numbers are 16 bits on the wire; the index inside is 64 bits, so files past 65535 blocks roll over
// to `rollover` (0, as tftp-hpa, U-Boot and Erlang/OTP do, or 1).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.hpp"
#include "provisiond/tftp_codec.hpp"

namespace pb::prov::tftp {

struct Limits {
  std::uint16_t max_blksize = 1468;
  std::uint16_t max_windowsize = 64;
  std::uint32_t timeout_ms = 1000;
  std::uint32_t max_timeout_ms = 8000;
  std::uint32_t give_up_ms = 60000;
  std::uint16_t rollover = 0;
  std::uint64_t max_upload_bytes = 8ull << 20;
};

struct Negotiated {
  std::uint16_t blksize = kDefaultBlksize;
  std::uint16_t windowsize = 1;
  std::uint32_t timeout_ms = 1000;
  std::uint32_t max_timeout_ms = 8000;
  bool send_oack = false;  // the client asked for options we accept: answer with OACK first
  Options oack;            // what the OACK carries
};

// RFC 2347: options we do not know or cannot honour are left out of the OACK; a blksize below 8 or a
// WRQ whose tsize is over the upload cap is refused (error 8 or 3). `file_size` is the RRQ's file size
// (for tsize), absent for netascii (its size on the wire is not the file's).
Result<Negotiated, ErrorCode> negotiate(const Request& request, std::optional<std::uint64_t> file_size,
                                        const Limits& limits) noexcept;

// The 16-bit number of the block with 1-based 64-bit `index`.
std::uint16_t wire_block(std::uint64_t index, std::uint16_t rollover) noexcept;

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void send(std::span<const std::uint8_t> packet) noexcept = 0;
};

// Where an RRQ's bytes come from (a file with pread, or memory for cached and netascii-converted files).
class Source {
 public:
  virtual ~Source() = default;
  virtual std::uint64_t size() const noexcept = 0;
  // Copies up to out.size() bytes at `offset`; the count, or nullopt on an I/O error.
  virtual std::optional<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) noexcept = 0;
};

// Where a WRQ's bytes go.
class Target {
 public:
  virtual ~Target() = default;
  virtual bool write(std::span<const std::uint8_t> bytes) noexcept = 0;  // false: over the cap, or I/O error
  virtual bool finish() noexcept = 0;                                    // after the last block
};

enum class State { Running, Done, Failed };

class ReadTransfer {
 public:
  ReadTransfer(Source& source, const Negotiated& n, std::uint16_t rollover, std::uint32_t give_up_ms) noexcept;
  void start(Sink& sink, std::uint64_t now_ms) noexcept;
  void on_packet(const Packet& packet, Sink& sink, std::uint64_t now_ms) noexcept;
  void on_timer(Sink& sink, std::uint64_t now_ms) noexcept;
  std::uint64_t deadline() const noexcept;
  bool finished() const noexcept { return state_ != State::Running; }
  State state() const noexcept { return state_; }
  const char* reason() const noexcept { return reason_; }
  std::uint64_t bytes_sent() const noexcept { return bytes_; }
  std::uint64_t retransmissions() const noexcept { return retransmissions_; }
  std::uint64_t blocks() const noexcept { return blocks_; }

 private:
  void send_window(Sink& sink, std::uint64_t now_ms) noexcept;
  void send_block(Sink& sink, std::uint64_t index) noexcept;
  void fail(Sink& sink, ErrorCode code, const char* reason) noexcept;

  Source& source_;
  Negotiated n_;
  std::uint16_t rollover_;
  std::uint32_t give_up_ms_;
  std::vector<std::uint8_t> packet_;
  std::uint64_t blocks_;     // size / blksize + 1: the last block is short, maybe empty
  std::uint64_t acked_ = 0;  // highest block index acknowledged
  std::uint64_t sent_ = 0;   // highest block index sent
  bool awaiting_oack_ack_ = false;
  std::uint32_t timeout_ms_;
  std::uint64_t last_send_ = 0, last_progress_ = 0;
  std::uint64_t bytes_ = 0, retransmissions_ = 0;
  State state_ = State::Running;
  const char* reason_ = "";
};

class WriteTransfer {
 public:
  WriteTransfer(Target& target, const Negotiated& n, Mode mode, std::uint16_t rollover,
                std::uint32_t give_up_ms) noexcept;
  void start(Sink& sink, std::uint64_t now_ms) noexcept;
  void on_packet(const Packet& packet, Sink& sink, std::uint64_t now_ms) noexcept;
  void on_timer(Sink& sink, std::uint64_t now_ms) noexcept;
  std::uint64_t deadline() const noexcept;
  // Done transfers linger one timeout to re-acknowledge a repeated last block (our final ACK was lost).
  bool finished() const noexcept { return state_ == State::Failed || (state_ == State::Done && lingered_); }
  State state() const noexcept { return state_; }
  const char* reason() const noexcept { return reason_; }
  std::uint64_t bytes_received() const noexcept { return bytes_; }

 private:
  void ack(Sink& sink, std::uint16_t block, std::uint64_t now_ms) noexcept;
  void fail(Sink& sink, ErrorCode code, const char* reason) noexcept;
  bool deliver(std::span<const std::uint8_t> data) noexcept;

  Target& target_;
  Negotiated n_;
  Mode mode_;
  std::uint16_t rollover_;
  std::uint32_t give_up_ms_;
  std::uint64_t received_ = 0;  // highest block index written
  bool oack_outstanding_ = false;
  bool pending_cr_ = false;  // netascii: a CR ended the previous block
  std::uint32_t timeout_ms_;
  std::uint64_t last_send_ = 0, last_progress_ = 0;
  std::uint64_t bytes_ = 0;
  bool lingered_ = false;
  State state_ = State::Running;
  const char* reason_ = "";
  std::vector<std::uint8_t> converted_;
};

}  // namespace pb::prov::tftp
