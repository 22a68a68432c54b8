#include "provisiond/tftp_transfer.hpp"

#include <algorithm>

namespace pb::prov::tftp {
namespace {

void send_error(Sink& sink, ErrorCode code, std::string_view message) noexcept {
  std::uint8_t buf[256];
  if (const std::size_t n = build_error(buf, code, message)) sink.send(std::span(buf, n));
}

}  // namespace

Result<Negotiated, ErrorCode> negotiate(const Request& request, std::optional<std::uint64_t> file_size,
                                        const Limits& limits) noexcept {
  Negotiated n;
  n.timeout_ms = limits.timeout_ms;
  n.max_timeout_ms = std::max(limits.max_timeout_ms, limits.timeout_ms);
  const Options& o = request.options;
  if (o.blksize) {
    if (*o.blksize < kMinBlksize) return Err{ErrorCode::OptionRefused};
    n.blksize = static_cast<std::uint16_t>(std::min<std::uint32_t>({*o.blksize, kMaxBlksize, limits.max_blksize}));
    n.oack.blksize = n.blksize;
  }
  // RFC 2349: 1..255 seconds; anything else is left out of the OACK and the server's own timer stays.
  if (o.timeout && *o.timeout >= 1 && *o.timeout <= 255) {
    n.timeout_ms = *o.timeout * 1000;
    n.max_timeout_ms = std::max(n.max_timeout_ms, n.timeout_ms);
    n.oack.timeout = o.timeout;
  }
  if (o.tsize) {
    if (request.write) {
      if (*o.tsize > limits.max_upload_bytes) return Err{ErrorCode::DiskFull};
      n.oack.tsize = o.tsize;
    } else if (file_size) {
      n.oack.tsize = file_size;
    }
  }
  // Windows for reads only: a WRQ is acknowledged block by block (the client is told nothing else).
  if (o.windowsize && !request.write) {
    n.windowsize = static_cast<std::uint16_t>(std::min<std::uint32_t>({*o.windowsize, 65535u, limits.max_windowsize}));
    n.oack.windowsize = n.windowsize;
  }
  n.send_oack = n.oack.blksize || n.oack.tsize || n.oack.timeout || n.oack.windowsize;
  return n;
}

std::uint16_t wire_block(std::uint64_t index, std::uint16_t rollover) noexcept {
  if (index <= 65535) return static_cast<std::uint16_t>(index);
  if (rollover == 0) return static_cast<std::uint16_t>(index & 0xffff);
  return static_cast<std::uint16_t>((index - 65536) % 65535 + 1);
}

// ---- reads ----

ReadTransfer::ReadTransfer(Source& source, const Negotiated& n, std::uint16_t rollover,
                           std::uint32_t give_up_ms) noexcept
    : source_(source),
      n_(n),
      rollover_(rollover),
      give_up_ms_(give_up_ms),
      blocks_(source.size() / n.blksize + 1),
      timeout_ms_(n.timeout_ms) {
  packet_.resize(4 + std::size_t{n.blksize});
}

void ReadTransfer::start(Sink& sink, std::uint64_t now_ms) noexcept {
  last_progress_ = now_ms;
  if (n_.send_oack) {
    awaiting_oack_ack_ = true;
    const std::size_t len = build_oack(packet_, n_.oack);
    sink.send(std::span(packet_.data(), len));
    last_send_ = now_ms;
    return;
  }
  send_window(sink, now_ms);
}

void ReadTransfer::send_block(Sink& sink, std::uint64_t index) noexcept {
  const std::uint64_t offset = (index - 1) * n_.blksize;
  const std::uint64_t size = source_.size();
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n_.blksize, size - offset));
  auto got = source_.read(offset, std::span(packet_.data() + 4, want));
  if (!got) return fail(sink, ErrorCode::NotDefined, "read-error");
  build_data_header(packet_, wire_block(index, rollover_));
  sink.send(std::span(packet_.data(), 4 + *got));
  bytes_ += *got;
}

void ReadTransfer::send_window(Sink& sink, std::uint64_t now_ms) noexcept {
  const std::uint64_t last = std::min(acked_ + n_.windowsize, blocks_);
  for (std::uint64_t i = acked_ + 1; i <= last && state_ == State::Running; ++i) {
    send_block(sink, i);
    sent_ = std::max(sent_, i);
  }
  last_send_ = now_ms;
}

void ReadTransfer::on_packet(const Packet& p, Sink& sink, std::uint64_t now_ms) noexcept {
  if (state_ != State::Running) return;
  if (p.opcode == Opcode::Error) {
    state_ = State::Failed;
    reason_ = "client-error";
    return;
  }
  if (p.opcode != Opcode::Ack) return fail(sink, ErrorCode::IllegalOperation, "illegal-operation");
  if (awaiting_oack_ack_) {
    if (p.block != 0) return;  // not the answer to our OACK: ignore
    awaiting_oack_ack_ = false;
  } else {
    // Which outstanding block does this acknowledge? None: a duplicate or stale ACK, ignored (no resend).
    std::uint64_t hit = 0;
    for (std::uint64_t i = sent_; i > acked_; --i) {
      if (wire_block(i, rollover_) == p.block) {
        hit = i;
        break;
      }
    }
    if (hit == 0) return;
    acked_ = hit;
    if (acked_ == blocks_) {
      state_ = State::Done;
      return;
    }
  }
  last_progress_ = now_ms;
  timeout_ms_ = n_.timeout_ms;
  send_window(sink, now_ms);
}

void ReadTransfer::on_timer(Sink& sink, std::uint64_t now_ms) noexcept {
  if (state_ != State::Running) return;
  if (now_ms - last_progress_ >= give_up_ms_) return fail(sink, ErrorCode::NotDefined, "timeout");
  if (now_ms < last_send_ + timeout_ms_) return;
  ++retransmissions_;
  if (awaiting_oack_ack_) {
    const std::size_t len = build_oack(packet_, n_.oack);
    sink.send(std::span(packet_.data(), len));
    last_send_ = now_ms;
  } else {
    send_window(sink, now_ms);
  }
  timeout_ms_ = std::min(timeout_ms_ * 2, n_.max_timeout_ms);
}

std::uint64_t ReadTransfer::deadline() const noexcept {
  return std::min(last_send_ + timeout_ms_, last_progress_ + give_up_ms_);
}

void ReadTransfer::fail(Sink& sink, ErrorCode code, const char* reason) noexcept {
  send_error(sink, code, reason);
  state_ = State::Failed;
  reason_ = reason;
}

// ---- writes ----

WriteTransfer::WriteTransfer(Target& target, const Negotiated& n, Mode mode, std::uint16_t rollover,
                             std::uint32_t give_up_ms) noexcept
    : target_(target), n_(n), mode_(mode), rollover_(rollover), give_up_ms_(give_up_ms), timeout_ms_(n.timeout_ms) {}

void WriteTransfer::start(Sink& sink, std::uint64_t now_ms) noexcept {
  last_progress_ = now_ms;
  if (n_.send_oack) {
    oack_outstanding_ = true;
    std::uint8_t buf[128];
    const std::size_t len = build_oack(buf, n_.oack);
    sink.send(std::span(buf, len));
    last_send_ = now_ms;
    return;
  }
  ack(sink, 0, now_ms);
}

void WriteTransfer::ack(Sink& sink, std::uint16_t block, std::uint64_t now_ms) noexcept {
  std::uint8_t buf[4];
  build_ack(buf, block);
  sink.send(buf);
  last_send_ = now_ms;
}

bool WriteTransfer::deliver(std::span<const std::uint8_t> data) noexcept {
  if (mode_ == Mode::Octet) return target_.write(data);
  // netascii (RFC 1350 / RFC 764): CR LF is a line end, CR NUL a bare CR; a CR may end one block.
  converted_.clear();
  for (std::uint8_t b : data) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (b == '\n') {
        converted_.push_back('\n');
        continue;
      }
      converted_.push_back('\r');
      if (b == 0) continue;
    }
    if (b == '\r')
      pending_cr_ = true;
    else
      converted_.push_back(b);
  }
  return target_.write(converted_);
}

void WriteTransfer::on_packet(const Packet& p, Sink& sink, std::uint64_t now_ms) noexcept {
  if (state_ == State::Failed) return;
  if (p.opcode == Opcode::Error) {
    if (state_ == State::Running) {
      state_ = State::Failed;
      reason_ = "client-error";
    }
    return;
  }
  if (p.opcode != Opcode::Data) {
    if (state_ == State::Running) fail(sink, ErrorCode::IllegalOperation, "illegal-operation");
    return;
  }
  if (state_ == State::Done) {
    if (p.block == wire_block(received_, rollover_)) ack(sink, p.block, now_ms);  // our final ACK was lost
    return;
  }
  if (p.block == wire_block(received_ + 1, rollover_)) {
    if (p.data.size() > n_.blksize) return fail(sink, ErrorCode::IllegalOperation, "oversized-block");
    if (!deliver(p.data)) return fail(sink, ErrorCode::DiskFull, "too-large");
    ++received_;
    bytes_ += p.data.size();
    oack_outstanding_ = false;
    last_progress_ = now_ms;
    timeout_ms_ = n_.timeout_ms;
    if (p.data.size() < n_.blksize) {
      if (pending_cr_) {
        const std::uint8_t cr = '\r';
        pending_cr_ = false;
        if (!target_.write(std::span(&cr, 1))) return fail(sink, ErrorCode::DiskFull, "too-large");
      }
      // Stored before the last ACK leaves, so an acknowledged upload is on disk.
      if (!target_.finish()) return fail(sink, ErrorCode::AccessViolation, "store-failed");
      state_ = State::Done;
    }
    ack(sink, p.block, now_ms);
    return;
  }
  if (received_ > 0 && p.block == wire_block(received_, rollover_)) ack(sink, p.block, now_ms);  // ACK lost: repeat
}

void WriteTransfer::on_timer(Sink& sink, std::uint64_t now_ms) noexcept {
  if (state_ == State::Failed) return;
  if (state_ == State::Done) {
    if (now_ms >= last_send_ + n_.timeout_ms) lingered_ = true;
    return;
  }
  if (now_ms - last_progress_ >= give_up_ms_) return fail(sink, ErrorCode::NotDefined, "timeout");
  if (now_ms < last_send_ + timeout_ms_) return;
  if (oack_outstanding_) {
    std::uint8_t buf[128];
    const std::size_t len = build_oack(buf, n_.oack);
    sink.send(std::span(buf, len));
    last_send_ = now_ms;
  } else {
    ack(sink, wire_block(received_, rollover_), now_ms);
  }
  timeout_ms_ = std::min(timeout_ms_ * 2, n_.max_timeout_ms);
}

std::uint64_t WriteTransfer::deadline() const noexcept {
  if (state_ == State::Done) return last_send_ + n_.timeout_ms;
  return std::min(last_send_ + timeout_ms_, last_progress_ + give_up_ms_);
}

void WriteTransfer::fail(Sink& sink, ErrorCode code, const char* reason) noexcept {
  send_error(sink, code, reason);
  state_ = State::Failed;
  reason_ = reason;
}

}  // namespace pb::prov::tftp
