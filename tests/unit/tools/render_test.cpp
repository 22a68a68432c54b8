#include "tools/phoneboot/render.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pb::tools {
namespace {

namespace fs = std::filesystem;

class RenderTemplates : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pb-render-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "phones.csv") << "Name,Template,Proxy Group,Extension,Identification Address,Label,Address\n"
                                          "Lobby,Polycom,Default,320,,Lobby,00:04:f2:aa:bb:01\n"
                                          "Desk \x1b[2J,Polycom,Default,321,,Desk,0004F2AABB02\n"
                                          "Soft,SIP Soft Phone,Default,340,,Soft,WS-OFFICE-12\n";
    std::ofstream(dir_ / "reg.cfg") << "ext={{extension}}\n";
    std::ofstream(dir_ / "line.cfg") << "label={{label}}\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RenderOutput run(const std::string& what, const std::string& templates = kTemplates) {
    auto loaded = config::load_text(
        "[site]\ndomain = \"lab.voip\"\naddress = \"10.250.0.2/24\"\ninterface = \"eth0\"\n"
        "inventory = \"phones.csv\"\n" +
            templates,
        dir_.string());
    EXPECT_TRUE(loaded.model) << loaded.diagnostics.str();
    if (!loaded.model) return {};
    return render_files(*loaded.model, phone_template::render_all(*loaded.model), what);
  }

  static constexpr const char* kTemplates =
      "[[provisiond.templates]]\nfile = \"[MACADDRESS].cfg\"\nsource = \"reg.cfg\"\n"
      "[[provisiond.templates]]\nfile = \"lines/[MACADDRESS]-line.cfg\"\nsource = \"line.cfg\"\n";
  fs::path dir_;
};

TEST_F(RenderTemplates, ListsEveryFileWithItsTemplateAndPhone) {
  auto r = run("");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "FILE                         BYTES  TEMPLATE  LINE  PHONE\n"
            "0004f2aabb01.cfg             8      reg.cfg   2     Lobby\n"
            "0004f2aabb02.cfg             8      reg.cfg   3     Desk ?[2J\n"
            "lines/0004f2aabb01-line.cfg  12     line.cfg  2     Lobby\n"
            "lines/0004f2aabb02-line.cfg  11     line.cfg  3     Desk ?[2J\n"
            "4 files\n");
}

TEST_F(RenderTemplates, PrintsOneFileExactlyWhateverTheCaseOfItsName) {
  EXPECT_EQ(run("0004f2aabb01.cfg").out, "ext=320\n");
  EXPECT_EQ(run("/LINES/0004F2AABB02-line.cfg").out, "label=Desk\n");
}

TEST_F(RenderTemplates, ListsOnePhonesFilesByItsMac) {
  auto r = run("00-04-F2-AA-BB-02");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "FILE                         BYTES  TEMPLATE  LINE  PHONE\n"
            "0004f2aabb02.cfg             8      reg.cfg   3     Desk ?[2J\n"
            "lines/0004f2aabb02-line.cfg  11     line.cfg  3     Desk ?[2J\n"
            "2 files\n");
}

TEST_F(RenderTemplates, SaysWhatItCannotFind) {
  auto unknown = run("sip.cfg");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "phoneboot: 'sip.cfg' is neither a rendered file nor a MAC address\n");
  auto other_mac = run("00:04:f2:aa:bb:09");
  EXPECT_EQ(other_mac.exit_code, 1);
  EXPECT_EQ(other_mac.err, "phoneboot: no file is rendered for 00:04:f2:aa:bb:09\n");
  auto none = run("", "");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err, "phoneboot: no provisiond.templates in this configuration: nothing is rendered\n");
}

}  // namespace
}  // namespace pb::tools
