#include "provisiond/store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

  FileStore make(std::string upload = "", StoreOptions o = {}) {
    o.root = (base_ / "root").string();
    o.upload_dir = upload.empty() ? (base_ / "uploads").string() : upload;
    return FileStore(o);
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

TEST_F(Store, DeleteUpload) {
  auto store = make();
  write(base_ / "uploads/backup.txt", "x");
  EXPECT_TRUE(store.remove_upload("/dir/backup.txt"));
  EXPECT_EQ(store.remove_upload("backup.txt").error(), StoreError::NotFound);
}

}  // namespace
}  // namespace pb::prov
