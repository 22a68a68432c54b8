#pragma once
// The DHCP lease journal: the durable lease store of phoneboot-dhcpd, and the contract through which other
// services (dnsd: dynamic names from option 12; provisiond: which address holds which MAC) follow leases.
// dhcpd is the only writer; anyone may read.
//
// FILES, all under <state_dir>/dhcpd/:
//   leases.snapshot        the compacted state as of the start of journal generation S (header says S)
//   leases.journal.<G>     append-only records, G = S, S+1, ... (decimal, no padding)
//   leases.snapshot.tmp    a snapshot being written; ignore it
// Replay (and a follower's first read): load the snapshot (if any; S = 0 otherwise), then every journal with
// G >= S in increasing order. Journals below S are left-overs of a finished compaction and may be deleted.
// Compaction: dhcpd opens leases.journal.<G+1> (and fsyncs the directory) before it appends anything there,
// writes the state as of that moment to leases.snapshot.tmp with generation G+1, fsyncs it, renames it over
// leases.snapshot, fsyncs the directory and only then deletes journals below G+1. A crash anywhere in
// between leaves a set that replays to the same state.
//
// FILE HEADER (16 bytes, both kinds): 8 bytes magic, "PBLSNAP1" for a snapshot or "PBLJRNL1" for a journal,
// then u64 generation (big endian).
//
// RECORD (all integers big endian):
//   u32  magic 0x50424C52 ("PBLR"), so a reader can tell a record start from garbage
//   u16  body length N (at most kMaxBody)
//   N    body
//   u32  CRC-32C (Castagnoli) of the body
// BODY:
//   u8   kind: 1 bound (an ACKed lease), 2 released, 3 declined (address quarantined until `expires`),
//             4 expired (reclaimed by the server). Unknown kinds must be skipped by readers.
//   u8   flags: bit 0 = the address came from a reservation; other bits 0
//   u32  address (IPv4)
//   i64  start: unix seconds when the record was written (the client's last transaction time)
//   i64  expires: unix seconds when the lease (or the quarantine) ends
//   u8   htype, u8 hlen (<= 16), hlen bytes of chaddr
//   u8   client-id length, bytes (option 61 as received; 0 when the client sent none)
//   u8   hostname length, bytes (option 12 as received, not validated as a DNS name: check before use)
//   u8   class length, bytes (the vendor class the client matched; empty when none)
//   ...  later versions may append fields; readers ignore bytes beyond what they know
// The latest record for an address wins.
//
// DAMAGE. Where no valid record (magic, length, CRC) starts, a reader tells a torn tail from a damaged span:
//   - a header that agrees with its body (magic, and a length equal to what the body's length fields add up
//     to, as far as the file goes) but runs past the end of the file is a write cut short: a torn tail.
//     Nothing inside it is read, since its bytes hold a client's hostname and client id, which can frame a
//     record of their own;
//   - otherwise the reader looks for the next valid record: where the damaged one ends when its header agrees
//     with its body (the body or the CRC is damaged), where its fields end when only its length is damaged,
//     else at the first offset after it where a valid record starts. When there is one, the bytes before it
//     are one damaged span, counted and skipped, and reading goes on; when there is none, they are a torn
//     tail.
// dhcpd cuts a torn tail on start; a follower waits for more bytes (the writer may be in the middle of a
// write). Readers judge a header by the body fields they know: a version that appends fields must keep its
// torn writes recognisable to older readers.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/net.hpp"

namespace pb::lease_journal {

inline constexpr std::uint32_t kRecordMagic = 0x50424C52;  // "PBLR"
inline constexpr std::size_t kMaxBody = 1024;
inline constexpr std::size_t kMinBody = 1 + 1 + 4 + 8 + 8 + 1 + 1 + 1 + 1 + 1;  // every field present, all empty
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kRecordOverhead = 4 + 2 + 4;

enum class Kind : std::uint8_t { bound = 1, released = 2, declined = 3, expired = 4 };

struct Record {
  Kind kind = Kind::bound;
  bool reserved = false;
  Ipv4Address address;
  std::int64_t start = 0;
  std::int64_t expires = 0;
  std::uint8_t htype = 1;
  std::vector<std::uint8_t> hwaddr;     // at most 16 bytes
  std::vector<std::uint8_t> client_id;  // at most 255 bytes
  std::string hostname;                 // at most 255 bytes
  std::string client_class;             // at most 255 bytes
  bool operator==(const Record&) const = default;
};

// The client's MAC address when it is an Ethernet client (htype 1, six bytes), as the phone inventory and
// per-phone file names know it; nullopt for any other hardware type.
std::optional<std::array<std::uint8_t, 6>> ethernet_mac(const Record& record) noexcept;

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) noexcept;

// Appends one framed record to `out`. Fields longer than the format allows are truncated.
void encode(const Record& record, std::vector<std::uint8_t>& out);
// Decodes a record body (no framing). nullopt when it is shorter than its fields say.
std::optional<Record> decode_body(std::span<const std::uint8_t> body) noexcept;

enum class FileKind { snapshot, journal };
std::vector<std::uint8_t> encode_header(FileKind kind, std::uint64_t generation);
// The generation, or nullopt when the bytes are not a header of that kind.
std::optional<std::uint64_t> decode_header(FileKind kind, std::span<const std::uint8_t> bytes) noexcept;

// Walks the records of a byte range (a file without its header). Never reads past the span.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {}
  enum class Status { record, end, torn };
  // record: `out` holds the next record. end: every byte was consumed. torn: the bytes from good_end() on
  // are a torn tail (see DAMAGE above: a write cut short, or damage with no valid record after it).
  Status next(Record& out) noexcept;
  // Offset just past the last complete, valid record (or skipped damaged span).
  std::size_t good_end() const noexcept { return pos_; }
  // Damaged spans skipped (each one or more records lost), plus framed records whose body did not decode.
  std::size_t corrupted() const noexcept { return corrupted_; }

 private:
  // Length of a well-framed record at `at` whose CRC matches, 0 when there is none.
  std::size_t valid_record_at(std::size_t at) const noexcept;
  // Where reading goes on after damaged bytes at `at` (no valid record there); nullopt for a torn tail.
  std::optional<std::size_t> resume_after_damage(std::size_t at) const noexcept;
  // The first offset from `from` on where a valid record starts.
  std::optional<std::size_t> first_valid_from(std::size_t from) const noexcept;
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::size_t corrupted_ = 0;
};

// Paths inside the state directory `dir` (<state_dir>/dhcpd).
std::string snapshot_path(const std::string& dir);
std::string journal_path(const std::string& dir, std::uint64_t generation);
// Journal generations present in `dir`, ascending.
std::vector<std::uint64_t> journal_generations(const std::string& dir);

struct Replay {
  std::uint64_t snapshot_generation = 0;  // 0: no snapshot
  std::uint64_t last_generation = 0;      // the newest journal present (0: none)
  std::vector<Record> records;            // snapshot records then journal records, in order
  std::size_t torn_bytes = 0;             // bytes of torn tail found (and cut when asked)
  std::size_t corrupted = 0;              // damaged spans (and undecodable records) skipped
};

// Reads the whole store. With `cut_torn_tail` (the writer, on start) the newest journal is truncated to its
// last good record. Throws std::runtime_error on I/O errors and unreadable headers (start-up only).
Replay replay(const std::string& dir, bool cut_torn_tail);
// Reads the whole store while dhcpd may be writing it (dnsd, the operator's tools). A compaction that finishes
// during replay() deletes journals it had listed but not read yet, whose records are then only in a snapshot
// it did not read (seen: 1 replay in 90 lost records under back-to-back compactions). Such a replay finds a
// newer snapshot afterwards and is done again. Throws as replay() does.
Replay replay_while_written(const std::string& dir);

// Writes `records` as the snapshot of `generation`: tmp file, fsync, rename, directory fsync.
// Throws std::runtime_error on failure. Safe to call from a background thread.
void write_snapshot(const std::string& dir, std::uint64_t generation, const std::vector<Record>& records);
// Deletes journals below `generation` (after a snapshot of it is durable).
void remove_journals_below(const std::string& dir, std::uint64_t generation) noexcept;
void fsync_directory(const std::string& dir);

// The appending side: records are buffered by append() and made durable together by sync() (one write and
// one fdatasync: group commit). Not thread-safe; the event loop owns it.
class Writer {
 public:
  // Opens (creating when needed) the journal of `generation` for appending.
  Writer(std::string dir, std::uint64_t generation);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void append(const Record& record) { encode(record, pending_); }
  // Records already framed by encode() (a committer thread hands over whole batches).
  void append_encoded(std::span<const std::uint8_t> bytes) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  }
  bool has_pending() const noexcept { return !pending_.empty(); }
  // Writes and fdatasyncs what append() buffered. false on an I/O error (nothing may be acknowledged then;
  // the file is cut back to its last durable size and the buffer kept, so the next sync retries whole).
  bool sync() noexcept;
  // Starts the journal of generation()+1 (durable before it returns); later appends go there.
  void rotate();
  std::uint64_t generation() const noexcept { return generation_; }
  std::uint64_t bytes_written() const noexcept { return size_; }

 private:
  void open_generation(std::uint64_t generation);
  std::string dir_;
  std::uint64_t generation_ = 0;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::vector<std::uint8_t> pending_;
};

// A reader that follows the store as dhcpd writes it (for dnsd, provisiond). poll() delivers every record
// not yet seen; after a compaction deleted the journal it was reading, it starts over from the snapshot and
// calls `reset` first so the follower can drop its state. Not thread-safe.
class Follower {
 public:
  explicit Follower(std::string dir) : dir_(std::move(dir)) {}
  // Returns how many records were delivered.
  std::size_t poll(const std::function<void(const Record&)>& on_record, const std::function<void()>& reset);

 private:
  std::size_t start_over(const std::function<void(const Record&)>& on_record, const std::function<void()>& reset);
  std::string dir_;
  bool started_ = false;
  std::uint64_t generation_ = 0;
  std::uint64_t offset_ = 0;  // in the current journal, after the header
};

}  // namespace pb::lease_journal
