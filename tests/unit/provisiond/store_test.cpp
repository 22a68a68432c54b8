#include "provisiond/store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace pb::prov {
namespace {

namespace fs = std::filesystem;

class Store : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("pbprov-store-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "root/polycom");
    write(base_ / "root/000000000000.cfg", "<cfg/>");
    write(base_ / "root/polycom/sip.ld", std::string(4096, 'x'));
    write(base_ / "root/.hidden", "secret");
    write(base_ / "secret.txt", "outside");
    fs::create_symlink(base_ / "secret.txt", base_ / "root/abs-link");
    fs::create_symlink("../secret.txt", base_ / "root/rel-link");
    fs::create_symlink("000000000000.cfg", base_ / "root/inside-link");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

  StoreOptions options(std::string upload = "", StoreOptions o = {}) const {
    o.root = (base_ / "root").string();
    o.upload_dir = upload.empty() ? (base_ / "uploads").string() : upload;
    return o;
  }
  FileStore make(std::string upload = "", StoreOptions o = {}) { return FileStore(options(upload, o)); }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  static bool put(Upload& up, std::string_view text) {
    return up.write(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())).ok();
  }
  static StoreError error_of(Result<OpenedFile, StoreError> r) {
    EXPECT_FALSE(r.ok());
    return r ? StoreError::Io : r.error();
  }

  fs::path base_;
};

TEST_F(Store, ServesSmallFilesFromMemory) {
  auto store = make();
  auto f = store.open("/000000000000.cfg", false, 0);
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->cached);
  EXPECT_EQ(f->cached->content, "<cfg/>");
  EXPECT_EQ(f->info().size, 6u);
  EXPECT_EQ(f->info().type, "text/plain");
  EXPECT_EQ(f->info().etag.front(), '"');
}

TEST_F(Store, LargeFilesComeAsDescriptors) {
  StoreOptions o;
  o.cache_file_bytes = 1024;
  auto store = make("", o);
  auto f = store.open("polycom/sip.ld", false, 0);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->cached);
  EXPECT_TRUE(f->fd);
  EXPECT_EQ(f->info().size, 4096u);
}

TEST_F(Store, CacheSeesChangesAfterRevalidation) {
  auto store = make();
  ASSERT_EQ(store.open("000000000000.cfg", false, 0)->cached->content, "<cfg/>");
  write(base_ / "root/000000000000.cfg", "<changed/>");
  EXPECT_EQ(store.open("000000000000.cfg", false, 10)->cached->content, "<cfg/>") << "within revalidate_ms";
  EXPECT_EQ(store.open("000000000000.cfg", false, 5000)->cached->content, "<changed/>");
  fs::remove(base_ / "root/000000000000.cfg");
  EXPECT_EQ(error_of(store.open("000000000000.cfg", false, 10000)), StoreError::NotFound);
}

TEST_F(Store, TraversalIsForbidden) {
  auto store = make();
  EXPECT_EQ(error_of(store.open("/../secret.txt", false, 0)), StoreError::Forbidden);
  EXPECT_EQ(error_of(store.open("..\\secret.txt", true, 0)), StoreError::Forbidden);
}

TEST_F(Store, SymlinksOutOfTheRootAreForbidden) {
  auto store = make();
  EXPECT_EQ(error_of(store.open("abs-link", false, 0)), StoreError::Forbidden);
  EXPECT_EQ(error_of(store.open("rel-link", false, 0)), StoreError::Forbidden);
  auto inside = store.open("inside-link", false, 0);
  ASSERT_TRUE(inside) << "a symlink that stays beneath the root is fine";
}

TEST_F(Store, AbsoluteNamesStayBeneathTheRoot) {
  auto store = make();
  EXPECT_EQ(error_of(store.open((base_ / "secret.txt").string(), false, 0)), StoreError::NotFound);
}

TEST_F(Store, HiddenFilesAndDirectoriesAreNotFound) {
  auto store = make();
  EXPECT_EQ(error_of(store.open(".hidden", false, 0)), StoreError::NotFound);
  EXPECT_EQ(error_of(store.open("polycom", false, 0)), StoreError::NotFound);
  EXPECT_EQ(error_of(store.open("/", false, 0)), StoreError::NotFound);
}

TEST_F(Store, UploadDirectoryInsideTheRootIsNeverServed) {
  auto store = make((base_ / "root/uploads").string());
  write(base_ / "root/uploads/0004f2aabbcc-app.log", "log");
  EXPECT_EQ(error_of(store.open("uploads/0004f2aabbcc-app.log", false, 0)), StoreError::Forbidden);
  EXPECT_EQ(error_of(store.open("uploads", false, 0)), StoreError::Forbidden);
}

TEST_F(Store, UploadsAreAtomicAndFlat) {
  auto store = make();
  {
    auto up = store.begin_upload("/polycom/0004F2AABBCC-app.log", 0);
    ASSERT_TRUE(up);
    const std::string text = "booted";
    ASSERT_TRUE(up->write(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
    EXPECT_FALSE(fs::exists(base_ / "uploads/0004F2AABBCC-app.log")) << "nothing visible before commit";
    ASSERT_TRUE(up->commit());
  }
  std::ifstream in(base_ / "uploads/0004F2AABBCC-app.log");
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, "booted");
  {
    auto up = store.begin_upload("abandoned.log", 0);
    ASSERT_TRUE(up);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(base_ / "uploads"), {}), 1) << "an abandoned upload leaves nothing";
}

TEST_F(Store, UploadCaps) {
  StoreOptions o;
  o.max_upload_bytes = 10;
  o.max_phone_bytes = 15;
  auto store = make("", o);
  EXPECT_EQ(store.begin_upload("big.log", 11).error(), StoreError::TooLarge);
  auto up = store.begin_upload("0004f2aabbcc-app.log", 0);
  ASSERT_TRUE(up);
  const std::uint8_t ten[10] = {};
  ASSERT_TRUE(up->write(ten));
  EXPECT_EQ(up->write(std::span(ten, 1)).error(), StoreError::TooLarge);
  ASSERT_TRUE(up->commit());
  EXPECT_EQ(store.begin_upload("0004F2AABBCC-boot.log", 6).error(), StoreError::TooLarge) << "same phone, 16 > 15";
  EXPECT_TRUE(store.begin_upload("0004f2aabbcc-app.log", 10)) << "replacing a file does not count it twice";
  EXPECT_TRUE(store.begin_upload("0004f2ddeeff-app.log", 10)) << "another phone";
  EXPECT_EQ(store.begin_upload("/../x.log", 1).error(), StoreError::Forbidden);
  EXPECT_EQ(store.begin_upload(".x.log", 1).error(), StoreError::NotFound);
}

TEST_F(Store, ReloadRaisesAndLowersTheCaps) {
  StoreOptions o;
  o.max_upload_bytes = 10;
  auto store = make("", o);
  EXPECT_EQ(store.begin_upload("0004f2aabbcc-app.log", 100).error(), StoreError::TooLarge);
  o.max_upload_bytes = 1000;
  store.reconfigure(options("", o));
  auto up = store.begin_upload("0004f2aabbcc-app.log", 100);
  ASSERT_TRUE(up) << "the raised per-file cap applies at once";
  ASSERT_TRUE(put(*up, std::string(100, 'x')));
  ASSERT_TRUE(up->commit());
  o.max_phone_bytes = 150;
  store.reconfigure(options("", o));
  EXPECT_EQ(store.begin_upload("0004f2aabbcc-boot.log", 60).error(), StoreError::TooLarge) << "100 + 60 > 150";
}

TEST_F(Store, ReloadTurnsUploadsOnAndOff) {
  StoreOptions off = options();
  off.upload_dir.clear();
  FileStore store(off);
  EXPECT_EQ(store.begin_upload("0004f2aabbcc-app.log", 1).error(), StoreError::Disabled);
  store.reconfigure(options());
  auto up = store.begin_upload("0004f2aabbcc-app.log", 1);
  ASSERT_TRUE(up) << "uploads turned on by a reload";
  store.reconfigure(off);
  EXPECT_EQ(store.begin_upload("0004f2aabbcc-boot.log", 1).error(), StoreError::Disabled);
  EXPECT_EQ(store.remove_upload("0004f2aabbcc-app.log").error(), StoreError::Disabled);
  ASSERT_TRUE(put(*up, "x"));
  EXPECT_TRUE(up->commit()) << "an upload begun before the reload finishes";
  EXPECT_EQ(read(base_ / "uploads/0004f2aabbcc-app.log"), "x");
}

TEST_F(Store, ReloadMovesTheUploadDirectoryButNotARunningUpload) {
  auto store = make();
  auto running = store.begin_upload("0004f2aabbcc-boot.log", 0);
  ASSERT_TRUE(running);
  store.reconfigure(options((base_ / "uploads2").string()));
  auto next = store.begin_upload("0004f2aabbcc-app.log", 0);
  ASSERT_TRUE(next);
  ASSERT_TRUE(put(*running, "old") && put(*next, "new"));
  ASSERT_TRUE(running->commit());
  ASSERT_TRUE(next->commit());
  EXPECT_EQ(read(base_ / "uploads/0004f2aabbcc-boot.log"), "old");
  EXPECT_EQ(read(base_ / "uploads2/0004f2aabbcc-app.log"), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(base_ / "uploads"), {}), 1) << "no temporary left behind";
}

TEST_F(Store, ReloadOfTheRootEmptiesTheCache) {
  auto store = make();
  ASSERT_EQ(store.open("000000000000.cfg", false, 0)->cached->content, "<cfg/>");
  fs::create_directories(base_ / "root2");
  write(base_ / "root2/000000000000.cfg", "<other/>");
  StoreOptions o = options();
  o.root = (base_ / "root2").string();
  store.reconfigure(o);
  EXPECT_EQ(store.open("000000000000.cfg", false, 1)->cached->content, "<other/>");
  EXPECT_EQ(error_of(store.open("polycom/sip.ld", false, 1)), StoreError::NotFound);
}

TEST_F(Store, ReloadThatCannotOpenItsDirectoriesChangesNothing) {
  StoreOptions o;
  o.max_upload_bytes = 10;
  auto store = make("", o);
  StoreOptions bad = options("", o);
  bad.upload_dir = (base_ / "secret.txt/uploads").string();  // beneath a regular file
  bad.max_upload_bytes = 1000;
  EXPECT_THROW(store.reconfigure(bad), std::exception);
  EXPECT_EQ(store.begin_upload("0004f2aabbcc-app.log", 100).error(), StoreError::TooLarge);
  EXPECT_TRUE(store.begin_upload("0004f2aabbcc-app.log", 10));
}

// openat2 as seccomp filters answer it (Docker's and systemd's profiles: EPERM), or old kernels (ENOSYS).
int g_openat2_calls = 0;
int g_openat2_errno = 0;
int refused_openat2(int, const char*, ::open_how*, std::size_t) noexcept {
  ++g_openat2_calls;
  errno = g_openat2_errno;
  return -1;
}
// openat2 that works, but refuses one file with EPERM (as a fanotify veto would).
int vetoing_openat2(int dirfd, const char* path, ::open_how* how, std::size_t size) noexcept {
  ++g_openat2_calls;
  if (std::string_view(path) == "000000000000.cfg") {
    errno = EPERM;
    return -1;
  }
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, size));
}

class StoreWithoutOpenat2 : public Store, public ::testing::WithParamInterface<int> {};

TEST_P(StoreWithoutOpenat2, FallsBackOnceAndStaysConfined) {
  g_openat2_calls = 0;
  g_openat2_errno = GetParam();
  StoreOptions o;
  o.openat2 = refused_openat2;
  auto store = make("", o);
  ASSERT_TRUE(store.open("000000000000.cfg", false, 0)) << "served through the walk";
  EXPECT_FALSE(store.uses_openat2());
  const int calls = g_openat2_calls;
  EXPECT_TRUE(store.open("polycom/sip.ld", false, 0));
  EXPECT_EQ(error_of(store.open("abs-link", false, 0)), StoreError::Forbidden);
  EXPECT_EQ(error_of(store.open("rel-link", false, 0)), StoreError::Forbidden);
  EXPECT_EQ(error_of(store.open("/../secret.txt", false, 0)), StoreError::Forbidden);
  EXPECT_EQ(g_openat2_calls, calls) << "the decision is remembered";
}

INSTANTIATE_TEST_SUITE_P(SeccompAndOldKernels, StoreWithoutOpenat2, ::testing::Values(EPERM, ENOSYS));

TEST_F(Store, OneFileRefusedWithEpermKeepsOpenat2) {
  ::open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  const int probe = static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how));
  if (probe < 0) GTEST_SKIP() << "no openat2 here: " << std::strerror(errno);
  ::close(probe);
  StoreOptions o;
  o.openat2 = vetoing_openat2;
  auto store = make("", o);
  EXPECT_EQ(error_of(store.open("000000000000.cfg", false, 0)), StoreError::Forbidden);
  EXPECT_TRUE(store.uses_openat2());
  EXPECT_TRUE(store.open("inside-link", false, 0)) << "still openat2: a symlink beneath the root is fine";
}

TEST_F(Store, DeleteUpload) {
  auto store = make();
  write(base_ / "uploads/backup.txt", "x");
  EXPECT_TRUE(store.remove_upload("/dir/backup.txt"));
  EXPECT_EQ(store.remove_upload("backup.txt").error(), StoreError::NotFound);
}

}  // namespace
}  // namespace pb::prov
