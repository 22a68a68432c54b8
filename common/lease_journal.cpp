#include "common/lease_journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/wire.hpp"

namespace pb::lease_journal {
namespace {

constexpr char kSnapshotMagic[8] = {'P', 'B', 'L', 'S', 'N', 'A', 'P', '1'};
constexpr char kJournalMagic[8] = {'P', 'B', 'L', 'J', 'R', 'N', 'L', '1'};
constexpr const char* kJournalPrefix = "leases.journal.";

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // Castagnoli, reflected
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " '" + path + "' (" + std::strerror(errno) + ")");
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The bytes of `path` from `offset` on (a follower reads only what is new). exists=false when absent.
std::vector<std::uint8_t> read_from(const std::string& path, std::uint64_t offset, bool& exists) {
  exists = false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    fail("cannot open", path);
  }
  exists = true;
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[65536];
  for (off_t at = static_cast<off_t>(offset);;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("cannot read", path);
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), buf, buf + n);
    at += n;
  }
  ::close(fd);
  return bytes;
}

std::vector<std::uint8_t> read_whole(const std::string& path, bool& exists) { return read_from(path, 0, exists); }

// The generation in the snapshot's header as it is now: 0 when there is none, nullopt when it is unreadable.
std::optional<std::uint64_t> snapshot_generation_now(const std::string& dir) {
  const int fd = ::open(snapshot_path(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? std::optional<std::uint64_t>{0} : std::nullopt;
  std::uint8_t header[kHeaderSize];
  const ssize_t n = ::pread(fd, header, sizeof header, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof header)) return std::nullopt;
  return decode_header(FileKind::snapshot, header);
}

void put_bytes(WireWriter& w, std::span<const std::uint8_t> b, std::size_t max) {
  const std::size_t n = std::min(b.size(), max);
  w.u8(static_cast<std::uint8_t>(n));
  w.bytes(b.first(n));
}
std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

constexpr std::uint8_t kMagicFirstByte = kRecordMagic >> 24;

// The body length that a record's fields add up to, read from the bytes after its header (which may run
// past the body if the length is damaged). nullopt when an impossible hlen says the body is damaged, or
// with `cut` set when the bytes end before the last length field.
std::optional<std::size_t> body_fields_length(std::span<const std::uint8_t> b, bool& cut) noexcept {
  cut = false;
  std::size_t at = 1 + 1 + 4 + 8 + 8 + 1;  // kind, flags, address, start, expires, htype
  if (b.size() <= at) {
    cut = true;
    return std::nullopt;
  }
  if (b[at] > 16) return std::nullopt;
  at += 1 + b[at];
  for (int field = 0; field < 3; ++field) {  // client id, hostname, class
    if (b.size() <= at) {
      cut = true;
      return std::nullopt;
    }
    at += 1 + b[at];
  }
  return at;
}

}  // namespace

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) noexcept {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::uint8_t b : bytes) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void encode(const Record& r, std::vector<std::uint8_t>& out) {
  std::uint8_t body[kMaxBody];
  WireWriter w(body);
  w.u8(static_cast<std::uint8_t>(r.kind));
  w.u8(r.reserved ? 1 : 0);
  w.u32(r.address.value);
  w.u64(static_cast<std::uint64_t>(r.start));
  w.u64(static_cast<std::uint64_t>(r.expires));
  w.u8(r.htype);
  put_bytes(w, r.hwaddr, 16);
  put_bytes(w, r.client_id, 255);
  put_bytes(w, as_bytes(r.hostname), 255);
  put_bytes(w, as_bytes(r.client_class), 255);
  // 1+1+4+8+8+1 + 4 * (1+255) < kMaxBody, so the writer cannot run out.
  const auto written = w.written();
  const std::size_t at = out.size();
  out.resize(at + kRecordOverhead + written.size());
  WireWriter frame(std::span<std::uint8_t>(out).subspan(at));
  frame.u32(kRecordMagic);
  frame.u16(static_cast<std::uint16_t>(written.size()));
  frame.bytes(written);
  frame.u32(crc32c(written));
}

std::optional<Record> decode_body(std::span<const std::uint8_t> body) noexcept {
  WireReader r(body);
  Record rec;
  rec.kind = static_cast<Kind>(r.u8());
  rec.reserved = (r.u8() & 1) != 0;
  rec.address.value = r.u32();
  rec.start = static_cast<std::int64_t>(r.u64());
  rec.expires = static_cast<std::int64_t>(r.u64());
  rec.htype = r.u8();
  const std::uint8_t hlen = r.u8();
  if (hlen > 16) return std::nullopt;
  auto hw = r.bytes(hlen);
  auto cid = r.bytes(r.u8());
  auto host = r.bytes(r.u8());
  auto cls = r.bytes(r.u8());
  if (!r.ok()) return std::nullopt;
  try {
    rec.hwaddr.assign(hw.begin(), hw.end());
    rec.client_id.assign(cid.begin(), cid.end());
    rec.hostname.assign(host.begin(), host.end());
    rec.client_class.assign(cls.begin(), cls.end());
  } catch (...) {
    return std::nullopt;
  }
  return rec;
}

std::vector<std::uint8_t> encode_header(FileKind kind, std::uint64_t generation) {
  std::vector<std::uint8_t> out(kHeaderSize);
  std::memcpy(out.data(), kind == FileKind::snapshot ? kSnapshotMagic : kJournalMagic, 8);
  WireWriter w(std::span<std::uint8_t>(out).subspan(8));
  w.u64(generation);
  return out;
}

std::optional<std::uint64_t> decode_header(FileKind kind, std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  if (std::memcmp(bytes.data(), kind == FileKind::snapshot ? kSnapshotMagic : kJournalMagic, 8) != 0)
    return std::nullopt;
  WireReader r(bytes.subspan(8, 8));
  return r.u64();
}

std::size_t Reader::valid_record_at(std::size_t at) const noexcept {
  if (at > bytes_.size()) return 0;
  WireReader r(bytes_.subspan(at));
  if (r.u32() != kRecordMagic) return 0;
  const std::uint16_t len = r.u16();
  if (len > kMaxBody) return 0;
  auto body = r.bytes(len);
  const std::uint32_t crc = r.u32();
  if (!r.ok() || crc != crc32c(body)) return 0;
  return kRecordOverhead + len;
}

Reader::Status Reader::next(Record& out) noexcept {
  while (pos_ < bytes_.size()) {
    if (const std::size_t n = valid_record_at(pos_); n != 0) {
      auto rec = decode_body(bytes_.subspan(pos_ + 6, n - kRecordOverhead));
      pos_ += n;
      if (rec) {
        out = std::move(*rec);
        return Status::record;
      }
      ++corrupted_;  // framed and checksummed but unreadable: a writer bug, skip it
      continue;
    }
    const auto resume = resume_after_damage(pos_);
    if (!resume) return Status::torn;
    ++corrupted_;
    pos_ = *resume;
  }
  return Status::end;
}

std::optional<std::size_t> Reader::resume_after_damage(std::size_t at) const noexcept {
  const auto rest = bytes_.subspan(at);
  WireReader r(rest);
  const bool magic = r.u32() == kRecordMagic;
  const std::size_t len = r.u16();
  if (!r.ok()) return std::nullopt;  // not even a header left: nothing valid can follow
  bool cut = false;
  const auto fields = body_fields_length(rest.subspan(6), cut);
  const bool framed = magic && len >= kMinBody && len <= kMaxBody;
  const bool past_end = kRecordOverhead + len > rest.size();
  if (framed && (fields == len || (cut && past_end))) {
    // The header agrees with the body. Running past the end, it is a write cut short: a torn tail, and
    // the client-chosen bytes inside it are not searched for records. Otherwise the body or the CRC is
    // damaged, and the next record starts where this one ends.
    if (past_end) return std::nullopt;
    return first_valid_from(at + kRecordOverhead + len);
  }
  // Only the length damaged: the next record starts where the fields end.
  if (magic && fields) {
    const std::size_t end = at + kRecordOverhead + *fields;
    if (end <= bytes_.size() && valid_record_at(end) != 0) return end;
  }
  return first_valid_from(at + 1);
}

std::optional<std::size_t> Reader::first_valid_from(std::size_t from) const noexcept {
  for (std::size_t q = from; q < bytes_.size() && bytes_.size() - q >= kRecordOverhead + kMinBody; ++q)
    if (bytes_[q] == kMagicFirstByte && valid_record_at(q) != 0) return q;
  return std::nullopt;
}

std::string snapshot_path(const std::string& dir) { return dir + "/leases.snapshot"; }
std::string journal_path(const std::string& dir, std::uint64_t generation) {
  return dir + "/" + kJournalPrefix + std::to_string(generation);
}

std::vector<std::uint64_t> journal_generations(const std::string& dir) {
  std::vector<std::uint64_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  const std::size_t plen = std::strlen(kJournalPrefix);
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() <= plen || name.compare(0, plen, kJournalPrefix) != 0) continue;
    const std::string digits = name.substr(plen);
    if (digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    out.push_back(std::stoull(digits));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Replay replay(const std::string& dir, bool cut_torn_tail) {
  Replay result;
  bool exists = false;
  auto snap = read_whole(snapshot_path(dir), exists);
  if (exists) {
    auto gen = decode_header(FileKind::snapshot, snap);
    if (!gen) throw std::runtime_error("'" + snapshot_path(dir) + "' is not a lease snapshot");
    result.snapshot_generation = *gen;
    Reader reader(std::span<const std::uint8_t>(snap).subspan(kHeaderSize));
    Record rec;
    Reader::Status st;
    while ((st = reader.next(rec)) == Reader::Status::record) result.records.push_back(std::move(rec));
    // A snapshot is complete by construction (renamed only after fsync); damage here is counted, not cut.
    result.corrupted += reader.corrupted();
    if (st == Reader::Status::torn) result.corrupted += 1;
  }
  auto gens = journal_generations(dir);
  gens.erase(std::remove_if(gens.begin(), gens.end(), [&](auto g) { return g < result.snapshot_generation; }),
             gens.end());
  for (std::size_t i = 0; i < gens.size(); ++i) {
    const std::string path = journal_path(dir, gens[i]);
    auto bytes = read_whole(path, exists);
    if (!exists) continue;
    result.last_generation = gens[i];
    const bool newest = i + 1 == gens.size();
    if (bytes.size() < kHeaderSize || !decode_header(FileKind::journal, bytes)) {
      // A journal created but whose header never reached the disk: empty by definition.
      if (newest && cut_torn_tail) {
        result.torn_bytes += bytes.size();
        const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0) fail("cannot truncate", path);
        auto header = encode_header(FileKind::journal, gens[i]);
        const bool ok = write_all(fd, header.data(), header.size()) && ::fsync(fd) == 0;
        ::close(fd);
        if (!ok) fail("cannot rewrite header of", path);
      }
      continue;
    }
    Reader reader(std::span<const std::uint8_t>(bytes).subspan(kHeaderSize));
    Record rec;
    Reader::Status st;
    while ((st = reader.next(rec)) == Reader::Status::record) result.records.push_back(std::move(rec));
    result.corrupted += reader.corrupted();
    if (st == Reader::Status::torn) {
      const std::size_t good = kHeaderSize + reader.good_end();
      result.torn_bytes += bytes.size() - good;
      if (cut_torn_tail) {
        if (::truncate(path.c_str(), static_cast<off_t>(good)) != 0) fail("cannot cut torn tail of", path);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
          ::fsync(fd);
          ::close(fd);
        }
      }
    }
  }
  return result;
}

std::optional<std::array<std::uint8_t, 6>> ethernet_mac(const Record& record) noexcept {
  if (record.htype != 1 || record.hwaddr.size() != 6) return std::nullopt;
  std::array<std::uint8_t, 6> mac{};
  std::copy(record.hwaddr.begin(), record.hwaddr.end(), mac.begin());
  return mac;
}

Replay replay_while_written(const std::string& dir) {
  // Journals are deleted only after a newer snapshot is in place: an unchanged snapshot generation means no
  // journal went missing. Under endless compactions the last attempt is returned as it is.
  constexpr int kAttempts = 10;
  for (int attempt = 1;; ++attempt) {
    Replay result = replay(dir, false);
    if (attempt == kAttempts || snapshot_generation_now(dir) == result.snapshot_generation) return result;
  }
}

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot fsync directory", dir);
}

void write_snapshot(const std::string& dir, std::uint64_t generation, const std::vector<Record>& records) {
  const std::string tmp = snapshot_path(dir) + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) fail("cannot create", tmp);
  std::vector<std::uint8_t> buf = encode_header(FileKind::snapshot, generation);
  bool ok = true;
  for (const auto& r : records) {
    encode(r, buf);
    if (buf.size() > (1u << 20)) {
      ok = ok && write_all(fd, buf.data(), buf.size());
      buf.clear();
    }
  }
  ok = ok && write_all(fd, buf.data(), buf.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) fail("cannot write", tmp);
  if (::rename(tmp.c_str(), snapshot_path(dir).c_str()) != 0) fail("cannot rename", tmp);
  fsync_directory(dir);
}

void remove_journals_below(const std::string& dir, std::uint64_t generation) noexcept {
  for (auto g : journal_generations(dir))
    if (g < generation) ::unlink(journal_path(dir, g).c_str());
}

Writer::Writer(std::string dir, std::uint64_t generation) : dir_(std::move(dir)) { open_generation(generation); }

Writer::~Writer() {
  if (fd_ >= 0) ::close(fd_);
}

void Writer::open_generation(std::uint64_t generation) {
  const std::string path = journal_path(dir_, generation);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) fail("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail("cannot stat", path);
  }
  if (st.st_size == 0) {
    auto header = encode_header(FileKind::journal, generation);
    if (!write_all(fd, header.data(), header.size()) || ::fsync(fd) != 0) {
      ::close(fd);
      fail("cannot write header of", path);
    }
    st.st_size = static_cast<off_t>(header.size());
    fsync_directory(dir_);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  generation_ = generation;
  size_ = static_cast<std::uint64_t>(st.st_size);
}

bool Writer::sync() noexcept {
  if (pending_.empty()) return true;
  // On failure (ENOSPC, EIO) cut the file back to its last durable size, so the retry does not leave a
  // partial copy in the middle of the journal, which replay would take for a torn tail and cut with
  // everything after it.
  if (!write_all(fd_, pending_.data(), pending_.size()) || ::fdatasync(fd_) != 0) {
    (void)::ftruncate(fd_, static_cast<off_t>(size_));
    return false;
  }
  size_ += pending_.size();
  pending_.clear();
  return true;
}

void Writer::rotate() {
  sync();
  open_generation(generation_ + 1);
}

std::size_t Follower::start_over(const std::function<void(const Record&)>& on_record,
                                 const std::function<void()>& reset) {
  if (started_ && reset) reset();
  started_ = true;
  auto all = replay_while_written(dir_);
  for (const auto& r : all.records) on_record(r);
  generation_ = all.last_generation;
  offset_ = 0;
  if (generation_ != 0) {
    // Position after what replay() read from the newest journal: re-read it to find the good end.
    bool exists = false;
    auto bytes = read_whole(journal_path(dir_, generation_), exists);
    if (bytes.size() >= kHeaderSize) {
      Reader reader(std::span<const std::uint8_t>(bytes).subspan(kHeaderSize));
      Record rec;
      while (reader.next(rec) == Reader::Status::record) {
      }
      offset_ = reader.good_end();
    }
  }
  return all.records.size();
}

std::size_t Follower::poll(const std::function<void(const Record&)>& on_record, const std::function<void()>& reset) {
  if (!started_) return start_over(on_record, reset);
  std::size_t delivered = 0;
  for (;;) {
    bool exists = false;
    auto bytes = generation_ == 0 ? std::vector<std::uint8_t>{}
                                  : read_from(journal_path(dir_, generation_), kHeaderSize + offset_, exists);
    if (generation_ != 0 && !exists) return delivered + start_over(on_record, reset);  // compacted away
    Reader reader(bytes);
    Record rec;
    while (reader.next(rec) == Reader::Status::record) {
      on_record(rec);
      ++delivered;
    }
    offset_ += reader.good_end();
    auto gens = journal_generations(dir_);
    auto it = std::upper_bound(gens.begin(), gens.end(), generation_);
    if (it == gens.end()) return delivered;
    generation_ = *it;  // the writer moved on: everything it will write to the old journal is there
    offset_ = 0;
  }
}

}  // namespace pb::lease_journal
