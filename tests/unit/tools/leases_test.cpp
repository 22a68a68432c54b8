// `phoneboot leases` and `phoneboot phones` (tools/phoneboot/leases.hpp): which records they show, the
// tables they print (golden text), the inventory join, and the journal read back as dhcpd writes it.
#include "tools/phoneboot/leases.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/phone_fetches.hpp"

namespace pb::tools {
namespace {

using lease_journal::Kind;
using lease_journal::Record;

constexpr std::int64_t kNow = 1'800'000'000;

Record lease(const char* address, std::uint8_t last_mac_byte, Kind kind, std::int64_t expires_in,
             std::string hostname = "") {
  Record r;
  r.kind = kind;
  r.address = *Ipv4Address::parse(address);
  r.start = kNow - 600;
  r.expires = kNow + expires_in;
  r.hwaddr = {0x00, 0x04, 0xf2, 0x00, 0x00, last_mac_byte};
  r.hostname = std::move(hostname);
  r.client_class = "polycom";
  return r;
}

LatestLeases latest_of(const std::vector<Record>& records) {
  LatestLeases latest;
  for (const auto& r : records) latest[r.address.value] = r;
  return latest;
}

// The guide's Template layout (seeds/001, "Create CSV Managed IP Phone Lists"), with a SIP Soft Phone that
// is listed by its computer's name.
inventory::Inventory site_inventory() {
  return inventory::parse(
      "Name,Template,Proxy Group,Extension,Identification Address,Label,Address\n"
      "Lobby,Polycom,,7001,,,00:04:f2:00:00:01\n"
      "Reception,Polycom,,7002,,,0004F2000002\n"
      "Storeroom,Polycom,,7003,,,00-04-f2-00-00-03\n"
      "Laptop,Soft Phone,,7004,,,ACCT-LAPTOP-7\n");
}

TEST(LeaseState, NamesWhatTheLatestRecordMeans) {
  EXPECT_EQ(lease_state(lease("10.250.0.10", 1, Kind::bound, 60), kNow), "bound");
  EXPECT_EQ(lease_state(lease("10.250.0.10", 1, Kind::bound, 0), kNow), "expired");  // not reclaimed yet
  EXPECT_EQ(lease_state(lease("10.250.0.10", 1, Kind::released, 60), kNow), "released");
  EXPECT_EQ(lease_state(lease("10.250.0.10", 1, Kind::declined, 60), kNow), "declined");
  EXPECT_EQ(lease_state(lease("10.250.0.10", 1, Kind::expired, -60), kNow), "reclaimed");
}

TEST(ShownLeases, HoldsCurrentLeasesAndQuarantinesInAddressOrder) {
  const auto latest = latest_of({
      lease("10.250.0.30", 3, Kind::bound, 3600),
      lease("10.250.0.9", 9, Kind::bound, -1),        // its time is up
      lease("10.250.0.12", 2, Kind::released, 3600),  // given back
      lease("10.250.0.20", 0, Kind::declined, 120),   // quarantined: not free, worth seeing
      lease("10.250.0.21", 0, Kind::declined, -5),    // quarantine over
      lease("10.250.0.100", 4, Kind::bound, 60),
  });
  std::vector<std::string> shown;
  for (const auto& r : shown_leases(latest, kNow, false)) shown.push_back(r.address.str());
  EXPECT_EQ(shown, (std::vector<std::string>{"10.250.0.20", "10.250.0.30", "10.250.0.100"}));
  EXPECT_EQ(shown_leases(latest, kNow, true).size(), 6u);
}

TEST(RenderLeases, PrintsOneAlignedLinePerLeaseWithTheInventorysPhone) {
  const auto inv = site_inventory();
  ASSERT_TRUE(inv.problems.empty());
  auto reserved = lease("10.250.0.11", 2, Kind::bound, 86400 + 3 * 3600 + 59);
  reserved.reserved = true;
  reserved.client_class = "";
  const std::vector<Record> records = {lease("10.250.0.10", 1, Kind::bound, 3 * 3600 + 25 * 60 + 7, "lobby"), reserved,
                                       lease("10.250.0.40", 0x40, Kind::bound, 65, "\x1b[2Jhack")};
  EXPECT_EQ(render_leases(records, &inv, kNow),
            "ADDRESS      MAC                HOSTNAME  CLASS    PHONE             STATE            LEFT\n"
            "10.250.0.10  00:04:f2:00:00:01  lobby     polycom  Lobby (7001)      bound            3h25m\n"
            "10.250.0.11  00:04:f2:00:00:02  -         -        Reception (7002)  bound, reserved  1d03h\n"
            "10.250.0.40  00:04:f2:00:00:40  ?[2Jhack  polycom  -                 bound            1m05s\n"
            "3 leases\n");
  EXPECT_EQ(render_leases({}, nullptr, kNow), "ADDRESS  MAC  HOSTNAME  CLASS  PHONE  STATE  LEFT\n0 leases\n");
}

TEST(RenderPhones, SaysForEveryListedPhoneWhatAddressItHoldsAndWhatItFetched) {
  const auto inv = site_inventory();
  // Lobby moved from .10 (released) to .15: the lease it holds now is the one to show. Reception gave its
  // address back. Storeroom never asked for an address, yet asked for its file (a static address?), which
  // is missing.
  const auto latest = latest_of({lease("10.250.0.10", 1, Kind::released, 3600),
                                 lease("10.250.0.15", 1, Kind::bound, 7200), lease("10.250.0.11", 2, Kind::released, 0),
                                 lease("10.250.0.50", 0x50, Kind::bound, 7200)});  // not in the list
  const std::vector<phone_fetches::Fetch> fetches = {
      {{0x00, 0x04, 0xf2, 0x00, 0x00, 0x01},
       kNow - 125,
       "http",
       *Ipv4Address::parse("10.250.0.15"),
       "200",
       "/0004f2000001.cfg"},
      {{0x00, 0x04, 0xf2, 0x00, 0x00, 0x03},
       kNow,
       "tftp",
       *Ipv4Address::parse("10.250.0.99"),
       "file-not-found",
       "0004f2000003.cfg"},
  };
  EXPECT_EQ(render_phones(inv, latest, fetches, kNow),
            "PHONE             MAC                ADDRESS      STATE                        LEFT   LAST FETCH\n"
            "Lobby (7001)      00:04:f2:00:00:01  10.250.0.15  bound                        2h00m  "
            "http /0004f2000001.cfg 200, 2m05s ago\n"
            "Reception (7002)  00:04:f2:00:00:02  10.250.0.11  released                     -      -\n"
            "Storeroom (7003)  00:04:f2:00:00:03  -            never seen                   -      "
            "tftp 0004f2000003.cfg file-not-found, just now\n"
            "Laptop (7004)     -                  -            not tracked (ACCT-LAPTOP-7)  -      -\n"
            "1 of 3 phones with a MAC address hold a lease\n");
}

TEST(RenderPhones, AnExpiredLeaseIsNotHeld) {
  const auto latest = latest_of({lease("10.250.0.15", 1, Kind::bound, -30)});
  const std::string out = render_phones(site_inventory(), latest, {}, kNow);
  EXPECT_NE(out.find("Lobby (7001)      00:04:f2:00:00:01  10.250.0.15  expired"), std::string::npos) << out;
  EXPECT_NE(out.find("0 of 3 phones with a MAC address hold a lease"), std::string::npos) << out;
}

// The provisioning record as provisiond writes it and the tools read it back (common/phone_fetches.hpp).
TEST(PhoneFetches, RoundTripsAndSkipsWhatItCannotRead) {
  const std::vector<phone_fetches::Fetch> fetches = {
      {{0x00, 0x04, 0xf2, 0xaa, 0xbb, 0xcc},
       kNow,
       "https",
       *Ipv4Address::parse("10.250.0.15"),
       "404",
       "/0004f2aabbcc.cfg"},
      {{0x02, 0x50, 0x42, 0x00, 0x00, 0x10},
       kNow - 1,
       "tftp",
       *Ipv4Address::parse("10.250.0.16"),
       "ok",
       "SEP025042000010.cnf.xml"},
  };
  const std::string text = phone_fetches::encode(fetches);
  EXPECT_EQ(text,
            "phoneboot-fetches 1\n"
            "00:04:f2:aa:bb:cc 1800000000 https 10.250.0.15 404 /0004f2aabbcc.cfg\n"
            "02:50:42:00:00:10 1799999999 tftp 10.250.0.16 ok SEP025042000010.cnf.xml\n");
  EXPECT_EQ(phone_fetches::decode(text), fetches);
  // A name with a space or a control byte cannot split a line or a field.
  auto odd = fetches.front();
  odd.name = "/a b\nc\x1b.cfg";
  const auto back = phone_fetches::decode(phone_fetches::encode({odd}));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].name, "/a?b?c?.cfg");
  EXPECT_TRUE(phone_fetches::decode("garbage\n00:04:f2 1 http 10.0.0.1 200\n\n").empty());
}

TEST(TimeLeft, ReadsAtAGlance) {
  EXPECT_EQ(time_left(kNow + 12, kNow), "12s");
  EXPECT_EQ(time_left(kNow + 245, kNow), "4m05s");
  EXPECT_EQ(time_left(kNow + 86399, kNow), "23h59m");
  EXPECT_EQ(time_left(kNow + 2 * 86400 + 3600, kNow), "2d01h");
  EXPECT_EQ(time_left(kNow, kNow), "-");
  EXPECT_EQ(time_left(kNow - 10, kNow), "-");
}

TEST(Printable, KeepsClientTextOffTheTerminalsControls) {
  EXPECT_EQ(printable("SEP001122334455"), "SEP001122334455");
  EXPECT_EQ(printable("a\x1b]0;owned\x07z"), "a?]0;owned?z");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf??");
  EXPECT_EQ(printable(""), "-");
}

// The journal as dhcpd leaves it: a compacted snapshot, then a journal with later records; the latest
// record for an address wins, across the two files.
TEST(ReadLeases, TakesTheLatestRecordPerAddressFromSnapshotAndJournal) {
  char tmpl[] = "/tmp/pb-leases-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  lease_journal::write_snapshot(dir, 2,
                                {lease("10.250.0.10", 1, Kind::bound, 60), lease("10.250.0.11", 2, Kind::bound, 60)});
  {
    lease_journal::Writer writer(dir, 2);
    writer.append(lease("10.250.0.10", 1, Kind::released, 60));
    writer.append(lease("10.250.0.12", 3, Kind::bound, 60, "storeroom"));
    ASSERT_TRUE(writer.sync());
  }
  const auto latest = read_leases(dir);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_EQ(latest.at(Ipv4Address::parse("10.250.0.10")->value).kind, Kind::released);
  EXPECT_EQ(latest.at(Ipv4Address::parse("10.250.0.11")->value).kind, Kind::bound);
  EXPECT_EQ(latest.at(Ipv4Address::parse("10.250.0.12")->value).hostname, "storeroom");
  EXPECT_TRUE(read_leases(dir).empty());  // gone: nothing was ever leased there
}

}  // namespace
}  // namespace pb::tools
