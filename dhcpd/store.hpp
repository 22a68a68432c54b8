#pragma once
// Durable leases: the LeaseTable in memory, the journal on disk (common/lease_journal.hpp), group commit
// between them. The server appends the records of a whole event-loop turn, calls commit() once (one write,
// one fdatasync) and only then sends that turn's ACKs. Compaction writes a snapshot on a background thread
// while the loop keeps appending to the next journal generation.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/lease_journal.hpp"
#include "common/metrics.hpp"
#include "dhcpd/leases.hpp"

namespace pb::dhcp {

class LeaseStore {
 public:
  // Creates `dir` when needed, replays it into `table` (cutting a torn tail) and opens the journal.
  // Throws std::runtime_error when the store cannot be read or written (start-up only).
  LeaseStore(std::string dir, LeaseTable& table, std::int64_t compact_after, metrics::Registry* metrics);
  ~LeaseStore();
  LeaseStore(const LeaseStore&) = delete;
  LeaseStore& operator=(const LeaseStore&) = delete;

  void append(const lease_journal::Record& record);
  bool has_pending() const noexcept { return writer_->has_pending(); }
  // One write + fdatasync for everything appended since the last commit. false: nothing may be ACKed.
  bool commit() noexcept;
  // Starts a compaction when enough records piled up and none is running; reaps a finished one.
  void maintain(std::int64_t now);
  // Waits for a running compaction (shutdown, tests).
  void wait_compaction();

  const lease_journal::Replay& replayed() const noexcept { return replay_; }
  std::uint64_t generation() const noexcept { return writer_->generation(); }

 private:
  std::string dir_;
  LeaseTable& table_;
  std::int64_t compact_after_;
  lease_journal::Replay replay_;
  std::unique_ptr<lease_journal::Writer> writer_;
  std::int64_t records_since_compaction_ = 0;
  std::int64_t live_at_compaction_ = 0;
  std::thread compactor_;
  std::atomic<bool> compaction_done_{false};
  std::atomic<bool> compaction_failed_{false};
  metrics::Histogram* fsync_seconds_ = nullptr;
  metrics::Counter* fsync_failures_ = nullptr;
  metrics::Counter* compactions_ = nullptr;
};

}  // namespace pb::dhcp
