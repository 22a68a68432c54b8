// The option catalogue and every value type's encoding (common/config/dhcpd.hpp), plus class matching.
#include <gtest/gtest.h>

#include "common/config/dhcpd.hpp"
#include "common/config/option_decode.hpp"
#include "dhcpd/settings.hpp"
#include "fixture.hpp"

namespace pb::config {
namespace {

using Bytes = std::vector<std::uint8_t>;

Encoded enc(std::int64_t code, Value v, const std::string& type = "") {
  OptionConfig o;
  o.code = code;
  o.type = type;
  o.value = std::move(v);
  return encode_option(o, *resolve_option_type(o, {}));
}

TEST(DhcpdOptions, EveryTypeEncodes) {
  EXPECT_EQ(enc(1, Value{std::string("255.255.255.0")}).bytes, (Bytes{255, 255, 255, 0}));  // ip
  EXPECT_EQ(enc(6, Value{Value::Array{Value{std::string("10.0.0.1")}, Value{std::string("10.0.0.2")}}}).bytes,
            (Bytes{10, 0, 0, 1, 10, 0, 0, 2}));                                     // ip-list
  EXPECT_EQ(enc(150, Value{std::string("10.0.0.1")}).bytes, (Bytes{10, 0, 0, 1}));  // ip-list of one
  EXPECT_EQ(enc(66, Value{std::string("10.0.0.11")}).bytes,
            (Bytes{'1', '0', '.', '0', '.', '0', '.', '1', '1'}));                             // string
  EXPECT_EQ(enc(2, Value{std::int64_t{-18000}}).bytes, (Bytes{0xff, 0xff, 0xb9, 0xb0}));       // int32 (seeds)
  EXPECT_EQ(enc(200, Value{std::int64_t{7}}, "uint8").bytes, (Bytes{7}));                      // uint8
  EXPECT_EQ(enc(26, Value{std::int64_t{1500}}).bytes, (Bytes{0x05, 0xdc}));                    // uint16
  EXPECT_EQ(enc(201, Value{std::int64_t{86400}}, "uint32").bytes, (Bytes{0, 1, 0x51, 0x80}));  // uint32
  EXPECT_EQ(enc(202, Value{true}, "bool").bytes, (Bytes{1}));                                  // bool
  EXPECT_EQ(enc(43, Value{std::string("01:04:36:38:38:39")}).bytes, (Bytes{1, 4, '6', '8', '8', '9'}));  // hex
  EXPECT_EQ(enc(119, Value{std::string("lab.voip")}).bytes,
            (Bytes{3, 'l', 'a', 'b', 4, 'v', 'o', 'i', 'p', 0}));  // domain-list
}

TEST(DhcpdOptions, SubOptionsAndVivso) {
  OptionConfig o43;
  o43.code = 43;
  o43.suboption = {SubOption{1, "string", Value{std::string("6889")}},
                   SubOption{2, "ip", Value{std::string("10.0.0.1")}}};
  auto e = encode_option(o43, *resolve_option_type(o43, {}));
  EXPECT_EQ(e.error, "");
  EXPECT_EQ(e.bytes, (Bytes{1, 4, '6', '8', '8', '9', 2, 4, 10, 0, 0, 1}));
  OptionConfig o125;
  o125.code = 125;
  o125.enterprise = 1027;
  o125.suboption = {SubOption{2, "string", Value{std::string("id:x")}}};
  e = encode_option(o125, *resolve_option_type(o125, {}));
  EXPECT_EQ(e.bytes, (Bytes{0, 0, 0x04, 0x03, 6, 2, 4, 'i', 'd', ':', 'x'}));
}

// Every scalar type decodes back to the value it was encoded from, and that value encodes to the same bytes.
TEST(DhcpdOptions, EveryTypeDecodesBackToItsValue) {
  using A = Value::Array;
  const auto str = [](const char* s) { return Value{std::string(s)}; };
  const std::vector<std::pair<std::string, Value>> cases = {
      {"ip", str("255.255.255.0")},
      {"ip-list", Value{A{str("10.0.0.1"), str("10.0.0.2")}}},
      {"string", str("http://provision.lab.voip:8088")},
      {"int32", Value{std::int64_t{-18000}}},
      {"uint8", Value{std::int64_t{255}}},
      {"uint16", Value{std::int64_t{1500}}},
      {"uint32", Value{std::int64_t{4294967295}}},
      {"bool", Value{false}},
      {"hex", str("01:04:36:38:38:39")},
      {"domain-list", Value{A{str("lab.voip"), str("phones.lab.voip")}}},
  };
  for (const auto& [type, value] : cases) {
    const auto t = *parse_option_type(type);
    const auto bytes = enc(224, value, type);
    ASSERT_EQ(bytes.error, "") << type;
    const auto back = decode_scalar(bytes.bytes, t);
    ASSERT_TRUE(back.has_value()) << type;
    EXPECT_EQ(*back, value) << type;
    EXPECT_EQ(enc(224, *back, type).bytes, bytes.bytes) << type;
  }
  // An ip-list of one reads back as a list of one, which encodes the same as the single address.
  EXPECT_EQ(decode_scalar(Bytes{10, 0, 0, 1}, OptionType::ip_list), (Value{A{str("10.0.0.1")}}));
}

TEST(DhcpdOptions, BytesNoValueCouldHaveGivenDecodeToNothing) {
  EXPECT_FALSE(decode_scalar(Bytes{10, 0, 0}, OptionType::ip));
  EXPECT_FALSE(decode_scalar(Bytes{10, 0, 0, 1, 10, 0}, OptionType::ip_list));
  EXPECT_FALSE(decode_scalar(Bytes{}, OptionType::string));
  EXPECT_FALSE(decode_scalar(Bytes{0, 1, 2}, OptionType::uint16));
  EXPECT_FALSE(decode_scalar(Bytes{2}, OptionType::boolean));
  EXPECT_FALSE(decode_scalar(Bytes{}, OptionType::hex));
  EXPECT_FALSE(decode_scalar(Bytes{3, 'a', '.', 'b', 0}, OptionType::domain_list));    // a dot inside a label
  EXPECT_FALSE(decode_scalar(Bytes{3, 'l', 'a', 'b'}, OptionType::domain_list));       // no terminating 0
  EXPECT_FALSE(decode_scalar(Bytes{0xC0, 0x00}, OptionType::domain_list));             // points at itself
  EXPECT_FALSE(decode_scalar(Bytes{1, 'a', 0xC0, 0x05, 0}, OptionType::domain_list));  // points forward
  EXPECT_FALSE(decode_suboptions(Bytes{1, 4, '6', '8'}));                              // longer than the option
  EXPECT_FALSE(decode_vivso(Bytes{0, 0, 4, 3, 6, 2, 4, 'i'}));
}

// RFC 3397: option 119 may point back at a name earlier in the option.
TEST(DhcpdOptions, DomainListFollowsCompressionPointers) {
  const Bytes wire{3, 'l', 'a', 'b', 4, 'v', 'o', 'i', 'p', 0, 6, 'p', 'h', 'o', 'n', 'e', 's', 0xC0, 0x00};
  EXPECT_EQ(decode_scalar(wire, OptionType::domain_list),
            (Value{Value::Array{Value{std::string("lab.voip")}, Value{std::string("phones.lab.voip")}}}));
}

TEST(DhcpdOptions, SubOptionsAndVivsoDecode) {
  const Bytes o43{1, 4, '6', '8', '8', '9', 0, 2, 4, 10, 0, 0, 1, 255};  // a pad and an end, as some send
  EXPECT_EQ(decode_suboptions(o43), (std::vector<RawSubOption>{{1, {'6', '8', '8', '9'}}, {2, {10, 0, 0, 1}}}));
  const Bytes o125{0, 0, 0x04, 0x03, 6, 2, 4, 'i', 'd', ':', 'x', 0, 0, 0, 9, 0};
  EXPECT_EQ(decode_vivso(o125), (std::vector<VendorBlock>{{1027, {{2, {'i', 'd', ':', 'x'}}}}, {9, {}}}));
  EXPECT_EQ(option_text(o125, OptionType::vivso), "1027:2=69:64:3a:78 9:");
  EXPECT_EQ(option_text(Bytes{10, 0, 0, 1, 10, 0, 0, 2}, OptionType::ip_list), "[\"10.0.0.1\", \"10.0.0.2\"]");
  EXPECT_EQ(option_text(Bytes{0xff, 0xff, 0xb9, 0xb0}, OptionType::int32), "-18000");
  EXPECT_EQ(option_text(Bytes{1, 2, 3}, OptionType::ip), "hex 01:02:03");
}

TEST(DhcpdOptions, ValuesThatDoNotFitTheirTypeAreErrors) {
  EXPECT_NE(enc(1, Value{std::string("10.0.0.300")}).error, "");
  EXPECT_NE(enc(2, Value{std::int64_t{1} << 40}).error, "");
  EXPECT_NE(enc(200, Value{std::int64_t{256}}, "uint8").error, "");
  EXPECT_NE(enc(66, Value{std::int64_t{5}}).error, "");
  EXPECT_NE(enc(43, Value{std::string("zz")}).error, "");
  EXPECT_NE(enc(119, Value{std::string("bad..name")}).error, "");
}

TEST(DhcpdOptions, CatalogueCoversThePhoneOptions) {
  for (int code :
       {1, 2, 3, 4, 6, 12, 15, 28, 42, 43, 51, 54, 58, 59, 60, 66, 67, 100, 101, 119, 125, 132, 150, 160, 242})
    EXPECT_NE(catalogue_find(static_cast<std::uint8_t>(code)), nullptr) << code;
  EXPECT_EQ(catalogue_find(224), nullptr);
}

TEST(DhcpdOptions, BuiltInProfilesAllEncode) {
  auto m = pb::dhcp::test::model();
  ASSERT_TRUE(m);
  for (const auto& c : builtin_profiles(*m))
    for (const auto& o : c.option) EXPECT_EQ(encode_option(o, *resolve_option_type(o, {})).error, "") << c.name;
}

TEST(DhcpdOptions, ParsesMacSpellings) {
  const Bytes mac = {0x00, 0x04, 0xf2, 0xaa, 0xbb, 0xcc};
  EXPECT_EQ(parse_hex_bytes("00:04:f2:aa:bb:cc"), mac);
  EXPECT_EQ(parse_hex_bytes("0004F2AABBCC"), mac);
  EXPECT_EQ(parse_hex_bytes("00-04-F2-AA-BB-CC"), mac);
  EXPECT_FALSE(parse_hex_bytes("0004F2AABBC"));
}

}  // namespace
}  // namespace pb::config

namespace pb::dhcp {
namespace {

using test::bytes;

class DhcpdClasses : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = test::model(R"(
[[class]]
name = "exact-x"
exact = "Nortel-SIP-Phone-A"
[[class]]
name = "by-regex"
regex = "^Acme-[0-9]+$"
[[class]]
name = "by-oui"
match = "mac"
prefix = "00:26:fd"
[[class]]
name = "by-host"
match = "hostname"
prefix = "SEP"
)");
    settings_ = Settings::build(*model_);
  }
  std::string match(const Packet& p) const {
    const int i = settings_->match_class(p);
    return i < 0 ? "" : settings_->classes[static_cast<std::size_t>(i)].name;
  }
  std::shared_ptr<const config::Model> model_;
  std::shared_ptr<const Settings> settings_;
};

TEST_F(DhcpdClasses, ExactToleratesTrailingNul) {
  auto p = test::request(MessageType::discover, 1);
  p.set_option(60, bytes(std::string_view("Nortel-SIP-Phone-A\0", 19)));
  EXPECT_EQ(match(p), "exact-x");
}

TEST_F(DhcpdClasses, RegexPrefixSubstringMacAndHostname) {
  auto p = test::request(MessageType::discover, 1);
  p.set_option(60, bytes("Acme-42"));
  EXPECT_EQ(match(p), "by-regex");
  auto q = test::request(MessageType::discover, 2);
  q.chaddr = {0x00, 0x26, 0xfd, 0x01, 0x02, 0x03};
  EXPECT_EQ(match(q), "by-oui");
  auto h = test::request(MessageType::discover, 3);
  h.set_option(12, bytes("SEP001122334455"));
  EXPECT_EQ(match(h), "by-host");
}

TEST_F(DhcpdClasses, PolycomBinaryOption60MatchesByteSubstring) {
  auto p = test::request(MessageType::discover, 4);
  p.set_option(60, bytes(std::string("\x00\x00\x36\x3d\x0c\x01\x07Polycom\x02\x00", 17)));
  EXPECT_EQ(match(p), "polycom");
}

TEST_F(DhcpdClasses, ConfiguredClassesComeBeforeBuiltInOnes) {
  EXPECT_EQ(settings_->classes[0].name, "exact-x");
  EXPECT_TRUE(settings_->classes.back().builtin);
  auto p = test::request(MessageType::discover, 5);
  p.set_option(60, bytes("SIP200"));
  EXPECT_EQ(match(p), "sip200");
  auto none = test::request(MessageType::discover, 6);
  EXPECT_EQ(match(none), "");
}

// Options 4/42, 6 and 66 name the address each service answers on: a service bound to one address is
// offered there (phones asking the appliance's main address would get nothing), one on 0.0.0.0 at the site's.
TEST(DhcpdSettings, ServerOptionsFollowTheAddressEachServiceIsBoundTo) {
  auto defaults = config::load_text(test::kSite);
  ASSERT_TRUE(defaults.model) << defaults.diagnostics.str();
  auto s = Settings::build(*defaults.model);
  EXPECT_EQ(*s->global.find(42), test::addr("10.250.0.2"));
  EXPECT_EQ(*s->global.find(4), test::addr("10.250.0.2"));
  EXPECT_EQ(*s->global.find(6), test::addr("10.250.0.2"));
  EXPECT_EQ(*s->global.find(66), test::bytes("10.250.0.2"));

  auto bound = config::load_text(std::string(test::kSite) +
                                 "[sntpd]\naddress = \"10.250.0.3\"\n[dnsd]\naddress = \"10.250.0.4\"\n"
                                 "[provisiond]\nlisten = \"10.250.0.5\"\n");
  ASSERT_TRUE(bound.model) << bound.diagnostics.str();
  s = Settings::build(*bound.model);
  EXPECT_EQ(*s->global.find(42), test::addr("10.250.0.3"));
  EXPECT_EQ(*s->global.find(4), test::addr("10.250.0.3"));
  EXPECT_EQ(*s->global.find(6), test::addr("10.250.0.4"));
  EXPECT_EQ(*s->global.find(66), test::bytes("10.250.0.5"));
  EXPECT_EQ(*s->global.find(15), test::bytes("lab.voip"));
}

// The guide's own inventory has no IP column; a phone that registered from an address of our subnet keeps
// it (reserved for its MAC), one that registered elsewhere is just not reserved, with no warning.
TEST(DhcpdSettings, InventoryIdentificationAddressInOurSubnetBecomesAReservation) {
  char tmpl[] = "/tmp/pbdhcp-inv-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::string site = test::kSite;
  site.replace(site.find("[site]\n"), 7, "[site]\ninventory = \"phones.csv\"\n");
  std::ofstream(dir + "/site.toml") << site;
  std::ofstream(dir + "/phones.csv") << "Name,Template,Proxy Group,Extension,Identification Address,Label,Address\n"
                                        "Lobby1,T,,7101,sip:7101@10.250.0.41:5060,,0004F2AABBCC\n"
                                        "Remote1,T,,7102,sip:7102@172.17.238.68:5060,,0004F2AABBCD\n";
  auto r = config::load(dir);
  ASSERT_TRUE(r.model) << r.diagnostics.str();
  auto s = Settings::build(*r.model);  // reads the inventory
  std::filesystem::remove_all(dir);
  const std::uint8_t lobby[] = {0x00, 0x04, 0xf2, 0xaa, 0xbb, 0xcc};
  const std::uint8_t remote[] = {0x00, 0x04, 0xf2, 0xaa, 0xbb, 0xcd};
  ASSERT_EQ(s->reservations.count(mac_key(lobby)), 1u);
  EXPECT_EQ(s->reservations.at(mac_key(lobby)).address.str(), "10.250.0.41");
  EXPECT_EQ(s->reservations.count(mac_key(remote)), 0u);
  EXPECT_TRUE(s->warnings.empty()) << s->warnings.front();
}

TEST(DhcpdSettings, OverridingABuiltInProfileReplacesIt) {
  auto m = test::model(R"(
[[class]]
name = "sip100"
exact = "SIP100"
[[class.option]]
code = 67
value = "custom.img"
)");
  auto s = Settings::build(*m);
  int count = 0;
  for (const auto& c : s->classes) count += c.name == "sip100";
  EXPECT_EQ(count, 1);
  EXPECT_FALSE(s->classes[0].builtin);
}

TEST(DhcpdSettings, BadRegexRefusesToStart) {
  // The configuration check compiles the pattern, so the set never loads...
  auto refused =
      config::load_text(std::string(test::kSite) + "\n[[dhcpd.class]]\nname = \"bad\"\nregex = \"(unclosed\"\n");
  EXPECT_FALSE(refused.model);
  EXPECT_NE(refused.diagnostics.str().find("dhcpd.class[0].regex: '(unclosed' is not a regular expression"),
            std::string::npos)
      << refused.diagnostics.str();
  // ...and the daemon's own build refuses it too, should a model ever carry one.
  auto m = test::model(R"(
[[class]]
name = "bad"
regex = "closed"
)");
  ASSERT_TRUE(m);
  config::Model broken = *m;
  broken.dhcpd.client_class[0].regex = "(unclosed";
  EXPECT_THROW(Settings::build(broken), std::runtime_error);
}

TEST(DhcpdSettings, SiteDefaultsGiveAWorkingScope) {
  auto m = test::model();
  auto s = Settings::build(*m);
  ASSERT_EQ(s->subnets.size(), 1u);
  EXPECT_EQ(s->local_subnet, 0);
  EXPECT_EQ(s->subnets[0].pools[0].start, Ipv4Address::parse("10.250.0.64")->value);
  EXPECT_EQ(s->subnets[0].pools[0].end, Ipv4Address::parse("10.250.0.254")->value);
  EXPECT_TRUE(s->excluded.count(Ipv4Address::parse("10.250.0.2")->value));
  ASSERT_TRUE(s->global.find(100));
  EXPECT_EQ(std::string(s->global.find(100)->begin(), s->global.find(100)->end()), "EST5EDT,M3.2.0,M11.1.0");
}

}  // namespace
}  // namespace pb::dhcp
