#include "dhcpd/store.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/log.hpp"

namespace pb::dhcp {

LeaseStore::LeaseStore(std::string dir, LeaseTable& table, std::int64_t compact_after, metrics::Registry* metrics)
    : dir_(std::move(dir)), table_(table), compact_after_(compact_after) {
  std::filesystem::create_directories(dir_);
  replay_ = lease_journal::replay(dir_, true);
  for (const auto& r : replay_.records) table_.apply(r);
  if (replay_.torn_bytes > 0)
    log::warning("dhcpd", "lease journal: cut a torn tail of {} bytes in '{}'", replay_.torn_bytes, dir_);
  if (replay_.corrupted > 0)
    log::warning("dhcpd", "lease journal: skipped {} corrupted records in '{}'", replay_.corrupted, dir_);
  const std::uint64_t generation = std::max<std::uint64_t>({replay_.last_generation, replay_.snapshot_generation, 1});
  writer_ = std::make_unique<lease_journal::Writer>(dir_, generation);
  records_since_compaction_ = static_cast<std::int64_t>(replay_.records.size());
  if (metrics) {
    fsync_seconds_ = &metrics->histogram("dhcpd_journal_fsync_seconds", "time of one group commit (write + fdatasync)",
                                         metrics::latency_buckets());
    fsync_failures_ =
        &metrics->counter("dhcpd_journal_failures_total", "group commits that failed (nothing was ACKed)");
    compactions_ = &metrics->counter("dhcpd_journal_compactions_total", "snapshots written");
  }
}

LeaseStore::~LeaseStore() { wait_compaction(); }

void LeaseStore::append(const lease_journal::Record& record) {
  writer_->append(record);
  ++records_since_compaction_;
}

bool LeaseStore::commit() noexcept {
  if (!writer_->has_pending()) return true;
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = writer_->sync();
  if (fsync_seconds_)
    fsync_seconds_->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!ok && fsync_failures_) fsync_failures_->inc();
  return ok;
}

void LeaseStore::wait_compaction() {
  if (compactor_.joinable()) compactor_.join();
}

void LeaseStore::maintain(std::int64_t now) {
  if (compactor_.joinable()) {
    if (!compaction_done_.load()) return;
    compactor_.join();
    if (compaction_failed_.load())
      log::error("dhcpd", "lease journal: compaction failed in '{}'", dir_);
    else if (compactions_)
      compactions_->inc();
  }
  // Amortized: the journal must have grown by at least the snapshot's size since the last compaction.
  if (records_since_compaction_ < std::max(compact_after_, live_at_compaction_)) return;
  // Everything up to here goes to the snapshot of the next generation; new records go to its journal.
  if (!commit()) return;
  writer_->rotate();
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
