#include "provisiond/rendered_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pb::prov {
namespace {

namespace fs = std::filesystem;

phone_template::Rendered two_files(std::string second) {
  phone_template::Rendered r;
  r.files.push_back({"0004f2aabb01.cfg", "<one/>", 0, 2, {0x00, 0x04, 0xf2, 0xaa, 0xbb, 0x01}, "Lobby"});
  r.files.push_back(
      {"cisco/SEP0004F2AABB02.cnf.xml", std::move(second), 1, 3, {0x00, 0x04, 0xf2, 0xaa, 0xbb, 0x02}, "Desk"});
  return r;
}

TEST(RenderedFiles, KeysAreLowerCaseAndMetaDescribesTheBytes) {
  auto files = make_rendered_files(two_files("<two/>"), nullptr, 1'700'000'000);
  ASSERT_EQ(files->size(), 2u);
  ASSERT_TRUE(files->contains("cisco/sep0004f2aabb02.cnf.xml"));
  const auto& f = *files->at("0004f2aabb01.cfg");
  EXPECT_EQ(f.content, "<one/>");
  EXPECT_EQ(f.meta.size, 6u);
  EXPECT_EQ(f.meta.mtime_s, 1'700'000'000);
  EXPECT_EQ(f.meta.last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(f.meta.etag.front(), '"');
  EXPECT_EQ(files->at("cisco/sep0004f2aabb02.cnf.xml")->meta.type, "application/xml");
}

TEST(RenderedFiles, AnUnchangedFileKeepsItsDateAndETagAcrossAReload) {
  auto before = make_rendered_files(two_files("<two/>"), nullptr, 1000);
  auto after = make_rendered_files(two_files("<two changed/>"), before.get(), 2000);
  EXPECT_EQ(after->at("0004f2aabb01.cfg"), before->at("0004f2aabb01.cfg"));  // the same object
  const auto& changed = *after->at("cisco/sep0004f2aabb02.cnf.xml");
  EXPECT_EQ(changed.meta.mtime_s, 2000);
  EXPECT_NE(changed.meta.etag, before->at("cisco/sep0004f2aabb02.cnf.xml")->meta.etag);
  // Same bytes, same ETag, even without the previous set (a restart).
  EXPECT_EQ(make_rendered_files(two_files("<two/>"), nullptr, 3000)->at("0004f2aabb01.cfg")->meta.etag,
            before->at("0004f2aabb01.cfg")->meta.etag);
}

TEST(RenderedFiles, TheStoreServesThemBeforeTheRootWhateverTheCase) {
  const fs::path base = fs::temp_directory_path() / ("pb-rendered-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "root");
  std::ofstream(base / "root/0004f2aabb01.cfg") << "by hand";
  std::ofstream(base / "root/sip.cfg") << "shared";
  StoreOptions o;
  o.root = (base / "root").string();
  FileStore store(o);

  store.set_rendered(make_rendered_files(two_files("<two/>"), nullptr, 1000));
  auto own = store.open("/0004F2AABB01.cfg", false, 0);
  ASSERT_TRUE(own.ok());
  ASSERT_TRUE(own->cached);
  EXPECT_EQ(own->cached->content, "<one/>");
  auto tftp = store.open("cisco\\sep0004f2aabb02.cnf.xml", true, 0);  // TFTP's backslashes, another case
  ASSERT_TRUE(tftp.ok());
  EXPECT_EQ(tftp->cached->content, "<two/>");
  auto shared = store.open("sip.cfg", false, 0);
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(shared->cached->content, "shared");
  // Traversal is refused before the rendered names are looked at.
  EXPECT_FALSE(store.open("../0004f2aabb01.cfg", false, 0).ok());

  store.set_rendered(nullptr);  // templates removed: the root's file is back
  auto by_hand = store.open("0004f2aabb01.cfg", false, 0);
  ASSERT_TRUE(by_hand.ok());
  EXPECT_EQ(by_hand->cached->content, "by hand");
  EXPECT_FALSE(store.open("cisco/SEP0004F2AABB02.cnf.xml", false, 0).ok());
  fs::remove_all(base);
}

}  // namespace
}  // namespace pb::prov
