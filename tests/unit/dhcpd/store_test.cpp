// The durable lease store: group commit, replay into a fresh table, compaction on a background thread.
#include "dhcpd/store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "dhcpd/responder.hpp"
#include "fixture.hpp"

namespace pb::dhcp {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class DhcpdStore : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pbdhcp-store-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    model_ = test::model();
    settings_ = Settings::build(*model_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // DORAs `n` clients through a responder backed by `table`/`store`; returns their addresses.
  std::vector<Ipv4Address> bind_clients(LeaseTable& table, LeaseStore& store, int first, int n) {
    Responder responder(*settings_, table);
    Outcome out;
    std::vector<Ipv4Address> got;
    for (int i = first; i < first + n; ++i) {
      auto p = test::request(MessageType::discover, static_cast<std::uint8_t>(i));
      responder.handle(p, {kNow, 0}, out);
      const auto a = out.reply->yiaddr;
      auto r = test::request(MessageType::request, static_cast<std::uint8_t>(i));
      r.set_option(50, test::addr(a.str().c_str()));
      responder.handle(r, {kNow, 0}, out);
      for (const auto& rec : out.journal) store.append(rec);
      got.push_back(a);
    }
    EXPECT_TRUE(store.commit());
    return got;
  }

  std::string dir_;
  std::shared_ptr<const config::Model> model_;
  std::shared_ptr<const Settings> settings_;
};

TEST_F(DhcpdStore, ReplayRestoresEveryCommittedLease) {
  std::vector<Ipv4Address> bound;
  {
    LeaseTable table;
    LeaseStore store(dir_, table, 100000, nullptr);
    bound = bind_clients(table, store, 1, 20);
  }
  LeaseTable again;
  LeaseStore store(dir_, again, 100000, nullptr);
  EXPECT_EQ(store.replayed_records(), 20u);
  for (std::size_t i = 0; i < bound.size(); ++i) {
    auto* l = again.find_address(bound[i]);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->state, Lease::State::bound);
    EXPECT_FALSE(again.available(bound[i].value, "someone else", kNow, *settings_));
  }
}

TEST_F(DhcpdStore, CompactionKeepsStateAndDropsOldJournals) {
  std::vector<Ipv4Address> bound;
  {
    LeaseTable table;
    LeaseStore store(dir_, table, 100, nullptr);
    bound = bind_clients(table, store, 1, 120);
    store.maintain(kNow);  // over the threshold: rotate and snapshot in the background
    auto more = bind_clients(table, store, 130, 5);
    bound.insert(bound.end(), more.begin(), more.end());
    store.wait_compaction();
    store.maintain(kNow);  // reaps the finished compaction
    EXPECT_EQ(store.generation(), 2u);
  }
  EXPECT_TRUE(std::filesystem::exists(lease_journal::snapshot_path(dir_)));
  EXPECT_EQ(lease_journal::journal_generations(dir_), std::vector<std::uint64_t>{2});
  LeaseTable again;
  LeaseStore store(dir_, again, 100000, nullptr);
  EXPECT_EQ(store.replayed().snapshot_generation, 2u);
  for (const auto& a : bound) EXPECT_FALSE(again.available(a.value, "someone else", kNow, *settings_)) << a.str();
}

}  // namespace
}  // namespace pb::dhcp
