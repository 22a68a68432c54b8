#include "common/wire.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace pb {
namespace {

TEST(WireReader, ReadsNetworkOrderFields) {
  const std::vector<std::uint8_t> bytes = {
      0x2a,                                            // u8  = 42
      0x12, 0x34,                                      // u16 = 0x1234
      0xde, 0xad, 0xbe, 0xef,                          // u32 = 0xdeadbeef
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // u64
      'h',  'i',                                       // two raw bytes
  };
  WireReader r(bytes);
  EXPECT_EQ(r.u8(), 0x2a);
  EXPECT_EQ(r.u16(), 0x1234);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.u64(), 0x0102030405060708ull);
  auto tail = r.bytes(2);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0], 'h');
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
}

TEST(WireReader, ReadPastEndFailsAndStaysFailed) {
  // The span is the middle of a larger buffer: bytes beyond it must never be read.
  const std::array<std::uint8_t, 6> storage = {0xff, 0x01, 0x02, 0x03, 0xff, 0xff};
  WireReader r(std::span<const std::uint8_t>(storage).subspan(1, 3));
  EXPECT_EQ(r.u16(), 0x0102);
  EXPECT_EQ(r.u16(), 0) << "only one byte left: the read fails instead of touching storage[4]";
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0) << "reads after an error return zero";
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.bytes(1).empty());
}

TEST(WireReader, HugeLengthDoesNotOverflow) {
  const std::array<std::uint8_t, 4> bytes = {1, 2, 3, 4};
  WireReader r(bytes);
  r.u8();
  EXPECT_TRUE(r.bytes(SIZE_MAX).empty());
  EXPECT_FALSE(r.ok());
}

TEST(WireReader, SubReaderIsBoundedAndInheritsFailure) {
  const std::array<std::uint8_t, 5> bytes = {3, 0xaa, 0xbb, 0xcc, 0xdd};
  WireReader r(bytes);
  WireReader sub = r.sub(r.u8());
  EXPECT_EQ(sub.u16(), 0xaabb);
  EXPECT_EQ(sub.u16(), 0) << "the sub-reader ends at its length, not at the outer span's end";
  EXPECT_FALSE(sub.ok());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u8(), 0xdd);
  WireReader too_long = r.sub(9);
  EXPECT_FALSE(too_long.ok());
  EXPECT_FALSE(r.ok());
}

TEST(WireReader, SeekStaysInsideSpan) {
  const std::array<std::uint8_t, 3> bytes = {7, 8, 9};
  WireReader r(bytes);
  r.seek(2);
  EXPECT_EQ(r.u8(), 9);
  r.seek(4);
  EXPECT_FALSE(r.ok());
}

TEST(WireWriter, WritesGoldenBytes) {
  std::array<std::uint8_t, 16> out{};
  WireWriter w(out);
  w.u8(0x01);         // 01
  w.u16(0x0203);      // 02 03
  w.u32(0x04050607);  // 04 05 06 07
  w.text("ab");       // 61 62
  const std::vector<std::uint8_t> golden = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x61, 0x62};
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(std::vector<std::uint8_t>(w.written().begin(), w.written().end()), golden);
  w.patch_u16(1, 0xbeef);
  EXPECT_EQ(out[1], 0xbe);
  EXPECT_EQ(out[2], 0xef);
}

TEST(WireWriter, OverflowWritesNothing) {
  std::array<std::uint8_t, 4> storage{0, 0, 0, 0xee};
  WireWriter w(std::span<std::uint8_t>(storage).first(3));
  w.u16(0x1111);
  w.u16(0x2222);  // does not fit: nothing written
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(storage[2], 0);
  EXPECT_EQ(storage[3], 0xee);
  w.u8(1);
  EXPECT_EQ(w.size(), 2u);
}

}  // namespace
}  // namespace pb
