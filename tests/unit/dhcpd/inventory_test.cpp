// The phone inventory CSV of seeds/001, both layouts, as the guide prints them.
#include "common/inventory.hpp"

#include <gtest/gtest.h>

namespace pb::inventory {
namespace {

TEST(DhcpdInventory, TemplateLayoutFromTheGuide) {
  auto inv = parse(
      "Name,Template,Proxy Group,Extension,Identification Address,Label,Address\r\n"
      "PolycomLobby1,My Polycom SA Template,,7101,,Lobby,0004F2AABBCC\r\n"
      "PolycomAgent1,My Polycom Agent Template,,7201,,Line1,\r\n"
      "AgentSSP-PC1,My Agent SSP Template,,7301,,,AgentPC1.lab.local\r\n"
      "AgentISS1,My Agent ISS Template,,7401,,,0026FD0095FD\r\n");
  EXPECT_EQ(inv.layout, Layout::template_list);
  ASSERT_EQ(inv.phones.size(), 4u);
  EXPECT_TRUE(inv.problems.empty());
  EXPECT_EQ(inv.phones[0].template_name, "My Polycom SA Template");
  EXPECT_EQ(inv.phones[0].mac_hex(), "0004f2aabbcc");
  EXPECT_EQ(inv.phones[0].label, "Lobby");
  EXPECT_FALSE(inv.phones[1].mac);
  EXPECT_EQ(inv.phones[2].computer_name, "AgentPC1.lab.local");
  EXPECT_EQ(inv.phones[3].line, 5u);
  std::array<std::uint8_t, 6> mac = {0x00, 0x26, 0xfd, 0x00, 0x95, 0xfd};
  ASSERT_NE(inv.find_mac(mac), nullptr);
  EXPECT_EQ(inv.find_mac(mac)->name, "AgentISS1");
}

TEST(DhcpdInventory, TmmLayoutWithTheGuidesTypoReportsIt) {
  auto inv = parse(
      "Name,Type,Manufacturer,Model,Proxy Group,Extension,Identification Address,Label,Address\n"
      "PolycomLobby2,Stand-alone Phone,Polycom,IP330,,7102,,Lobby,\n"
      "AgentISS1,Stand-alone Phone,ININ,Interaction SIP Station,Remote Agent ISS - TCP,7402,7402,,0026DF00020\n"
      "Agent420HD,Stand-alone Phone,AudioCodes,420HD,,7502,7502,,00908F123456\n");
  EXPECT_EQ(inv.layout, Layout::tmm_list);
  ASSERT_EQ(inv.phones.size(), 3u);
  EXPECT_EQ(inv.phones[2].manufacturer, "AudioCodes");
  EXPECT_EQ(inv.phones[2].model, "420HD");
  EXPECT_EQ(inv.phones[1].proxy_group, "Remote Agent ISS - TCP");
  ASSERT_EQ(inv.problems.size(), 1u);  // 11 hex digits: not a MAC
  EXPECT_EQ(inv.problems[0].line, 3u);
}

TEST(DhcpdInventory, QuotedFieldsExtraColumnsAndIpAddress) {
  auto inv = parse(
      "\xEF\xBB\xBFName,Model,Manufacturer,Address,IP Address,Room\n"
      "\"Desk, \"\"CEO\"\"\",VVX410,Polycom,00:04:f2:00:00:01,10.250.0.40,12\n"
      "Bad,VVX410,Polycom,00:04:f2:00:00:02,10.250.0.400,\n"
      ",VVX410,Polycom,00:04:f2:00:00:03,,\n");
  ASSERT_EQ(inv.phones.size(), 2u);
  EXPECT_EQ(inv.phones[0].name, "Desk, \"CEO\"");
  ASSERT_TRUE(inv.phones[0].ip);
  EXPECT_EQ(inv.phones[0].ip->str(), "10.250.0.40");
  EXPECT_EQ(inv.phones[0].extra.at("Room"), "12");
  EXPECT_FALSE(inv.phones[1].ip);
  EXPECT_EQ(inv.problems.size(), 2u);  // bad address, empty name
}

TEST(DhcpdInventory, IdentificationAddressGivesWhereThePhoneRegistered) {
  EXPECT_EQ(sip_host_address("sip:320@172.17.238.68:5060")->str(), "172.17.238.68");
  EXPECT_EQ(sip_host_address("sip: 320@ 172.17.238.68: 5060")->str(), "172.17.238.68");  // the guide's spelling
  EXPECT_EQ(sip_host_address("SIP:7101@10.250.0.41")->str(), "10.250.0.41");
  EXPECT_EQ(sip_host_address("sips:7101@10.250.0.41;transport=tls")->str(), "10.250.0.41");
  EXPECT_FALSE(sip_host_address(""));
  EXPECT_FALSE(sip_host_address("7402"));  // the TMM example puts the extension there
  EXPECT_FALSE(sip_host_address("sip:320@pbx.lab.voip:5060"));
  EXPECT_FALSE(sip_host_address("sip:10.250.0.41"));

  auto inv = parse(
      "Name,Template,Proxy Group,Extension,Identification Address,Label,Address\n"
      "PolycomLobby1,T,,7101,sip:7101@10.250.0.41:5060,Lobby,0004F2AABBCC\n"
      "PolycomLobby2,T,,7102,7102,Lobby,0004F2AABBCD\n");
  ASSERT_EQ(inv.phones.size(), 2u);
  ASSERT_TRUE(inv.phones[0].registered_ip);
  EXPECT_EQ(inv.phones[0].registered_ip->str(), "10.250.0.41");
  EXPECT_FALSE(inv.phones[0].ip);
  EXPECT_FALSE(inv.phones[1].registered_ip);
  EXPECT_TRUE(inv.problems.empty());
}

TEST(DhcpdInventory, NotAPhoneListIsOneProblem) {
  auto inv = parse("a,b,c\n1,2,3\n");
  EXPECT_TRUE(inv.phones.empty());
  ASSERT_EQ(inv.problems.size(), 1u);
  EXPECT_EQ(load("/nonexistent/phones.csv").problems.size(), 1u);
}

}  // namespace
}  // namespace pb::inventory
