// hand_over_directory: the folders a daemon writes after dropping privileges become the user's, one level
// deep, and a symbolic link inside is changed itself, never what it points at.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/privilege.hpp"

namespace pb {
namespace {

namespace fs = std::filesystem;

uid_t owner(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

class HandOver : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("pb-handover-" + std::to_string(::getpid()));
  void TearDown() override { fs::remove_all(dir); }
};

TEST_F(HandOver, CreatesTheFolderAndGivesItAndItsFilesToTheUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to change owners";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const fs::path state = dir / "dhcpd";
  fs::create_directories(state / "deeper");
  std::ofstream(state / "journal") << "x";
  std::ofstream(dir / "outside") << "y";
  fs::create_symlink(dir / "outside", state / "link");
  std::ofstream(state / "deeper" / "kept") << "z";

  EXPECT_EQ(hand_over_directory(state.string(), "nobody"), "");
  EXPECT_EQ(owner(state), nobody->pw_uid);
  EXPECT_EQ(owner(state / "journal"), nobody->pw_uid);
  EXPECT_EQ(owner(state / "link"), nobody->pw_uid);
  EXPECT_EQ(owner(state / "deeper"), nobody->pw_uid);
  EXPECT_EQ(owner(dir / "outside"), 0u);            // the link's target is not followed
  EXPECT_EQ(owner(state / "deeper" / "kept"), 0u);  // one level only

  const fs::path fresh = dir / "uploads";  // missing: created, then handed over
  EXPECT_EQ(hand_over_directory(fresh.string(), "nobody"), "");
  EXPECT_TRUE(fs::is_directory(fresh));
  EXPECT_EQ(owner(fresh), nobody->pw_uid);
}

TEST_F(HandOver, RootOnlyCreatesAndAnUnknownUserIsAnError) {
  const fs::path state = dir / "dnsd";
  EXPECT_EQ(hand_over_directory(state.string(), "root"), "");
  EXPECT_TRUE(fs::is_directory(state));
  EXPECT_NE(hand_over_directory(state.string(), "no-such-user-here").find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace pb
