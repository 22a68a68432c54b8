#include "provisiond/path.hpp"

#include <gtest/gtest.h>

namespace pb::prov {
namespace {

std::string norm(std::string_view in, bool backslash = false) {
  auto r = normalize(in, backslash);
  return r ? r.value() : std::string("!") + to_string(r.error());
}

std::string http(std::string_view target) {
  auto d = percent_decode(target);
  if (!d) return std::string("!") + to_string(d.error());
  return norm(d.value());
}

TEST(Path, PlainNamesStayRelative) {
  EXPECT_EQ(norm("/000000000000.cfg"), "000000000000.cfg");
  EXPECT_EQ(norm("polycom/sip.ld"), "polycom/sip.ld");
  EXPECT_EQ(norm("//a///b/./c"), "a/b/c");
}

TEST(Path, DotDotIsRefusedNeverResolved) {
  EXPECT_EQ(norm("/../etc/passwd"), "!traversal");
  EXPECT_EQ(norm("a/b/../../c"), "!traversal");
  EXPECT_EQ(norm("a/.."), "!traversal");
  EXPECT_EQ(norm("..\\..\\x", true), "!traversal");
  EXPECT_EQ(norm("..\\x", false), "!hidden") << "without backslash mapping it is one hidden name";
}

TEST(Path, PercentEncodedTraversalIsDecodedFirst) {
  EXPECT_EQ(http("/%2e%2e/etc/passwd"), "!traversal");
  EXPECT_EQ(http("/%2E%2E%2fetc%2fpasswd"), "!traversal");
  EXPECT_EQ(http("/a%2f..%2fb"), "!traversal");
  EXPECT_EQ(http("/SEP%30011.cnf.xml"), "SEP0011.cnf.xml");
}

TEST(Path, BadEscapesAndNulAreRefused) {
  EXPECT_EQ(http("/a%2"), "!bad-encoding");
  EXPECT_EQ(http("/a%zz"), "!bad-encoding");
  EXPECT_EQ(http("/a%00b"), "!bad-encoding");
  EXPECT_EQ(http("/a%0ab"), "!bad-encoding");
}

TEST(Path, AbsoluteNamesAreRootRelative) { EXPECT_EQ(norm("/etc/passwd"), "etc/passwd"); }

TEST(Path, HiddenComponentsAreNotServed) {
  EXPECT_EQ(norm("/.htpasswd"), "!hidden");
  EXPECT_EQ(norm("/a/.git/config"), "!hidden");
  EXPECT_EQ(http("/%2essh/id_rsa"), "!hidden");
}

TEST(Path, RootIsNoFile) {
  EXPECT_EQ(norm("/"), "!empty");
  EXPECT_EQ(norm(""), "!empty");
  EXPECT_EQ(norm("/./"), "!empty");
}

TEST(Path, BackslashesForTftpClients) {
  EXPECT_EQ(norm("\\cisco\\SEP001122.cnf.xml", true), "cisco/SEP001122.cnf.xml");
}

TEST(Path, ContentTypes) {
  EXPECT_EQ(content_type("a/000000000000.cfg"), "text/plain");
  EXPECT_EQ(content_type("SEP0011.CNF.XML"), "application/xml");
  EXPECT_EQ(content_type("3111-44500-001.sip.ld"), "application/octet-stream");
  EXPECT_EQ(base_name("a/b/c.log"), "c.log");
  EXPECT_EQ(base_name("c.log"), "c.log");
}

}  // namespace
}  // namespace pb::prov
