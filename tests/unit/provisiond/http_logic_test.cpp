#include "provisiond/http_logic.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pb::prov::http {
namespace {

constexpr std::string_view kTag = "\"1f-400-5\"";
constexpr std::int64_t kMtime = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

RangeDecision range(std::string_view r, std::uint64_t size = 1024, std::string_view if_range = {}) {
  return decide_range(r, if_range, size, kTag, kMtime);
}

TEST(HttpRange, FirstBytesOfAFirmwareImage) {
  auto d = range("bytes=0-511");
  ASSERT_EQ(d.kind, RangeKind::Partial);
  EXPECT_EQ(d.range.first, 0u);
  EXPECT_EQ(d.range.last, 511u);
  EXPECT_EQ(d.range.length(), 512u);
}

TEST(HttpRange, OpenEndedAndSuffix) {
  EXPECT_EQ(range("bytes=1000-").range.last, 1023u);
  auto s = range("bytes=-100");
  EXPECT_EQ(s.range.first, 924u);
  EXPECT_EQ(s.range.last, 1023u);
  EXPECT_EQ(range("bytes=-5000").range.first, 0u) << "a suffix longer than the file is the whole file";
  EXPECT_EQ(range("bytes=0-99999").range.last, 1023u) << "last clamps to the size";
}

TEST(HttpRange, Unsatisfiable) {
  EXPECT_EQ(range("bytes=1024-").kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(range("bytes=5000-6000").kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(range("bytes=-0").kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(range("bytes=0-", 0).kind, RangeKind::Unsatisfiable);
}

TEST(HttpRange, InvalidOrMultipleIsTheWholeFile) {
  EXPECT_EQ(range("").kind, RangeKind::Whole);
  EXPECT_EQ(range("bytes=5-3").kind, RangeKind::Whole);
  EXPECT_EQ(range("items=0-5").kind, RangeKind::Whole);
  EXPECT_EQ(range("bytes=a-b").kind, RangeKind::Whole);
  EXPECT_EQ(range("bytes=0-1,5-6").kind, RangeKind::Whole);
  EXPECT_EQ(range("bytes=99999999999999999999-").kind, RangeKind::Whole);
}

TEST(HttpRange, IfRange) {
  EXPECT_EQ(range("bytes=0-1", 1024, kTag).kind, RangeKind::Partial);
  EXPECT_EQ(range("bytes=0-1", 1024, "\"other\"").kind, RangeKind::Whole);
  EXPECT_EQ(range("bytes=0-1", 1024, "Sun, 06 Nov 1994 08:49:37 GMT").kind, RangeKind::Partial);
  EXPECT_EQ(range("bytes=0-1", 1024, "Sun, 06 Nov 1994 08:49:38 GMT").kind, RangeKind::Whole);
}

TEST(HttpConditional, IfNoneMatch) {
  EXPECT_TRUE(not_modified(kTag, "", kTag, kMtime));
  EXPECT_TRUE(not_modified("\"x\", W/\"1f-400-5\"", "", kTag, kMtime)) << "weak comparison";
  EXPECT_TRUE(not_modified("*", "", kTag, kMtime));
  EXPECT_FALSE(not_modified("\"x\"", "", kTag, kMtime));
  EXPECT_FALSE(not_modified("\"x\"", "Sun, 06 Nov 2094 08:49:37 GMT", kTag, kMtime))
      << "If-Modified-Since is ignored when If-None-Match is present";
}

TEST(HttpRange, BlankIfRangeMatchesNothing) {
  // A header of blanks only: nothing is left after trimming, which is neither an entity tag nor a date.
  const std::vector<char> blanks(3, ' ');  // exactly its size on the heap: a read past it is caught by ASan
  EXPECT_EQ(range("bytes=0-9", 100, std::string_view(blanks.data(), blanks.size())).kind, RangeKind::Whole);
  EXPECT_EQ(range("bytes=0-9", 100, "\t").kind, RangeKind::Whole);
}

TEST(HttpRange, BlankIfRangeIsNotReadPastItsEnd) {
  // The blanks sit in front of a quote, as in a header block; reading the byte after the empty value
  // would take it for an entity tag and match a representation without one.
  const std::string head = "  \"";
  EXPECT_EQ(decide_range("bytes=0-9", std::string_view(head.data(), 2), 100, "", kMtime).kind, RangeKind::Whole);
}

TEST(HttpConditional, IfModifiedSince) {
  EXPECT_TRUE(not_modified("", "Sun, 06 Nov 1994 08:49:37 GMT", kTag, kMtime));
  EXPECT_TRUE(not_modified("", "Mon, 07 Nov 1994 08:49:37 GMT", kTag, kMtime));
  EXPECT_FALSE(not_modified("", "Sun, 06 Nov 1994 08:49:36 GMT", kTag, kMtime));
  EXPECT_FALSE(not_modified("", "yesterday", kTag, kMtime));
  EXPECT_FALSE(not_modified("", "", kTag, kMtime));
}

TEST(HttpDate, ThreeFormsOfRfc9110) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kMtime);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kMtime);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kMtime);
  EXPECT_EQ(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), std::nullopt);
  EXPECT_EQ(format_http_date(kMtime), "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace pb::prov::http
