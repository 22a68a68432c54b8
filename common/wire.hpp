#pragma once
// Bounds-checked readers and writers for network byte order, after Knot's wire_ctx.
//
// WireReader remembers its first error: once a read would pass the end, every later read returns zero,
// consumes nothing and leaves ok() false, so a parser reads a whole header and checks once. It never
// touches memory outside the span it was given.
// WireWriter does the same for output: a write that does not fit sets the error and writes nothing.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace pb {

class WireReader {
 public:
  explicit WireReader(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {}

  bool ok() const noexcept { return ok_; }
  std::size_t pos() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return ok_ ? bytes_.size() - pos_ : 0; }
  bool empty() const noexcept { return remaining() == 0; }
  std::span<const std::uint8_t> whole() const noexcept { return bytes_; }

  std::uint8_t u8() noexcept {
    if (!take(1)) return 0;
    return bytes_[pos_ - 1];
  }
  std::uint16_t u16() noexcept {
    if (!take(2)) return 0;
    const auto* p = &bytes_[pos_ - 2];
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
  }
  std::uint32_t u32() noexcept {
    if (!take(4)) return 0;
    const auto* p = &bytes_[pos_ - 4];
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
  }
  std::uint64_t u64() noexcept {
    const std::uint64_t high = u32();
    return (high << 32) | u32();
  }
  // The next `len` bytes as a span; an empty span (and ok() false) when fewer remain.
  std::span<const std::uint8_t> bytes(std::size_t len) noexcept {
    if (!take(len)) return {};
    return bytes_.subspan(pos_ - len, len);
  }
  // A reader over the next `len` bytes, for a length-prefixed sub-structure.
  WireReader sub(std::size_t len) noexcept {
    auto b = bytes(len);
    WireReader r(b);
    r.ok_ = ok_;
    return r;
  }
  void skip(std::size_t len) noexcept { take(len); }
  // Moves to an absolute offset inside the span (for DNS compression pointers).
  void seek(std::size_t pos) noexcept {
    if (!ok_ || pos > bytes_.size()) {
      fail();
      return;
    }
    pos_ = pos;
  }
  void fail() noexcept { ok_ = false; }

 private:
  bool take(std::size_t len) noexcept {
    // Written as len > avail, never pos + len > end, so no overflow is possible.
    if (!ok_ || len > bytes_.size() - pos_) {
      ok_ = false;
      return false;
    }
    pos_ += len;
    return true;
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

class WireWriter {
 public:
  explicit WireWriter(std::span<std::uint8_t> out) noexcept : out_(out) {}

  bool ok() const noexcept { return ok_; }
  std::size_t size() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return ok_ ? out_.size() - pos_ : 0; }
  std::span<const std::uint8_t> written() const noexcept { return out_.first(pos_); }

  void u8(std::uint8_t v) noexcept {
    if (auto* p = take(1)) p[0] = v;
  }
  void u16(std::uint16_t v) noexcept {
    if (auto* p = take(2)) {
      p[0] = static_cast<std::uint8_t>(v >> 8);
      p[1] = static_cast<std::uint8_t>(v);
    }
  }
  void u32(std::uint32_t v) noexcept {
    if (auto* p = take(4)) {
      p[0] = static_cast<std::uint8_t>(v >> 24);
      p[1] = static_cast<std::uint8_t>(v >> 16);
      p[2] = static_cast<std::uint8_t>(v >> 8);
      p[3] = static_cast<std::uint8_t>(v);
    }
  }
  void u64(std::uint64_t v) noexcept {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void bytes(std::span<const std::uint8_t> b) noexcept {
    if (b.empty()) return;
    if (auto* p = take(b.size())) std::memcpy(p, b.data(), b.size());
  }
  void text(std::string_view s) noexcept { bytes({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}); }
  void zeros(std::size_t n) noexcept {
    if (auto* p = take(n)) std::memset(p, 0, n);
  }
  // Overwrites two bytes already written at `at` (a length or count filled in afterwards).
  void patch_u16(std::size_t at, std::uint16_t v) noexcept {
    if (!ok_ || at > pos_ || pos_ - at < 2) {
      ok_ = false;
      return;
    }
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v);
  }
  void patch_u8(std::size_t at, std::uint8_t v) noexcept {
    if (!ok_ || at >= pos_) {
      ok_ = false;
      return;
    }
    out_[at] = v;
  }

 private:
  std::uint8_t* take(std::size_t len) noexcept {
    if (!ok_ || len > out_.size() - pos_) {
      ok_ = false;
      return nullptr;
    }
    auto* p = out_.data() + pos_;
    pos_ += len;
    return p;
  }

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace pb
