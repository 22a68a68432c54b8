// The record of the phones' last fetches, in memory (provisiond/phone_fetches.hpp): what is noted, what
// replaces what, and the bound on its size.
#include "provisiond/phone_fetches.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace pb::prov {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const Ipv4Address kPhone = *Ipv4Address::parse("10.250.0.15");

TEST(FetchTable, NotesThePhonesOwnFilesAndKeepsTheLatest) {
  FetchTable t;
  EXPECT_FALSE(t.record("/000000000000.cfg", kPhone, "http", "200", kNow));  // shared: nobody's
  EXPECT_FALSE(t.record("/sip.ld", kPhone, "http", "200", kNow));
  EXPECT_TRUE(t.record("/0004f2aabbcc.cfg", kPhone, "http", "404", kNow));
  EXPECT_TRUE(t.record("/0004F2AABBCC-phone.cfg", kPhone, "https", "200", kNow + 5));
  ASSERT_EQ(t.size(), 1u);
  const auto all = t.all();
  EXPECT_EQ(all[0].name, "/0004F2AABBCC-phone.cfg");
  EXPECT_EQ(all[0].protocol, "https");
  EXPECT_EQ(all[0].status, "200");
  EXPECT_EQ(all[0].time, kNow + 5);
  EXPECT_EQ(all[0].client, kPhone);
}

TEST(FetchTable, AProberCannotGrowItWithoutEnd) {
  FetchTable t;
  for (std::size_t i = 0; i <= FetchTable::kMaxPhones; ++i)
    t.record(fmt::format("/0004f2{:06x}.cfg", i), kPhone, "http", "404", kNow + static_cast<std::int64_t>(i));
  EXPECT_EQ(t.size(), FetchTable::kMaxPhones);
  for (const auto& f : t.all()) EXPECT_NE(f.time, kNow) << "the oldest entry made room";
}

}  // namespace
}  // namespace pb::prov
