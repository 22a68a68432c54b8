#include "common/phone_template.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/config/model.hpp"

namespace pb::phone_template {
namespace {

namespace fs = std::filesystem;

// The Template layout of seeds/001 with one column of our own (a SIP password) and a soft phone (no MAC).
constexpr std::string_view kInventory =
    "Name,Template,Proxy Group,Extension,Identification Address,Label,Address,SIP Password\n"
    "Lobby,Polycom VVX,Default,320,sip:320@10.250.0.68:5060,Lobby & Hall,00:04:f2:aa:bb:01,s3cret<1>\n"
    "Desk 2,Polycom VVX,Default,321,,Desk,0004F2AABB02,pw2\n"
    "Kiosk,AudioCodes,Default,330,,Kiosk,00-90-8F-00-00-03,pw3\n"
    "Softie,SIP Soft Phone,Default,340,,Soft,WS-OFFICE-12,pw4\n";

constexpr std::string_view kSite = R"([site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "eth0"
inventory = "phones.csv"
[[site.call_server]]
name = "vm40ic1"
address = "10.250.1.151"
[[site.call_server]]
name = "vm40ic2"
address = "10.250.1.152"
[provisiond]
root = "files"
)";

class PhoneTemplate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pb-phone-template-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "files");
    write("phones.csv", kInventory);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, std::string_view text) { std::ofstream(dir_ / name, std::ios::binary) << text; }
  config::LoadResult load(const std::string& templates) {
    return config::load_text(std::string(kSite) + templates, dir_.string());
  }
  // Loads the set (which must be valid) and renders it.
  Rendered render(const std::string& templates) {
    auto result = load(templates);
    EXPECT_TRUE(result.model) << result.diagnostics.str();
    if (!result.model) return {};
    return render_all(*result.model);
  }

  fs::path dir_;
};

TEST_F(PhoneTemplate, RendersOneFilePerPhoneWithAMac) {
  write("reg.cfg", "<reg address=\"{{extension}}\" label=\"{{label}}\" pw=\"{{sip_password}}\"/>\n");
  auto r = render("[[provisiond.templates]]\nfile = \"[MACADDRESS]-registration.cfg\"\nsource = \"reg.cfg\"\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.files.size(), 3u);  // the soft phone has no MAC
  EXPECT_EQ(r.files[0].name, "0004f2aabb01-registration.cfg");
  EXPECT_EQ(r.files[1].name, "0004f2aabb02-registration.cfg");
  EXPECT_EQ(r.files[2].name, "00908f000003-registration.cfg");
  // The template starts with '<': XML escaping, so the label's '&' and the password's '<' stay data.
  EXPECT_EQ(r.files[0].content, "<reg address=\"320\" label=\"Lobby &amp; Hall\" pw=\"s3cret&lt;1&gt;\"/>\n");
  EXPECT_EQ(r.files[0].phone_line, 2u);
  EXPECT_EQ(r.files[2].content, "<reg address=\"330\" label=\"Kiosk\" pw=\"pw3\"/>\n");
}

TEST_F(PhoneTemplate, GivesTheSiteTheCallServersAndEveryMacSpelling) {
  write("all.txt",
        "{{mac}} {{mac_upper}} {{mac_colon}} {{name}} {{template}} {{ip}}\n"
        "{{site.domain}} {{site.address}} {{site.provision_url}} {{site.provision_host}} {{site.sip_port}} "
        "{{site.sips_port}} {{site.time_server}} {{site.timezone}}\n"
        "{{#call_servers}}\nserver.{{index}}={{name}} {{fqdn}} {{address}} ({{extension}})\n{{/call_servers}}");
  auto r = render(
      "[[provisiond.templates]]\nfile = \"/cfg/[MACADDRESS].txt\"\nsource = \"all.txt\"\nif_template = "
      "\"audiocodes\"\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].name, "cfg/00908f000003.txt");  // the leading '/' means the root
  EXPECT_EQ(r.files[0].content,
            "00908f000003 00908F000003 00:90:8f:00:00:03 Kiosk AudioCodes \n"
            "lab.voip 10.250.0.2 http://provision.lab.voip:8088 provision.lab.voip 8060 8061 10.250.0.2 UTC\n"
            "server.1=vm40ic1 vm40ic1.lab.voip 10.250.1.151 (330)\n"
            "server.2=vm40ic2 vm40ic2.lab.voip 10.250.1.152 (330)\n");
}

TEST_F(PhoneTemplate, EscapeFollowsTheKeyOverTheTemplatesFirstCharacter) {
  write("plain.cfg", "label = {{label}}\n");
  write("forced.cfg", "label = {{label}}\n");
  auto r = render(
      "[[provisiond.templates]]\nfile = \"[MACADDRESS].a\"\nsource = \"plain.cfg\"\n"
      "[[provisiond.templates]]\nfile = \"[MACADDRESS].b\"\nsource = \"forced.cfg\"\nescape = \"xml\"\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.files.size(), 6u);
  EXPECT_EQ(r.files[0].content, "label = Lobby & Hall\n");
  EXPECT_EQ(r.files[3].content, "label = Lobby &amp; Hall\n");
}

TEST_F(PhoneTemplate, SelectsPhonesByModelInTheTmmLayout) {
  write("phones.csv",
        "Name,Type,Manufacturer,Model,Proxy Group,Extension,Identification Address,Label,Address\n"
        "A,Stand-alone Phone,Polycom,VVX 411,Default,401,,A,0004f2000001\n"
        "B,Stand-alone Phone,Polycom,VVX 601,Default,402,,B,0004f2000002\n");
  write("vvx.cfg", "{{manufacturer}} {{model}} {{type}} {{extension}}");
  auto r =
      render("[[provisiond.templates]]\nfile = \"[MACADDRESS].cfg\"\nsource = \"vvx.cfg\"\nif_model = \" vvx 601 \"\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].name, "0004f2000002.cfg");
  EXPECT_EQ(r.files[0].content, "Polycom VVX 601 Stand-alone Phone 402");
}

TEST_F(PhoneTemplate, TheFirstTemplateToNameAFileWinsAndTheSecondIsAWarning) {
  write("one.cfg", "one");
  write("two.cfg", "two");
  auto result = load(
      "[[provisiond.templates]]\nfile = \"[MACADDRESS].cfg\"\nsource = \"one.cfg\"\n"
      "[[provisiond.templates]]\nfile = \"[MACADDRESS].CFG\"\nsource = \"two.cfg\"\n");
  ASSERT_TRUE(result.model);
  EXPECT_EQ(result.diagnostics.str(),
            "site.toml:18:8: provisiond.templates[1].file: warning: '0004f2aabb01.CFG' (inventory line 2) is already "
            "rendered from provisiond.templates[0] (inventory line 2); the first one is served\n");
  auto r = render_all(*result.model);
  ASSERT_EQ(r.files.size(), 3u);
  for (const auto& f : r.files) EXPECT_EQ(f.content, "one");
}

TEST_F(PhoneTemplate, AFileInTheRootOfTheSameNameIsAWarning) {
  write("one.cfg", "one");
  write("files/0004f2aabb02.cfg", "by hand");
  auto result = load("[[provisiond.templates]]\nfile = \"[MACADDRESS].cfg\"\nsource = \"one.cfg\"\n");
  ASSERT_TRUE(result.model);
  EXPECT_EQ(result.diagnostics.str(), "site.toml:15:8: provisiond.templates[0].file: warning: '" +
                                          (dir_ / "files/0004f2aabb02.cfg").string() +
                                          "' is not served: the file rendered for inventory line 3 takes its place\n");
}

TEST_F(PhoneTemplate, ANameNoPhoneHasStopsTheSetAtItsLineAndColumn) {
  write("reg.cfg", "reg.1.address=\"{{extension}}\"\nreg.1.auth.password=\"{{ pasword }}\"\n");
  auto result = load("[[provisiond.templates]]\nfile = \"[MACADDRESS].cfg\"\nsource = \"reg.cfg\"\n");
  EXPECT_FALSE(result.model);
  const std::string out = result.diagnostics.str();
  EXPECT_EQ(out.rfind("site.toml:16:10: provisiond.templates[0].source: reg.cfg:2:22: ", 0), 0u) << out;
  EXPECT_NE(out.find("unknown name 'pasword'"), std::string::npos) << out;
}

TEST_F(PhoneTemplate, MissingSourceAndMissingInventoryAreErrors) {
  auto missing = load("[[provisiond.templates]]\nfile = \"[MACADDRESS].cfg\"\nsource = \"nope.cfg\"\n");
  EXPECT_FALSE(missing.model);
  EXPECT_EQ(
      missing.diagnostics.str().rfind("site.toml:16:10: provisiond.templates[0].source: cannot read 'nope.cfg': ", 0),
      0u)
      << missing.diagnostics.str();

  write("one.cfg", "one");
  std::string site(kSite);
  site.erase(site.find("inventory = "), std::string_view("inventory = \"phones.csv\"\n").size());
  auto no_inventory = config::load_text(
      site + "[[provisiond.templates]]\nfile = \"[MACADDRESS].cfg\"\nsource = \"one.cfg\"\n", dir_.string());
  EXPECT_FALSE(no_inventory.model);
  EXPECT_NE(no_inventory.diagnostics.str().find(
                "provisiond.templates: templates render one file per phone of site.inventory, which is not set"),
            std::string::npos)
      << no_inventory.diagnostics.str();
}

TEST_F(PhoneTemplate, FileNamesMustCarryTheMacOnceAndBeServable) {
  write("one.cfg", "one");
  const std::pair<std::string, std::string> cases[] = {
      {"phone.cfg", "'phone.cfg' has no [MACADDRESS]: every phone would get the same name"},
      {"[MACADDRESS]/[MACADDRESS].cfg", "[MACADDRESS] may appear once"},
      {"../[MACADDRESS].cfg", "has an empty or hidden ('.') folder or file name"},
      {"a//[MACADDRESS].cfg", "has an empty or hidden ('.') folder or file name"},
      {".[MACADDRESS].cfg", "has an empty or hidden ('.') folder or file name"},
      {"[MACADDRESS]/", "names a folder, not a file"},
      {"[MACADDRESS]%41.cfg", "has a control character, '\\' or '%'"},
  };
  for (const auto& [file, message] : cases) {
    auto result = load("[[provisiond.templates]]\nfile = \"" + file + "\"\nsource = \"one.cfg\"\n");
    EXPECT_FALSE(result.model) << file;
    EXPECT_NE(result.diagnostics.str().find(message), std::string::npos) << file << ": " << result.diagnostics.str();
  }
}

TEST(PhoneTemplateColumns, HeadersBecomeLowerCaseNamesWithUnderscores) {
  EXPECT_EQ(column_name("SIP Password"), "sip_password");
  EXPECT_EQ(column_name("  Line-2 / Display Name "), "line_2_display_name");
  EXPECT_EQ(column_name("VLAN"), "vlan");
  EXPECT_EQ(column_name("---"), "");
  EXPECT_EQ(column_name("Caf\xc3\xa9 Room"), "caf_room");
}

}  // namespace
}  // namespace pb::phone_template
