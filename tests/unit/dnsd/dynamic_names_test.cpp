// Dynamic names from lease records: which leases publish a name, and that configured names win.
#include <gtest/gtest.h>

#include "dnsd/dynamic_names.hpp"
#include "dnsd/name.hpp"
#include "helpers.hpp"

namespace pb::dns {
namespace {

lease_journal::Record lease(const char* host, const char* ip, std::int64_t start, std::int64_t expires,
                            lease_journal::Kind kind = lease_journal::Kind::bound) {
  lease_journal::Record r;
  r.kind = kind;
  r.hostname = host;
  r.address = *Ipv4Address::parse(ip);
  r.start = start;
  r.expires = expires;
  return r;
}

TEST(DnsdDynamicNames, BoundUnexpiredValidLabelsOnly) {
  std::map<std::uint32_t, lease_journal::Record> latest;
  for (auto r : {lease("SEP0004F2AABBCC", "10.250.0.50", 100, 2000), lease("gone", "10.250.0.51", 100, 999),
                 lease("bad name", "10.250.0.52", 100, 2000),
                 lease("left", "10.250.0.53", 100, 2000, lease_journal::Kind::released),
                 lease("dup", "10.250.0.54", 100, 2000), lease("dup", "10.250.0.55", 200, 2000)})
    latest[r.address.value] = r;
  auto names = active_names(latest, 1000);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].host, "dup");
  EXPECT_EQ(Ipv4Address{names[0].address}.str(), "10.250.0.55");  // the newer claim
  EXPECT_EQ(names[1].host, "sep0004f2aabbcc");
}

TEST(DnsdDynamicNames, PublishedWithPtrButNeverOverAConfiguredName) {
  auto m = test::model();
  auto b = build_zones(
      *m, 1,
      {{"phone1", Ipv4Address::parse("10.250.0.50")->value}, {"vm40ic1", Ipv4Address::parse("10.250.0.51")->value}});
  ASSERT_TRUE(b.errors.empty());
  auto t = compile(b.zones, {});
  test::Asker a{t};
  EXPECT_EQ(test::datas(a.ask("phone1.lab.voip", type::A).answer),
            (std::vector<std::string>{"phone1.lab.voip. A 10.250.0.50"}));
  EXPECT_EQ(a.ask("50.0.250.10.in-addr.arpa", type::PTR).answer.at(0).data, "phone1.lab.voip.");
  EXPECT_EQ(a.ask("vm40ic1.lab.voip", type::A).answer.at(0).data, "10.250.1.151");
}

}  // namespace
}  // namespace pb::dns
