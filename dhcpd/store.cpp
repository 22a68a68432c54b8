#include "dhcpd/store.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/log.hpp"

namespace pb::dhcp {
namespace {

// At most one write + fdatasync per interval, start to start. Under load the ACKs of the interval ride one
// commit: on a VM disk an fdatasync costs the server ~40 us of CPU (a virtio kick each), and without pacing
// a fast disk finishes so soon that nearly every ACK paid for its own (bench/dhcp.sh: 14,400 fsyncs for
// 15,000 ACKs). A client waits seconds before it retransmits; 2 ms more for an ACK is nothing to it, and an
// ACK that comes after a quiet interval is not delayed at all.
constexpr auto kCommitInterval = std::chrono::milliseconds(2);

}  // namespace

LeaseStore::LeaseStore(std::string dir, LeaseTable& table, std::int64_t compact_after, metrics::Registry* metrics,
                       std::function<void()> on_durable)
    : dir_(std::move(dir)), table_(table), compact_after_(compact_after), on_durable_(std::move(on_durable)) {
  std::filesystem::create_directories(dir_);
  replay_ = lease_journal::replay(dir_, true);
  for (const auto& r : replay_.records) table_.apply(r);
  replayed_records_ = replay_.records.size();
  replay_.records = {};  // the table holds the state now; 100,000 records are ~15 MiB
  ::malloc_trim(0);      // and the file buffers and records of the replay go back to the system
  if (replay_.torn_bytes > 0)
    log::warning("dhcpd", "lease journal: cut a torn tail of {} bytes in '{}'", replay_.torn_bytes, dir_);
  if (replay_.corrupted > 0)
    log::warning("dhcpd", "lease journal: skipped {} damaged span(s) in '{}' (the records after them were kept)",
                 replay_.corrupted, dir_);
  const std::uint64_t generation = std::max<std::uint64_t>({replay_.last_generation, replay_.snapshot_generation, 1});
  writer_ = std::make_unique<lease_journal::Writer>(dir_, generation);
  records_since_compaction_ = static_cast<std::int64_t>(replayed_records_);
  if (metrics) {
    fsync_seconds_ = &metrics->histogram("dhcpd_journal_fsync_seconds", "time of one group commit (write + fdatasync)",
                                         metrics::latency_buckets());
    batch_records_ = &metrics->histogram("dhcpd_journal_batch_bytes", "bytes made durable by one group commit",
                                         {256, 1024, 4096, 16384, 65536, 262144});
    fsync_failures_ =
        &metrics->counter("dhcpd_journal_failures_total", "group commits that failed (nothing was ACKed)");
    compactions_ = &metrics->counter("dhcpd_journal_compactions_total", "snapshots written");
  }
  committer_ = std::thread([this] { committer(); });
}

LeaseStore::~LeaseStore() {
  commit();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (committer_.joinable()) committer_.join();
  wait_compaction();
}

void LeaseStore::append(const lease_journal::Record& record) {
  lease_journal::encode(record, pending_);
  ++records_since_compaction_;
}

std::uint64_t LeaseStore::submit() {
  if (pending_.empty()) return submitted_;
  {
    std::lock_guard lock(mutex_);
    queue_.insert(queue_.end(), pending_.begin(), pending_.end());
    queued_sequence_ = ++submitted_;
  }
  pending_.clear();
  wake_.notify_one();
  return submitted_;
}

bool LeaseStore::commit() noexcept {
  std::uint64_t seq = 0;
  try {
    seq = submit();
  } catch (...) {
    return false;
  }
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return durable() >= seq || failed() >= seq; });
  return durable() >= seq;
}

void LeaseStore::committer() noexcept {
  std::vector<std::uint8_t> batch;
  std::chrono::steady_clock::time_point last_start{};
  for (;;) {
    std::uint64_t seq = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      wake_.wait_until(lock, last_start + kCommitInterval, [&] { return stopping_; });
      batch.swap(queue_);  // everything submitted since the last commit started: one group
      seq = queued_sequence_;
    }
    const auto t0 = std::chrono::steady_clock::now();
    last_start = t0;
    bool ok = false;
    try {
      writer_->append_encoded(batch);
      ok = writer_->sync();
    } catch (...) {
    }
    if (fsync_seconds_) {
      fsync_seconds_->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      batch_records_->observe(static_cast<double>(batch.size()));
    }
    batch.clear();
    {
      std::lock_guard lock(mutex_);
      if (ok)
        durable_.store(seq, std::memory_order_release);
      else
        failed_.store(seq, std::memory_order_release);  // the writer keeps the bytes and retries next time
    }
    if (!ok && fsync_failures_) fsync_failures_->inc();
    done_.notify_all();
    if (on_durable_) on_durable_();
  }
}

void LeaseStore::wait_compaction() {
  if (compactor_.joinable()) compactor_.join();
}

void LeaseStore::maintain(std::int64_t now) {
  if (compactor_.joinable()) {
    if (!compaction_done_.load()) return;
    compactor_.join();
    ::malloc_trim(0);  // the snapshot copy was freed on the compactor's arena: give it back to the system
    if (compaction_failed_.load())
      log::error("dhcpd", "lease journal: compaction failed in '{}'", dir_);
    else if (compactions_)
      compactions_->inc();
  }
  // Amortized: the journal must have grown by at least the snapshot's size since the last compaction.
  if (records_since_compaction_ < std::max(compact_after_, live_at_compaction_)) return;
  // Everything up to here goes to the snapshot of the next generation; new records go to its journal.
  // After commit() the committer is idle until the next submit(), which only this thread makes.
  if (!commit()) return;
  {
    std::lock_guard lock(mutex_);
    writer_->rotate();
  }
  const std::uint64_t generation = writer_->generation();
  auto records = table_.snapshot(now);
  records_since_compaction_ = 0;
  live_at_compaction_ = static_cast<std::int64_t>(records.size());
  compaction_done_ = false;
  compaction_failed_ = false;
  compactor_ = std::thread([this, generation, records = std::move(records)] {
    try {
      lease_journal::write_snapshot(dir_, generation, records);
      lease_journal::remove_journals_below(dir_, generation);
    } catch (const std::exception&) {
      compaction_failed_ = true;
    }
    compaction_done_ = true;
  });
}

}  // namespace pb::dhcp
