// Lease-bound reading of per-phone files (provisiond/mac_access.hpp): which names carry a phone's MAC, and
// who may read them as dhcpd's journal changes underneath.
#include "provisiond/mac_access.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace pb::prov {
namespace {

using lease_journal::Kind;
using lease_journal::Record;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr Mac kLobby = {0x00, 0x04, 0xf2, 0xaa, 0xbb, 0xcc};

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

Record lease(const char* address, Kind kind, std::int64_t expires_in = 3600, Mac mac = kLobby) {
  Record r;
  r.kind = kind;
  r.address = ip(address);
  r.start = kNow;
  r.expires = kNow + expires_in;
  r.hwaddr.assign(mac.begin(), mac.end());
  return r;
}

TEST(MacInName, FindsThePhoneFilesOfEveryFamily) {
  for (const char* name : {"0004f2aabbcc.cfg", "0004F2AABBCC.cfg", "0004f2aabbcc-phone.cfg", "polycom/0004f2aabbcc.cfg",
                           "SEP0004F2AABBCC.cnf.xml", "cfg0004f2aabbcc.xml", "logs\\0004f2aabbcc-app.log"}) {
    const auto mac = mac_in_name(name);
    ASSERT_TRUE(mac) << name;
    EXPECT_EQ(*mac, kLobby) << name;
  }
}

TEST(MacInName, LeavesTheSharedFilesAlone) {
  for (const char* name : {"000000000000.cfg",       // Polycom's master configuration, for every phone
                           "y000000000025.cfg",      // Yealink's per-model common file
                           "ffffffffffff.cfg",       // a group address is no phone
                           "0104f2aabbcc.cfg",       // nor a multicast one
                           "0004f2aabbcc1.cfg",      // 13 hex digits: not a MAC
                           "0004f2aabbc.cfg",        // 11
                           "fe80:0004f2aabbcc.cfg",  // part of a colon-separated token
                           "0004f2aabbcc/sip.cfg",   // a folder named after a MAC: the file is shared
                           "2345-12500-001.sip.ld", "XMLDefault.cnf.xml", "46xxsettings.txt", ""})
    EXPECT_FALSE(mac_in_name(name)) << name;
}

TEST(LeaseHolders, OnlyTheAddressBoundToTheMacNowHoldsIt) {
  LeaseHolders h;
  h.apply(lease("10.250.0.10", Kind::bound));
  EXPECT_TRUE(h.holds(kLobby, ip("10.250.0.10"), kNow));
  EXPECT_FALSE(h.holds(kLobby, ip("10.250.0.11"), kNow));                                // another address
  EXPECT_FALSE(h.holds({0x00, 0x04, 0xf2, 0xaa, 0xbb, 0xcd}, ip("10.250.0.10"), kNow));  // another MAC
  EXPECT_FALSE(h.holds(kLobby, ip("10.250.0.10"), kNow + 3600));                         // expired
  h.apply(lease("10.250.0.10", Kind::released));
  EXPECT_FALSE(h.holds(kLobby, ip("10.250.0.10"), kNow));
  h.apply(lease("10.250.0.10", Kind::bound));
  h.apply(lease("10.250.0.10", Kind::bound, 3600, {0x02, 0x50, 0x42, 0, 0, 1}));  // handed to another phone
  EXPECT_FALSE(h.holds(kLobby, ip("10.250.0.10"), kNow));
}

class MacAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pb-macaccess-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    writer_.emplace(dir_, 1);
  }
  void TearDown() override {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  void journal(const Record& r) {
    writer_->append(r);
    ASSERT_TRUE(writer_->sync());
  }
  std::string dir_;
  std::optional<lease_journal::Writer> writer_;
};

TEST_F(MacAccessTest, APhoneReadsItsFileRightAfterItsAckAndNobodyElseDoes) {
  MacAccess access(dir_, true);
  EXPECT_TRUE(access.may_read("000000000000.cfg", ip("10.250.0.99"), kNow));   // shared: anyone
  EXPECT_FALSE(access.may_read("0004f2aabbcc.cfg", ip("10.250.0.10"), kNow));  // no lease yet
  journal(lease("10.250.0.10", Kind::bound));  // the DHCPACK leaves once this is on disk
  EXPECT_TRUE(access.may_read("0004f2aabbcc.cfg", ip("10.250.0.10"), kNow));
  EXPECT_TRUE(access.may_read("SEP0004F2AABBCC.cnf.xml", ip("10.250.0.10"), kNow));
  EXPECT_FALSE(access.may_read("0004f2aabbcc.cfg", ip("10.250.0.11"), kNow));
  journal(lease("10.250.0.10", Kind::released));
  EXPECT_FALSE(access.may_read("0004f2aabbcc.cfg", ip("10.250.0.10"), kNow));  // given back: at once
  access.set_enabled(false);                                                   // mac_files = "any"
  EXPECT_TRUE(access.may_read("0004f2aabbcc.cfg", ip("10.250.0.11"), kNow));
}

TEST_F(MacAccessTest, AMissingJournalRefusesPhoneFilesOnly) {
  MacAccess access(dir_ + "/absent", true);
  EXPECT_FALSE(access.may_read("0004f2aabbcc.cfg", ip("10.250.0.10"), kNow));
  EXPECT_TRUE(access.may_read("sip.cfg", ip("10.250.0.10"), kNow));
}

}  // namespace
}  // namespace pb::prov
