// Zone building from the site model (seeds/001's example, exactly) and zone files through ldns.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "dnsd/name.hpp"
#include "dnsd/serial.hpp"
#include "helpers.hpp"

namespace pb::dns {
namespace {

using test::model;
using test::zones;

std::vector<std::string> rrset(const ZoneSet& zs, const std::string& owner, std::uint16_t t) {
  const auto name = lowercase(*name_from_text(owner));
  const Zone* z = zs.zone_for(name);
  if (z == nullptr) return {"<no zone>"};
  auto it = z->nodes.find(name);
  if (it == z->nodes.end()) return {};
  const RrSet* s = it->second.find(t);
  if (s == nullptr) return {};
  std::vector<std::string> out;
  for (const auto& rd : s->rdata) {
    // Render through a throw-away message so the test reads text, not bytes.
    std::vector<std::uint8_t> msg(12, 0);
    msg[7] = 1;  // ancount
    msg.insert(msg.end(), name.begin(), name.end());
    msg.insert(msg.end(),
               {static_cast<std::uint8_t>(t >> 8), static_cast<std::uint8_t>(t), 0, 1, 0, 0, 0, 60,
                static_cast<std::uint8_t>(rd.bytes.size() >> 8), static_cast<std::uint8_t>(rd.bytes.size())});
    msg.insert(msg.end(), rd.bytes.begin(), rd.bytes.end());
    auto m = parse_message(msg);
    out.push_back(m && !m->answer.empty() ? m->answer[0].data : "<unparsable>");
  }
  std::sort(out.begin(), out.end());
  return out;
}

using V = std::vector<std::string>;

std::uint32_t serial_of(const ZoneSet& zs, const std::string& apex) {
  const Zone* z = zs.zone_for(lowercase(*name_from_text(apex)));
  return z != nullptr && z->soa() != nullptr ? soa_serial(z->soa()->rdata.at(0).bytes) : 0;
}

TEST(DnsdSiteZone, SeedExampleHasExactlyTheGuidesRecords) {
  auto m = model();
  auto zs = zones(*m);
  EXPECT_EQ(rrset(zs, "provision.lab.voip", type::A), (V{"10.250.1.151", "10.250.1.152"}));
  EXPECT_EQ(rrset(zs, "vm40ic1.lab.voip", type::A), (V{"10.250.1.151"}));
  EXPECT_EQ(rrset(zs, "vm40ic2.lab.voip", type::A), (V{"10.250.1.152"}));
  EXPECT_EQ(rrset(zs, "_sip._tcp.lab.voip", type::SRV),
            (V{"0 0 8060 vm40ic1.lab.voip.", "0 0 8060 vm40ic2.lab.voip."}));
  EXPECT_EQ(rrset(zs, "_sips._tcp.lab.voip", type::SRV),
            (V{"0 0 8061 vm40ic1.lab.voip.", "0 0 8061 vm40ic2.lab.voip."}));
  EXPECT_EQ(rrset(zs, "_sip._udp.lab.voip", type::SRV),
            (V{"0 0 8060 vm40ic1.lab.voip.", "0 0 8060 vm40ic2.lab.voip."}));
  EXPECT_EQ(rrset(zs, "151.1.250.10.in-addr.arpa", type::PTR), (V{"vm40ic1.lab.voip."}));
  EXPECT_EQ(rrset(zs, "152.1.250.10.in-addr.arpa", type::PTR), (V{"vm40ic2.lab.voip."}));
  EXPECT_EQ(rrset(zs, "phoneboot.lab.voip", type::A), (V{"10.250.0.2"}));
  EXPECT_EQ(rrset(zs, "2.0.250.10.in-addr.arpa", type::PTR), (V{"phoneboot.lab.voip."}));
  EXPECT_EQ(rrset(zs, "lab.voip", type::NS), (V{"phoneboot.lab.voip."}));
  EXPECT_EQ(rrset(zs, "lab.voip", type::SOA),
            (V{"phoneboot.lab.voip. hostmaster.lab.voip. 2026112101 3600 600 1209600 60"}));
  // The guide: provision gets no PTR; the PTRs of the pair name the servers themselves.
  ASSERT_EQ(zs.zones.size(), 3u);  // lab.voip, 0.250.10.in-addr.arpa, 1.250.10.in-addr.arpa
  EXPECT_EQ(zs.members, (V{"vm40ic1", "vm40ic2"}));
}

TEST(DnsdSiteZone, PortsComeFromTheSite) {
  auto r =
      config::load_text(std::string(test::kSite)
                            .replace(std::string(test::kSite).find("user"), 0, "sip_port = 5060\nsips_port = 5061\n"));
  ASSERT_TRUE(r.model) << r.diagnostics.str();
  auto zs = zones(*r.model);
  EXPECT_EQ(rrset(zs, "_sips._tcp.lab.voip", type::SRV),
            (V{"0 0 5061 vm40ic1.lab.voip.", "0 0 5061 vm40ic2.lab.voip."}));
}

TEST(DnsdSiteZone, TomlRecordsMergeAndGetPtrs) {
  auto m = model(R"([[dnsd.record]]
name = "media"
type = "A"
data = "10.250.1.160"
[[dnsd.record]]
name = "media"
type = "A"
data = "10.250.1.161"
ptr = false
[[dnsd.record]]
name = "sip"
type = "NAPTR"
data = "10 0 \"s\" \"SIP+D2U\" \"\" _sip._udp"
[[dnsd.record]]
name = "161.1.250.10.in-addr.arpa."
type = "PTR"
data = "media2"
)");
  auto zs = zones(*m);
  EXPECT_EQ(rrset(zs, "media.lab.voip", type::A), (V{"10.250.1.160", "10.250.1.161"}));
  EXPECT_EQ(rrset(zs, "160.1.250.10.in-addr.arpa", type::PTR), (V{"media.lab.voip."}));
  EXPECT_EQ(rrset(zs, "161.1.250.10.in-addr.arpa", type::PTR), (V{"media2.lab.voip."}));
  EXPECT_EQ(rrset(zs, "sip.lab.voip", type::NAPTR).size(), 1u);
}

class DnsdZoneFile : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("pbdns-zone-" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  BuildResult build(const std::string& extra, std::uint32_t serial = 1) {
    auto r = config::load_text(std::string(test::kSite) + extra, dir.string());
    EXPECT_TRUE(r.model) << r.diagnostics.str();
    return build_zones(*r.model, serial);
  }
};

TEST_F(DnsdZoneFile, MergesIntoTheSiteZoneAndTakesOverItsSoa) {
  write("lab.zone", R"($ORIGIN lab.voip.
$TTL 300
@        IN SOA ns1.lab.voip. admin.lab.voip. 7 3600 600 86400 30
@        IN NS  ns1
ns1      IN A   10.250.0.53
media    IN A   10.250.1.160
mail     IN MX  10 media
*.phones IN TXT "any phone"
)");
  auto b = build("[[dnsd.zone_file]]\nfile = \"lab.zone\"\n");
  ASSERT_TRUE(b.errors.empty()) << b.errors[0];
  EXPECT_EQ(rrset(b.zones, "lab.voip", type::SOA), (V{"ns1.lab.voip. admin.lab.voip. 7 3600 600 86400 30"}));
  EXPECT_EQ(rrset(b.zones, "media.lab.voip", type::A), (V{"10.250.1.160"}));
  EXPECT_EQ(rrset(b.zones, "provision.lab.voip", type::A), (V{"10.250.1.151", "10.250.1.152"}));
}

TEST_F(DnsdZoneFile, MergedIntoTheSiteZoneItNeedsNoSoa) {
  // README "Merging": only a file for another origin must have an SOA; merged, the generated one serves.
  write("nosoa.zone", "$ORIGIN lab.voip.\n$TTL 300\nmedia IN A 10.250.1.160\n");
  auto b = build("[[dnsd.zone_file]]\nfile = \"nosoa.zone\"\n");
  ASSERT_TRUE(b.errors.empty()) << b.errors[0];
  EXPECT_EQ(rrset(b.zones, "media.lab.voip", type::A), (V{"10.250.1.160"}));
  EXPECT_EQ(rrset(b.zones, "lab.voip", type::SOA),
            (V{"phoneboot.lab.voip. hostmaster.lab.voip. 1 3600 600 1209600 60"}));
  // The same for a file merged into a generated reverse zone.
  write("rev.zone", "$ORIGIN 0.250.10.in-addr.arpa.\n$TTL 300\n53 IN PTR ns1.lab.voip.\n");
  b = build("[[dnsd.zone_file]]\nfile = \"rev.zone\"\norigin = \"0.250.10.in-addr.arpa\"\n");
  ASSERT_TRUE(b.errors.empty()) << b.errors[0];
  EXPECT_EQ(rrset(b.zones, "53.0.250.10.in-addr.arpa", type::PTR), (V{"ns1.lab.voip."}));
}

TEST_F(DnsdZoneFile, ARecordsGetPtrsInTheReverseZonesWeServe) {
  write("lab.zone", R"($ORIGIN lab.voip.
$TTL 300
@     IN SOA ns1.lab.voip. admin.lab.voip. 7 3600 600 86400 30
media IN A 10.250.0.160
www   IN A 203.0.113.5
sip   IN A 10.250.1.151
branch    IN NS ns.branch
ns.branch IN A  10.250.0.99
*.any     IN A  10.250.0.98
)");
  auto b = build("[[dnsd.zone_file]]\nfile = \"lab.zone\"\n");
  ASSERT_TRUE(b.errors.empty()) << b.errors[0];
  EXPECT_EQ(rrset(b.zones, "160.0.250.10.in-addr.arpa", type::PTR), (V{"media.lab.voip."}));
  // Not a reverse zone of ours: no zone is made up for it.
  EXPECT_EQ(rrset(b.zones, "5.113.0.203.in-addr.arpa", type::PTR), (V{"<no zone>"}));
  EXPECT_EQ(b.zones.zones.size(), 3u);
  // One PTR per address: the call server's own name keeps it.
  EXPECT_EQ(rrset(b.zones, "151.1.250.10.in-addr.arpa", type::PTR), (V{"vm40ic1.lab.voip."}));
  // Glue below a delegation, and a wildcard, own no address of ours.
  EXPECT_EQ(rrset(b.zones, "99.0.250.10.in-addr.arpa", type::PTR), (V{}));
  EXPECT_EQ(rrset(b.zones, "98.0.250.10.in-addr.arpa", type::PTR), (V{}));
}

TEST_F(DnsdZoneFile, AnExplicitReverseRecordWinsOverAGeneratedPtr) {
  write("lab.zone",
        "$ORIGIN lab.voip.\n$TTL 300\n@ IN SOA ns1 admin 7 1 2 3 4\nmedia IN A 10.250.0.160\nfax IN A "
        "10.250.0.161\n");
  // An RFC 2317 style CNAME for .161 and a PTR for .160, written in a reverse zone file of the site network.
  write("rev.zone",
        "$ORIGIN 0.250.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.lab.voip. admin.lab.voip. 7 1 2 3 4\n"
        "160 IN PTR other.lab.voip.\n161 IN CNAME 161.sub.lab.voip.\n");
  auto b = build(
      "[[dnsd.zone_file]]\nfile = \"lab.zone\"\n"
      "[[dnsd.zone_file]]\nfile = \"rev.zone\"\norigin = \"0.250.10.in-addr.arpa\"\n");
  ASSERT_TRUE(b.errors.empty()) << b.errors[0];
  EXPECT_EQ(rrset(b.zones, "160.0.250.10.in-addr.arpa", type::PTR), (V{"other.lab.voip."}));
  EXPECT_EQ(rrset(b.zones, "161.0.250.10.in-addr.arpa", type::PTR), (V{}));
  EXPECT_EQ(rrset(b.zones, "161.0.250.10.in-addr.arpa", type::CNAME), (V{"161.sub.lab.voip."}));
}

TEST_F(DnsdZoneFile, ReversePtrFalseGeneratesNoPtrAtAll) {
  write("lab.zone", "$ORIGIN lab.voip.\n$TTL 300\n@ IN SOA ns1 admin 7 1 2 3 4\nmedia IN A 10.250.0.160\n");
  auto b = build("[dnsd]\nreverse_ptr = false\n[[dnsd.zone_file]]\nfile = \"lab.zone\"\n");
  ASSERT_TRUE(b.errors.empty()) << b.errors[0];
  for (const char* rev : {"2.0.250.10.in-addr.arpa", "151.1.250.10.in-addr.arpa", "152.1.250.10.in-addr.arpa",
                          "160.0.250.10.in-addr.arpa"}) {
    const auto ptr = rrset(b.zones, rev, type::PTR);
    EXPECT_TRUE(ptr.empty() || ptr == V{"<no zone>"}) << rev << ": " << ptr[0];
  }
}

TEST_F(DnsdZoneFile, AMergedFilesSoaKeepsTheGeneratedSerialAsItsFloor) {
  write("lab.zone", "$ORIGIN lab.voip.\n@ 60 IN SOA ns1 admin 7 3600 600 86400 30\n");
  EXPECT_EQ(serial_of(build("[[dnsd.zone_file]]\nfile = \"lab.zone\"\n", 1).zones, "lab.voip"), 7u);
  EXPECT_EQ(serial_of(build("[[dnsd.zone_file]]\nfile = \"lab.zone\"\n", 2026112101).zones, "lab.voip"), 2026112101u);
}

TEST_F(DnsdZoneFile, ServedSerialRisesWithEveryChangeThoughAMergedFileBringsItsOwn) {
  const std::string file = "[[dnsd.zone_file]]\nfile = \"lab.zone\"\n";
  const std::string record = "[[dnsd.record]]\nname = \"tftp\"\ntype = \"A\"\ndata = \"10.250.1.170\"\n";
  const auto soa = [&](std::uint32_t serial) {
    write("lab.zone", "$ORIGIN lab.voip.\n@ 60 IN SOA ns1 admin " + std::to_string(serial) +
                          " 3600 600 86400 30\nmedia 60 IN A 10.250.1.160\n");
  };
  const V all{std::string("\3lab\4voip\0", 10), *name_from_text("0.250.10.in-addr.arpa"),
              *name_from_text("1.250.10.in-addr.arpa")};
  SerialKeeper keeper;
  soa(7);
  auto b = build(file);
  EXPECT_TRUE(keeper.apply(b.zones, 5).empty());  // the first load notifies nobody
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 7u);
  EXPECT_EQ(serial_of(b.zones, "0.250.10.in-addr.arpa"), 1u);

  b = build(file);  // the same data: nothing moves
  EXPECT_TRUE(keeper.apply(b.zones, 6).empty());
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 7u);

  // A dnsd.record in the merged zone: the file still says 7, the served serial goes past it; every zone moves
  // (as it always did), the generated ones to the time at least.
  b = build(file + record);
  EXPECT_EQ(keeper.apply(b.zones, 5), all);
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 8u);
  EXPECT_EQ(serial_of(b.zones, "0.250.10.in-addr.arpa"), 5u);

  b = build(file);  // the record goes again: a change too
  EXPECT_EQ(keeper.apply(b.zones, 5).size(), 3u);
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 9u);

  soa(20);  // the administrator raises the file's serial alone: that zone follows, with a NOTIFY
  b = build(file);
  EXPECT_EQ(keeper.apply(b.zones, 5), V{all[0]});
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 20u);

  soa(3);  // and lowers it: never back
  b = build(file);
  EXPECT_TRUE(keeper.apply(b.zones, 5).empty());
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 20u);

  // RFC 1982: past 2^32 - 1 comes 0, which is greater (and greater than a generated floor just below).
  SerialKeeper wrap;
  soa(0xFFFFFFFF);
  b = build(file, 0xFFFFFF00);
  wrap.apply(b.zones, 0xFFFFFF00);
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 0xFFFFFFFFu);
  b = build(file + record, 0xFFFFFF00);
  wrap.apply(b.zones, 0xFFFFFF00);
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 0u);
}

// A restart must not take a served serial back: a file zone served at its serial + 2 comes back at + 2 with
// the same data, and one past that with new data; a damaged state file is an empty memory.
TEST_F(DnsdZoneFile, ServedSerialsSurviveARestartThroughTheStateFile) {
  const std::string file = "[[dnsd.zone_file]]\nfile = \"lab.zone\"\n";
  const std::string record = "[[dnsd.record]]\nname = \"tftp\"\ntype = \"A\"\ndata = \"10.250.1.170\"\n";
  write("lab.zone", "$ORIGIN lab.voip.\n@ 60 IN SOA ns1 admin 7 3600 600 86400 30\nmedia 60 IN A 10.250.1.160\n");
  const std::string state = (dir / "dnsd" / "serials").string();
  {
    SerialKeeper keeper(state);
    auto b = build(file);
    keeper.apply(b.zones, 5);
    b = build(file + record);
    keeper.apply(b.zones, 5);
    b = build(file);
    keeper.apply(b.zones, 5);
    EXPECT_EQ(serial_of(b.zones, "lab.voip"), 9u);
  }
  {
    SerialKeeper restarted(state);
    auto b = build(file);
    EXPECT_TRUE(restarted.apply(b.zones, 6).empty());  // the same data as before the restart: nothing moves
    EXPECT_EQ(serial_of(b.zones, "lab.voip"), 9u);
  }
  {
    SerialKeeper restarted(state);
    auto b = build(file + record);  // changed while it was down: one past what was served, and a NOTIFY
    EXPECT_EQ(restarted.apply(b.zones, 6).size(), 3u);
    EXPECT_EQ(serial_of(b.zones, "lab.voip"), 10u);
  }
  std::ofstream(state) << "phoneboot-dnsd serials 1\nfingerprint 12\n10 zz\n";  // not hex, no end: damaged
  SerialKeeper forgetful(state);
  auto b = build(file);
  EXPECT_TRUE(forgetful.apply(b.zones, 6).empty());
  EXPECT_EQ(serial_of(b.zones, "lab.voip"), 7u);
}

TEST(DnsdSerial, Rfc1982Comparison) {
  EXPECT_TRUE(serial_greater(2, 1));
  EXPECT_FALSE(serial_greater(1, 1));
  EXPECT_TRUE(serial_greater(0, 0xFFFFFFFF));
  EXPECT_TRUE(serial_greater(0x7FFFFFFF, 0));
  EXPECT_FALSE(serial_greater(0x80000000, 0));  // 2^31 apart: undefined, not greater either way
  EXPECT_FALSE(serial_greater(0, 0x80000000));
  EXPECT_EQ(serial_max(0xFFFFFFF0, 3), 3u);
  EXPECT_EQ(serial_max(3, 0xFFFFFFF0), 3u);
}

TEST_F(DnsdZoneFile, AnotherOriginIsAZoneOfItsOwn) {
  write("local.zone",
        "$ORIGIN lab.local.\n@ 60 IN SOA ns.lab.local. h.lab.local. 1 2 3 4 5\n@ 60 IN NS ns\nns 60 IN A 10.0.0.1\n");
  auto b = build("[[dnsd.zone_file]]\nfile = \"local.zone\"\norigin = \"lab.local\"\n");
  ASSERT_TRUE(b.errors.empty()) << b.errors[0];
  EXPECT_EQ(rrset(b.zones, "ns.lab.local", type::A), (V{"10.0.0.1"}));
}

TEST_F(DnsdZoneFile, BrokenFilesSayWhereAndWhy) {
  write("bad.zone", "$ORIGIN lab.voip.\n$TTL 60\n@ IN SOA ns h 1 2 3 4 5\nmedia IN A 10.250.1.300\n");
  auto b = build("[[dnsd.zone_file]]\nfile = \"bad.zone\"\n");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0].rfind("bad.zone:4:1: dnsd.zone_file[0]: ", 0), 0u) << b.errors[0];

  write("include.zone", "$ORIGIN lab.voip.\n$INCLUDE other.zone\n");
  b = build("[[dnsd.zone_file]]\nfile = \"include.zone\"\n");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_NE(b.errors[0].find("include.zone:"), std::string::npos) << b.errors[0];

  write("nosoa.zone", "$ORIGIN lab.local.\nns 60 IN A 10.0.0.1\n");
  b = build("[[dnsd.zone_file]]\nfile = \"nosoa.zone\"\norigin = \"lab.local\"\n");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_NE(b.errors[0].find("no SOA"), std::string::npos) << b.errors[0];
  // An error about the file as a whole points at the key that names it.
  EXPECT_EQ(b.errors[0].rfind("site.toml:15:8: dnsd.zone_file[0].file: nosoa.zone: ", 0), 0u) << b.errors[0];

  write("hinfo.zone", "$ORIGIN lab.voip.\n@ 60 IN SOA ns h 1 2 3 4 5\npc 60 IN HINFO \"PC\" \"Linux\"\n");
  b = build("[[dnsd.zone_file]]\nfile = \"hinfo.zone\"\n");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_NE(b.errors[0].find("type HINFO is not served"), std::string::npos) << b.errors[0];
}

TEST_F(DnsdZoneFile, ConflictsWithGeneratedRecordsAreErrors) {
  write("c.zone", "$ORIGIN lab.voip.\n@ 60 IN SOA ns h 1 2 3 4 5\nprovision 60 IN A 10.250.1.9\n");
  auto b = build("[[dnsd.zone_file]]\nfile = \"c.zone\"\n");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0],
            "c.zone:3:1: dnsd.zone_file[0]: 'provision.lab.voip.' A conflicts with site.call_server (provision)");

  write("d.zone", "$ORIGIN lab.voip.\n@ 60 IN SOA ns h 1 2 3 4 5\nvm40ic1 60 IN CNAME provision\n");
  b = build("[[dnsd.zone_file]]\nfile = \"d.zone\"\n");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_NE(b.errors[0].find("cannot sit beside"), std::string::npos) << b.errors[0];
}

}  // namespace
}  // namespace pb::dns

namespace pb::dns {
namespace {

TEST(DnsdConfig, PrintConfigRoundTripsEveryKey) {
  auto m = test::model(R"([dnsd]
workers = 2
secondaries = ["192.0.2.53"]
[[dnsd.record]]
name = "media"
type = "A"
data = "10.250.1.160"
ttl = 120
ptr = false
[dnsd.health]
check = "sip-tcp"
only_live = true
[dnsd.rrl]
exempt = ["192.0.2.0/24"]
[dnsd.forward]
upstream = ["192.0.2.1"]
)");
  ASSERT_TRUE(m);
  const std::string printed = config::print(*m);
  auto again = config::load_text(printed);
  ASSERT_TRUE(again.model) << printed << again.diagnostics.str();
  EXPECT_TRUE(again.model->dnsd == m->dnsd) << printed;
  EXPECT_EQ(again.model->dnsd.record.at(0).ttl, 120u);
}

}  // namespace
}  // namespace pb::dns
