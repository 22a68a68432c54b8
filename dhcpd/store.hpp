#pragma once
// Durable leases: the LeaseTable in memory, the journal on disk (common/lease_journal.hpp), group commit
// between them. The loop appends the records of a batch and submit()s it; a committer thread writes every
// batch submitted meanwhile with one write + one fdatasync and then reports the highest batch on disk
// (durable()), waking the loop through `on_durable`. The loop sends a batch's ACKs only once durable()
// covers it, and keeps answering other packets while the disk works. Compaction writes a snapshot on a
// second background thread while the loop keeps appending to the next journal generation.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/lease_journal.hpp"
#include "common/metrics.hpp"
#include "dhcpd/leases.hpp"

namespace pb::dhcp {

class LeaseStore {
 public:
  // Creates `dir` when needed, replays it into `table` (cutting a torn tail) and opens the journal.
  // `on_durable` runs on the committer thread after each commit (the server passes a uv::Wakeup).
  // Throws std::runtime_error when the store cannot be read or written (start-up only).
  LeaseStore(std::string dir, LeaseTable& table, std::int64_t compact_after, metrics::Registry* metrics,
             std::function<void()> on_durable = {});
  ~LeaseStore();
  LeaseStore(const LeaseStore&) = delete;
  LeaseStore& operator=(const LeaseStore&) = delete;

  // Loop thread.
  void append(const lease_journal::Record& record);
  bool has_pending() const noexcept { return !pending_.empty(); }
  // The sequence number the records appended now will carry when submitted.
  std::uint64_t next_sequence() const noexcept { return submitted_ + 1; }
  // Hands the appended records to the committer as one batch; returns its sequence (the last one when
  // nothing was pending).
  std::uint64_t submit();
  // The highest batch that is on stable storage, and the highest that failed (its ACKs must not leave).
  std::uint64_t durable() const noexcept { return durable_.load(std::memory_order_acquire); }
  std::uint64_t failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  // submit() and wait until that batch is durable. false when it failed.
  bool commit() noexcept;
  // Starts a compaction when enough records piled up and none is running; reaps a finished one.
  void maintain(std::int64_t now);
  // Waits for a running compaction (shutdown, tests).
  void wait_compaction();

  // What the start-up replay found (its records are applied to the table, then freed).
  const lease_journal::Replay& replayed() const noexcept { return replay_; }
  std::size_t replayed_records() const noexcept { return replayed_records_; }
  std::uint64_t generation() const noexcept { return writer_->generation(); }

 private:
  void committer() noexcept;

  std::string dir_;
  LeaseTable& table_;
  std::int64_t compact_after_;
  lease_journal::Replay replay_;
  std::size_t replayed_records_ = 0;
  std::unique_ptr<lease_journal::Writer> writer_;  // used by the committer; the loop only while it is idle
  std::vector<std::uint8_t> pending_;              // loop thread: records appended since the last submit
  std::uint64_t submitted_ = 0;                    // loop thread
  std::int64_t records_since_compaction_ = 0;
  std::int64_t live_at_compaction_ = 0;

  // Between the loop and the committer.
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::uint8_t> queue_;  // batches submitted, not yet written
  std::uint64_t queued_sequence_ = 0;
  bool stopping_ = false;
  std::atomic<std::uint64_t> durable_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::function<void()> on_durable_;
  std::thread committer_;

  std::thread compactor_;
  std::atomic<bool> compaction_done_{false};
  std::atomic<bool> compaction_failed_{false};
  metrics::Histogram* fsync_seconds_ = nullptr;
  metrics::Histogram* batch_records_ = nullptr;
  metrics::Counter* fsync_failures_ = nullptr;
  metrics::Counter* compactions_ = nullptr;
};

}  // namespace pb::dhcp
