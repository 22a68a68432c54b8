// Name codec and compression, against golden bytes with a comment per field.
#include <gtest/gtest.h>

#include <vector>

#include "dnsd/name.hpp"

namespace pb::dns {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

TEST(DnsdName, FromTextGivesWireLabels) {
  EXPECT_EQ(*name_from_text("vm40ic1.lab.voip"), bytes({7, 'v', 'm', '4', '0', 'i', 'c', '1',  // "vm40ic1"
                                                        3, 'l', 'a', 'b',                      // "lab"
                                                        4, 'v', 'o', 'i', 'p',                 // "voip"
                                                        0}));                                  // root
  EXPECT_EQ(*name_from_text("lab.voip."), *name_from_text("lab.voip"));
  EXPECT_EQ(*name_from_text("."), bytes({0}));
  EXPECT_EQ(*name_from_text("a\\.b.c"), bytes({3, 'a', '.', 'b', 1, 'c', 0}));
  EXPECT_EQ(*name_from_text("\\065.c"), bytes({1, 'A', 1, 'c', 0}));
}

TEST(DnsdName, FromTextRefusesBadNames) {
  EXPECT_FALSE(name_from_text("a..b"));
  EXPECT_FALSE(name_from_text(std::string(64, 'x') + ".voip"));
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  EXPECT_FALSE(name_from_text(long_name));  // 256 bytes in wire form
}

TEST(DnsdName, ToTextEscapes) {
  EXPECT_EQ(name_to_text(*name_from_text("_sip._udp.lab.voip")), "_sip._udp.lab.voip.");
  EXPECT_EQ(name_to_text(bytes({0})), ".");
  EXPECT_EQ(name_to_text(bytes({3, 'a', '.', ' ', 0})), "a\\.\\032.");
}

TEST(DnsdName, QueryNameIsLowerCasedAndChecked) {
  const std::vector<std::uint8_t> msg{4, 'V', 'o', 'I', 'P', 0, 0xAA};
  std::uint8_t out[kMaxName];
  std::size_t pos = 0, len = 0;
  ASSERT_EQ(read_query_name(msg, pos, out, len), NameError::none);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), len), bytes({4, 'v', 'o', 'i', 'p', 0}));
  EXPECT_EQ(pos, 6u);

  const std::vector<std::uint8_t> label64{64, 'a'};
  pos = 0;
  EXPECT_EQ(read_query_name(label64, pos, out, len), NameError::label_too_long);
  const std::vector<std::uint8_t> pointer{0xC0, 0x0C};
  pos = 0;
  EXPECT_EQ(read_query_name(pointer, pos, out, len), NameError::compression);
  const std::vector<std::uint8_t> cut{5, 'a', 'b'};
  pos = 0;
  EXPECT_EQ(read_query_name(cut, pos, out, len), NameError::truncated);
  std::vector<std::uint8_t> huge;
  for (int i = 0; i < 5; ++i) {
    huge.push_back(63);
    huge.insert(huge.end(), 63, 'x');
  }
  huge.push_back(0);
  pos = 0;
  EXPECT_EQ(read_query_name(huge, pos, out, len), NameError::name_too_long);
}

TEST(DnsdName, CompressedNamesFollowPointersBackwardsOnly) {
  // 0: "lab.voip" ; 10: "vm40ic1" + pointer to 0 ; 20: a pointer to itself
  std::vector<std::uint8_t> msg{3,   'l', 'a', 'b', 4,   'v', 'o', 'i',  'p',  0,    7,
                                'v', 'm', '4', '0', 'i', 'c', '1', 0xC0, 0x00, 0xC0, 20};
  std::size_t pos = 10;
  std::string out;
  ASSERT_EQ(read_name(msg, pos, out), NameError::none);
  EXPECT_EQ(name_to_text(out), "vm40ic1.lab.voip.");
  EXPECT_EQ(pos, 20u);
  pos = 20;
  EXPECT_EQ(read_name(msg, pos, out), NameError::compression);
}

TEST(DnsdName, CompressorPointsAtTheQuestionAndEarlierNames) {
  Compressor c(36);  // the tail starts after the header (12), "_sip._udp.lab.voip" (20), QTYPE and QCLASS
  c.remember(*name_from_text("_sip._udp.lab.voip"), 12);
  std::vector<std::uint8_t> out;
  c.write(out, *name_from_text("vm40ic1.lab.voip"));
  // "vm40ic1" then a pointer to "lab.voip" at 12 + 5 ("_sip") + 5 ("_udp") = 22
  EXPECT_EQ(out, (std::vector<std::uint8_t>{7, 'v', 'm', '4', '0', 'i', 'c', '1', 0xC0, 22}));
  out.clear();
  c.write(out, *name_from_text("VM40IC1.lab.voip"));  // case does not matter: a pointer to the first at 36
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0xC0, 36}));
  out.clear();
  c.write(out, *name_from_text("vm40ic2.lab.voip"), false);  // never compressed (an SRV target)
  EXPECT_EQ(out.size(), 18u);
}

TEST(DnsdName, WithinFollowsLabelBoundaries) {
  EXPECT_TRUE(is_within(*name_from_text("a.lab.voip"), *name_from_text("lab.voip")));
  EXPECT_TRUE(is_within(*name_from_text("lab.voip"), *name_from_text("lab.voip")));
  EXPECT_FALSE(is_within(*name_from_text("xlab.voip"), *name_from_text("lab.voip")));
  EXPECT_EQ(label_count(*name_from_text("a.b.c")), 3u);
}

}  // namespace
}  // namespace pb::dns
