#include "provisiond/tftp_transfer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace pb::prov::tftp {
namespace {

class MemorySource : public Source {
 public:
  explicit MemorySource(std::size_t size) : data_(size) {
    for (std::size_t i = 0; i < size; ++i) data_[i] = static_cast<std::uint8_t>(i * 7);
  }
  std::uint64_t size() const noexcept override { return data_.size(); }
  std::optional<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) noexcept override {
    std::memcpy(out.data(), data_.data() + offset, out.size());
    return out.size();
  }
  std::vector<std::uint8_t> data_;
};

// Remembers what the transfer sent, parsed.
struct Recorder : Sink {
  struct Sent {
    Opcode opcode;
    std::uint16_t block;
    std::size_t size;
    ErrorCode error;
    Options oack;
  };
  void send(std::span<const std::uint8_t> packet) noexcept override {
    auto p = parse(packet);
    ASSERT_TRUE(p);
    sent.push_back({p->opcode, p->block, p->data.size(), p->error, p->oack});
  }
  std::vector<Sent> take() { return std::exchange(sent, {}); }
  std::vector<Sent> sent;
};

Packet ack(std::uint16_t block) {
  Packet p;
  p.opcode = Opcode::Ack;
  p.block = block;
  return p;
}

Negotiated plain(std::uint16_t blksize = 512, std::uint16_t window = 1) {
  Negotiated n;
  n.blksize = blksize;
  n.windowsize = window;
  n.timeout_ms = 1000;
  n.max_timeout_ms = 4000;
  return n;
}

TEST(TftpRead, LockStepWithShortLastBlock) {
  MemorySource src(1000);
  Recorder out;
  ReadTransfer t(src, plain(), 0, 60000);
  t.start(out, 0);
  auto s = out.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block, 1);
  EXPECT_EQ(s[0].size, 512u);
  t.on_packet(ack(1), out, 10);
  s = out.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block, 2);
  EXPECT_EQ(s[0].size, 488u);
  t.on_packet(ack(2), out, 20);
  EXPECT_EQ(t.state(), State::Done);
  EXPECT_EQ(t.bytes_sent(), 1000u);
}

TEST(TftpRead, ExactMultipleEndsWithAnEmptyBlock) {
  MemorySource src(1024);
  Recorder out;
  ReadTransfer t(src, plain(), 0, 60000);
  t.start(out, 0);
  t.on_packet(ack(1), out, 1);
  t.on_packet(ack(2), out, 2);
  auto s = out.take();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2].block, 3);
  EXPECT_EQ(s[2].size, 0u);
  t.on_packet(ack(3), out, 3);
  EXPECT_EQ(t.state(), State::Done);
}

TEST(TftpRead, OackThenDataAfterAckZero) {
  MemorySource src(3000);
  Request r;
  r.options.blksize = 1468;
  r.options.tsize = 0;
  auto n = negotiate(r, 3000, Limits{});
  ASSERT_TRUE(n);
  Recorder out;
  ReadTransfer t(src, n.value(), 0, 60000);
  t.start(out, 0);
  auto s = out.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcode, Opcode::Oack);
  EXPECT_EQ(s[0].oack.blksize, 1468u);
  EXPECT_EQ(s[0].oack.tsize, 3000u);
  t.on_packet(ack(5), out, 1);
  EXPECT_TRUE(out.take().empty()) << "only ACK 0 answers an OACK";
  t.on_packet(ack(0), out, 2);
  s = out.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block, 1);
  EXPECT_EQ(s[0].size, 1468u);
}

TEST(TftpRead, DuplicateAckNeverResends) {  // the Sorcerer's Apprentice
  MemorySource src(5000);
  Recorder out;
  ReadTransfer t(src, plain(), 0, 60000);
  t.start(out, 0);
  t.on_packet(ack(1), out, 1);
  ASSERT_EQ(out.take().size(), 2u);
  t.on_packet(ack(1), out, 2);
  t.on_packet(ack(1), out, 3);
  EXPECT_TRUE(out.take().empty());
  t.on_packet(ack(2), out, 4);
  auto s = out.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block, 3);
}

TEST(TftpRead, LossRetransmitsWithBackoffThenGivesUp) {
  MemorySource src(5000);
  Recorder out;
  ReadTransfer t(src, plain(), 0, 10000);
  t.start(out, 0);
  out.take();
  EXPECT_EQ(t.deadline(), 1000u);
  t.on_timer(out, 999);
  EXPECT_TRUE(out.take().empty());
  t.on_timer(out, 1000);
  auto s = out.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block, 1);
  EXPECT_EQ(t.deadline(), 3000u) << "doubled to 2 s";
  t.on_timer(out, 3000);
  EXPECT_EQ(t.deadline(), 7000u) << "doubled to 4 s, the ceiling";
  t.on_timer(out, 7000);
  EXPECT_EQ(t.deadline(), 10000u) << "give-up comes first";
  t.on_timer(out, 10000);
  EXPECT_EQ(t.state(), State::Failed);
  EXPECT_STREQ(t.reason(), "timeout");
  s = out.take();
  ASSERT_EQ(s.size(), 3u) << "two more retransmissions, then the error";
  EXPECT_EQ(s.back().opcode, Opcode::Error);
  EXPECT_EQ(t.retransmissions(), 3u);
}

TEST(TftpRead, ProgressResetsTheBackoff) {
  MemorySource src(5000);
  Recorder out;
  ReadTransfer t(src, plain(), 0, 60000);
  t.start(out, 0);
  t.on_timer(out, 1000);
  t.on_timer(out, 3000);
  t.on_packet(ack(1), out, 3100);
  EXPECT_EQ(t.deadline(), 4100u);
}

TEST(TftpRead, WindowsAndAGap) {
  MemorySource src(512 * 9 + 10);  // 10 blocks
  Recorder out;
  ReadTransfer t(src, plain(512, 4), 0, 60000);
  t.start(out, 0);
  auto s = out.take();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.front().block, 1);
  EXPECT_EQ(s.back().block, 4);
  t.on_packet(ack(4), out, 1);
  s = out.take();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.front().block, 5);
  t.on_packet(ack(6), out, 2);  // 7 was lost: the client acknowledges what it has in order
  s = out.take();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.front().block, 7);
  EXPECT_EQ(s.back().block, 10);
  t.on_packet(ack(6), out, 3);
  EXPECT_TRUE(out.take().empty()) << "the same partial ACK again changes nothing";
  t.on_timer(out, 1002);
  s = out.take();
  ASSERT_EQ(s.size(), 4u) << "the timer resends the whole outstanding window";
  t.on_packet(ack(10), out, 1003);
  EXPECT_EQ(t.state(), State::Done);
}

// Drives a whole transfer, acknowledging each DATA, and returns the wire block numbers seen.
std::vector<std::uint16_t> run(std::uint64_t blocks, std::uint16_t rollover) {
  MemorySource src(static_cast<std::size_t>((blocks - 1) * 8 + 3));
  Recorder out;
  ReadTransfer t(src, plain(8), rollover, 60000);
  t.start(out, 0);
  std::vector<std::uint16_t> seen;
  for (std::uint64_t i = 0; i < blocks + 5 && t.state() == State::Running; ++i) {
    auto s = out.take();
    if (s.size() != 1) break;
    seen.push_back(s[0].block);
    t.on_packet(ack(s[0].block), out, i);
  }
  EXPECT_EQ(t.state(), State::Done);
  return seen;
}

TEST(TftpRead, RolloverToZero) {
  auto seen = run(70000, 0);
  ASSERT_EQ(seen.size(), 70000u);
  EXPECT_EQ(seen[65534], 65535);
  EXPECT_EQ(seen[65535], 0);
  EXPECT_EQ(seen[65536], 1);
  EXPECT_EQ(seen.back(), static_cast<std::uint16_t>(70000 & 0xffff));
}

TEST(TftpRead, RolloverToOne) {
  auto seen = run(70000, 1);
  EXPECT_EQ(seen[65534], 65535);
  EXPECT_EQ(seen[65535], 1);
  EXPECT_EQ(wire_block(65536 + 65535, 1), 1);
}

TEST(TftpRead, ErrorFromTheClientEndsIt) {
  MemorySource src(100);
  Recorder out;
  ReadTransfer t(src, plain(), 0, 60000);
  t.start(out, 0);
  Packet e;
  e.opcode = Opcode::Error;
  t.on_packet(e, out, 1);
  EXPECT_EQ(t.state(), State::Failed);
  EXPECT_STREQ(t.reason(), "client-error");
}

TEST(TftpNegotiate, Options) {
  Limits l;
  l.max_blksize = 1468;
  l.max_windowsize = 16;
  l.max_upload_bytes = 1000;
  Request r;
  r.options.blksize = 4;
  EXPECT_EQ(negotiate(r, 0, l).error(), ErrorCode::OptionRefused);
  r.options.blksize = 65464;
  r.options.windowsize = 64;
  r.options.timeout = 0;
  auto n = negotiate(r, 10, l);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->blksize, 1468);
  EXPECT_EQ(n->windowsize, 16);
  EXPECT_FALSE(n->oack.timeout) << "timeout 0 is invalid: left out";
  EXPECT_FALSE(n->oack.tsize);
  Request w;
  w.write = true;
  w.options.tsize = 2000;
  EXPECT_EQ(negotiate(w, std::nullopt, l).error(), ErrorCode::DiskFull);
  w.options.tsize = 10;
  w.options.windowsize = 8;
  n = negotiate(w, std::nullopt, l);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->windowsize, 1);
  EXPECT_FALSE(n->oack.windowsize) << "uploads are acknowledged block by block";
  EXPECT_FALSE(negotiate(Request{}, 5, l)->send_oack) << "no options asked, no OACK";
}

struct Collect : Target {
  bool write(std::span<const std::uint8_t> b) noexcept override {
    if (data.size() + b.size() > cap) return false;
    data.append(b.begin(), b.end());
    return true;
  }
  bool finish() noexcept override {
    finished = true;
    return true;
  }
  std::string data;
  std::size_t cap = 1 << 20;
  bool finished = false;
};

Packet data(std::uint16_t block, std::string_view payload) {
  Packet p;
  p.opcode = Opcode::Data;
  p.block = block;
  p.data = std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
  return p;
}

TEST(TftpWrite, AcksEachBlockOnceWritten) {
  Collect c;
  Recorder out;
  WriteTransfer t(c, plain(8), Mode::Octet, 0, 60000);
  t.start(out, 0);
  auto s = out.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcode, Opcode::Ack);
  EXPECT_EQ(s[0].block, 0);
  t.on_packet(data(1, "12345678"), out, 1);
  t.on_packet(data(1, "12345678"), out, 2);  // our ACK was lost: acknowledge again, write once
  s = out.take();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].block, 1);
  t.on_packet(data(3, "zz"), out, 3);
  EXPECT_TRUE(out.take().empty()) << "a block from the future is ignored";
  t.on_packet(data(2, "abc"), out, 4);
  EXPECT_EQ(t.state(), State::Done);
  EXPECT_TRUE(c.finished);
  EXPECT_EQ(c.data, "12345678abc");
  t.on_packet(data(2, "abc"), out, 5);
  EXPECT_EQ(out.take().size(), 2u) << "the final ACK is repeated while lingering";
  EXPECT_FALSE(t.finished());
  t.on_timer(out, 5000);
  EXPECT_TRUE(t.finished());
}

TEST(TftpWrite, OverTheCapIsDiskFull) {
  Collect c;
  c.cap = 10;
  Recorder out;
  WriteTransfer t(c, plain(8), Mode::Octet, 0, 60000);
  t.start(out, 0);
  t.on_packet(data(1, "12345678"), out, 1);
  t.on_packet(data(2, "12345678"), out, 2);
  EXPECT_EQ(t.state(), State::Failed);
  auto s = out.take();
  EXPECT_EQ(s.back().opcode, Opcode::Error);
  EXPECT_EQ(s.back().error, ErrorCode::DiskFull);
}

TEST(TftpWrite, NetasciiAcrossBlocks) {
  Collect c;
  Recorder out;
  WriteTransfer t(c, plain(8), Mode::Netascii, 0, 60000);
  t.start(out, 0);
  t.on_packet(data(1, std::string_view("line1\r\na\r", 9).substr(0, 8)), out, 1);  // "line1\r\na"
  t.on_packet(data(2, std::string_view("\r\0b\r\nc", 6)), out, 2);
  EXPECT_EQ(c.data, "line1\na\rb\nc");
}

TEST(TftpWrite, SilentClientTimesOut) {
  Collect c;
  Recorder out;
  WriteTransfer t(c, plain(8), Mode::Octet, 0, 3000);
  t.start(out, 0);
  t.on_timer(out, 1000);
  t.on_timer(out, 3000);
  EXPECT_EQ(t.state(), State::Failed);
  EXPECT_FALSE(c.finished);
}

}  // namespace
}  // namespace pb::prov::tftp
